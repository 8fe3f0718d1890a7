"""The agencies' signing keys: private halves in the key folder, public halves in the database.

Each agency signs with one active Ed25519 key. A private key is written once, to
`LAYAN_KEYS_DIR/<kid>.pem` (the folder 0700, the file 0600, before the transaction that
records its public half), and is never read into the database, an event or a response.
Rotating retires the active key and makes a new one; retired keys stay published, so
every document they signed still verifies.

An agency with a certificate (for PAdES signatures inside the PDF) keeps it in
`LAYAN_KEYS_DIR/pades/<AGENCY>/`: `certificate.pem`, `key.pem` and, if any, `chain.pem`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from layan.catalogue import queries as catalogue
from layan.core.db import Database, UnitOfWork
from layan.core.errors import InvalidStateError, NotFoundError, Text
from layan.core.events import Actor, record_agency_event
from layan.documents import rules
from layan.documents.models import SigningKey

ACTIVE, RETIRED = "active", "retired"


class KeyFolder:
    """The private signing keys of this server, one PEM file per key id."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: dict[str, Ed25519PrivateKey] = {}
        self._lock = threading.Lock()

    def _path(self, kid: str) -> Path:
        if len(kid) != 16 or not all(c in "0123456789abcdef" for c in kid):
            raise ValueError("not a key id")
        return self.root / f"{kid}.pem"

    def put(self, private: Ed25519PrivateKey) -> str:
        """Write a new private key, readable by this server's user only; its key id."""
        kid = rules.key_id(private.public_key())
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(rules.private_pem(private))
            os.replace(tmp, self._path(kid))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return kid

    def private(self, kid: str) -> Ed25519PrivateKey:
        """The private key of `kid`, read once per process."""
        with self._lock:
            key = self._loaded.get(kid)
            if key is None:
                try:
                    key = rules.load_private_pem(self._path(kid).read_bytes())
                except FileNotFoundError:
                    raise KEY_MISSING from None
                self._loaded[kid] = key
            return key

    def certificate_dir(self, agency: str) -> Path:
        return self.root / "pades" / agency


KEY_MISSING = InvalidStateError(
    Text(
        "Kunci tanda tangan instansi tidak ada di server ini (LAYAN_KEYS_DIR); dokumen tidak "
        "dapat diterbitkan",
        "The agency's signing key is not on this server (LAYAN_KEYS_DIR); the document "
        "cannot be issued",
    ),
    "keys.missing",
)


@dataclass(frozen=True)
class PublishedKey:
    """A public key as `GET /api/v1/keys` lists it (JWK fields, RFC 8037)."""

    kid: str
    agency: str
    x: str
    status: str

    def jwk(self) -> dict[str, str]:
        return {
            "kid": self.kid,
            "agency": self.agency,
            "kty": "OKP",
            "alg": rules.ALG,
            "crv": rules.CRV,
            "use": "sig",
            "x": self.x,
            "status": self.status,
        }

    @property
    def public(self) -> Ed25519PublicKey:
        return rules.public_from_x(self.x)


def _published(row: SigningKey) -> PublishedKey:
    return PublishedKey(row.kid, row.agency_code, row.x, row.status)


def list_keys(uow: UnitOfWork) -> list[PublishedKey]:
    """Every agency's keys, active and retired, by agency and age."""
    rows = uow.session.execute(
        select(SigningKey).order_by(SigningKey.agency_code, SigningKey.created_at)
    ).scalars()
    return [_published(r) for r in rows]


def find_key(uow: UnitOfWork, kid: str) -> PublishedKey | None:
    row = uow.session.get(SigningKey, kid) if len(kid) <= 16 else None
    return _published(row) if row else None


def _active(uow: UnitOfWork, agency: str) -> SigningKey | None:
    return uow.session.execute(
        select(SigningKey).where(SigningKey.agency_code == agency, SigningKey.status == ACTIVE)
    ).scalar_one_or_none()


def _new_key(uow: UnitOfWork, folder: KeyFolder, agency: str, actor: Actor, activity: str) -> str:
    private = rules.new_private_key()
    kid = folder.put(private)
    uow.session.add(
        SigningKey(
            kid=kid,
            agency_code=agency,
            x=rules.public_x(private.public_key()),
            status=ACTIVE,
            created_at=uow.now(),
        )
    )
    uow.session.flush()
    record_agency_event(
        uow.session,
        agency,
        activity,
        actor,
        uow.now(),
        payload={"kid": kid},
    )
    return kid


def active_key(uow: UnitOfWork, folder: KeyFolder, agency: str, actor: Actor) -> str:
    """The agency's active key id, made now (inside the caller's transaction) if it has none."""
    row = _active(uow, agency)
    if row is not None:
        return row.kid
    return _new_key(uow, folder, agency, actor, "signing key created")


def ensure_keys(db: Database, folder: KeyFolder, agencies: list[str], actor: Actor) -> list[str]:
    """Give every agency of `agencies` without an active key a new one; the keys made.

    The missing keys are made together in one transaction. Safe from several processes
    starting at once: at most one key per agency is active (a unique index), and a
    process that lost the race reads again and makes only what is still missing (each
    lost race means another process made a key, so the tries are bounded).
    """
    for _ in range(len(agencies) + 1):
        try:
            with db.unit_of_work() as uow:
                have = set(
                    uow.session.execute(
                        select(SigningKey.agency_code).where(
                            SigningKey.status == ACTIVE, SigningKey.agency_code.in_(agencies)
                        )
                    ).scalars()
                )
                made = [
                    _new_key(uow, folder, agency, actor, "signing key created")
                    for agency in agencies
                    if agency not in have
                ]
                uow.commit()
                return made
        except IntegrityError:
            continue  # another process made some at the same moment
    return []


def rotate_key(db: Database, folder: KeyFolder, agency: str, actor: Actor) -> str:
    """Retire the agency's active key and make a new one; documents signed before still
    verify under the retired key. The new key id."""
    with db.unit_of_work() as uow:
        row = _active(uow, agency)
        if row is None and catalogue.find_agency(uow, agency) is None:
            raise NotFoundError(
                Text(f"Instansi {agency} tidak dikenal", f"Unknown agency {agency}"),
                "agency.not_found",
            )
        if row is not None:
            row.status, row.retired_at = RETIRED, uow.now()
            uow.session.flush()
        kid = _new_key(uow, folder, agency, actor, "signing key rotated")
        uow.commit()
    return kid
