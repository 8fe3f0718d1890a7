"""JSON endpoints of issued documents: public keys, verification for anyone, revocation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from layan.core.db import Database
from layan.documents import keys, queries, revocation
from layan.web.deps import DbDep, OfficerDep

router = APIRouter(prefix="/api/v1", tags=["documents"])
PUBLIC = {"x-permission": "public"}


class JwsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jws: str = Field(max_length=8192, description="The compact JWS a document's QR code holds")


class RevocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


def _keys(db: Database) -> list[dict[str, str]]:
    with db.unit_of_work(readonly=True) as uow:
        return [k.jwk() for k in keys.list_keys(uow)]


@router.get("/keys", openapi_extra=PUBLIC)
async def public_keys(db: DbDep) -> list[dict[str, str]]:
    """Every agency's public signing keys as JWKs (RFC 8037: kty OKP, crv Ed25519, x).

    `status` is `active` for the key an agency signs with now and `retired` for earlier
    ones, which still verify what they signed. A document's QR code holds a compact JWS
    whose header names its key (`kid`): this list is all a verifier needs, offline.
    """
    return await run_in_threadpool(_keys, db)


def _verified(db: Database, output_id: str | None, jws: str | None) -> dict[str, Any]:
    with db.unit_of_work(readonly=True) as uow:
        if jws is not None:
            return queries.verify_jws(uow, jws).json()
        return queries.verify_output(uow, output_id or "").json()


@router.get("/outputs/{output_id}/verify", openapi_extra=PUBLIC)
async def verify(output_id: str, db: DbDep) -> dict[str, Any]:
    """Whether a document on record holds: `valid` (its signature holds under a key its
    agency published, it is not revoked and not expired), `revoked` with the reason, the
    agency, service and time of issue, and its subject masked."""
    return await run_in_threadpool(_verified, db, output_id[:40], None)


@router.post("/outputs/verification", openapi_extra=PUBLIC)
async def verify_scanned(body: JwsIn, db: DbDep) -> dict[str, Any]:
    """Verify the JWS read from a document's QR code: a changed byte fails; a document on
    record also says whether it was revoked since."""
    return await run_in_threadpool(_verified, db, None, body.jws)


@router.post(
    "/outputs/{output_id}/revocation", status_code=204, openapi_extra={"x-permission": "officer"}
)
def revoke(output_id: str, body: RevocationIn, db: DbDep, officer: OfficerDep) -> None:
    """Revoke a document (an approver of the issuing agency), with a reason that every
    verification shows from then on."""
    revocation.revoke_output(db, officer, output_id[:40], body.reason)
