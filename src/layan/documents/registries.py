"""Registry connectors: looking up a record by NIK in a registry another agency keeps.

A registry answers found (with its own reference for the record), not found, or cannot be
reached. Two connectors speak for a registry:

- `LocalConnector`: the platform's own issued documents. A NIK is on the record when a
  valid document of one of the registry's `services` was issued to it (e.g. a KTP-el or
  a family card issued on Layan answers for the civil registry).
- `HttpConnector`: the registry's own web service, configured per registry
  (`LAYAN_REGISTRIES`): `POST <url>` with JSON `{"nik", "requester", "purpose",
  "legal_basis"}` (and a bearer token when configured); it answers 200
  `{"found": true|false, "reference": "..."}` or 404 for no record. Anything else, a
  timeout or a refused connection is "cannot be reached".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx
from sqlalchemy import select

from layan.catalogue.queries import KeptRegistry
from layan.core.db import Database
from layan.documents import rules
from layan.documents.models import IssuedOutput


class RegistryUnreachable(Exception):
    """The registry did not answer (down, slow, or an answer that is not one)."""


@dataclass(frozen=True)
class Lookup:
    """A registry's answer for one NIK."""

    found: bool
    reference: str | None = None


class RegistryConnector(Protocol):
    def lookup(self, nik: str, *, requester: str, purpose: str) -> Lookup: ...


@dataclass(frozen=True)
class LocalConnector:
    """Answers from the documents this platform issued for the registry's services."""

    db: Database
    kept: KeptRegistry

    def lookup(self, nik: str, *, requester: str, purpose: str) -> Lookup:
        services = self.kept.registry.services
        if not services:
            return Lookup(False)
        with self.db.unit_of_work(readonly=True) as uow:
            today = uow.now().date()
            rows = uow.session.execute(
                select(IssuedOutput)
                .where(
                    IssuedOutput.subject_nik_sha256 == rules.nik_digest(nik),
                    IssuedOutput.service_code.in_(services),
                    IssuedOutput.kind == "output",
                    IssuedOutput.revoked_at.is_(None),
                    IssuedOutput.erased_at.is_(None),
                )
                .order_by(IssuedOutput.issued_at.desc())
            ).scalars()
            for row in rows:
                if row.valid_until is None or row.valid_until >= today:
                    return Lookup(True, f"layan:{row.id}")
        return Lookup(False)


@dataclass(frozen=True)
class HttpConnector:
    """Asks the registry's own web service."""

    url: str
    legal_basis: str
    token: str | None = None
    timeout: float = 5.0
    transport: httpx.BaseTransport | None = field(default=None, compare=False)

    def lookup(self, nik: str, *, requester: str, purpose: str) -> Lookup:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {
            "nik": nik,
            "requester": requester,
            "purpose": purpose,
            "legal_basis": self.legal_basis,
        }
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                answer = client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RegistryUnreachable(str(exc)) from None
        if answer.status_code == 404:
            return Lookup(False)
        if answer.status_code != 200:
            raise RegistryUnreachable(f"status {answer.status_code}")
        try:
            data = answer.json()
        except ValueError:
            raise RegistryUnreachable("not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("found"), bool):
            raise RegistryUnreachable("no 'found' in the answer")
        reference = data.get("reference")
        return Lookup(data["found"], str(reference)[:100] if reference else None)


@dataclass(frozen=True)
class Endpoint:
    """A registry's web service, as configured."""

    url: str
    token: str | None = None
    timeout: float = 5.0


@dataclass
class Registries:
    """How this process reaches each registry: its web service where one is configured,
    otherwise the platform's own issued documents."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)

    def connector(self, db: Database, kept: KeptRegistry) -> RegistryConnector:
        endpoint = self.endpoints.get(kept.registry.code)
        if endpoint is None:
            return LocalConnector(db, kept)
        return HttpConnector(
            endpoint.url, kept.registry.legal_basis, endpoint.token, endpoint.timeout
        )
