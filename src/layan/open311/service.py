"""Use cases of the Open311 face: API keys for agencies' clients, and submitting requests.

A request is a complaint submitted through `complaints.intake` on the "open311" channel:
checked whole before anything is stored, by the same rules as every other channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from layan.complaints import intake
from layan.complaints.checks import Location, NewComplaint, Reporter
from layan.complaints.intake import IncomingFile
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.open311 import keys, queries, rules
from layan.open311.keys import check_key, create_key, revoke_key

__all__ = ["check_key", "create_key", "revoke_key", "submit_request"]


@dataclass(frozen=True)
class Open311Receipt:
    service_request_id: str
    service_notice: str
    account_id: str | None = None


def _coordinate(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name)
    return value if value is not None and value.strip() else None


def new_request(form: Mapping[str, str]) -> NewComplaint:
    """An Open311 request's fields as a complaint, to be checked like any other."""
    attributes = rules.attribute_values(form)
    name = " ".join(
        part.strip() for part in (form.get("first_name"), form.get("last_name")) if part
    )
    return NewComplaint(
        kind=attributes["kind"],
        category=(form.get("service_code") or "").strip(),
        description=form.get("description") or "",
        title=attributes.get("title"),
        location=Location(
            _coordinate(form, "lat"),  # type: ignore[arg-type]
            _coordinate(form, "long"),  # type: ignore[arg-type]
            form.get("address_string") or None,
        ),
        application_number=attributes.get("application_number"),
        privacy=attributes["privacy"],
        reporter=Reporter(
            name=name or None, phone=form.get("phone") or None, email=form.get("email") or None
        ),
        channel="open311",
    )


def submit_request(
    db: Database,
    form: Mapping[str, str],
    files: Mapping[str, IncomingFile],
    *,
    blobs: BlobStore,
    secret: str,
    language: str,
) -> Open311Receipt:
    """Submit a service request with a valid key: a complaint, whole or not at all."""
    with db.unit_of_work(readonly=True) as uow:
        keys.check_key(uow, form.get("api_key"))
    receipt = intake.submit_complaint(db, new_request(form), files, blobs=blobs, secret=secret)
    with db.unit_of_work(readonly=True) as uow:
        request = queries.requests_by_id(uow, [receipt.tracking_number], language)
    notice = request[0]["service_notice"] if request else None
    if notice is None:
        notice = rules.deadline_notice(
            "verification", receipt.verify_due_at, rules.DEFAULT_ZONE, language
        )
    return Open311Receipt(receipt.tracking_number, notice)
