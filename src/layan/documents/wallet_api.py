"""JSON endpoints of the citizen's wallet: a one-time code, the documents, share links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from layan.core.errors import AuthenticationError, Text
from layan.documents import queries, wallet
from layan.documents.issue import Issuer, pdf_bytes
from layan.web.deps import DbDep, DbId, IssuerDep, MailerDep, SettingsDep
from layan.web.files import pdf_response
from layan.web.submissions import to_json

router = APIRouter(prefix="/api/v1", tags=["wallet"])
PUBLIC = {"x-permission": "public"}
HOLDER = {"x-permission": "wallet"}


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str = Field(max_length=32)
    email: str = Field(max_length=254)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str = Field(max_length=32)
    code: str = Field(max_length=12)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: int = Field(description="1, 24, 168 or 720")


def wallet_token(authorization: Annotated[str | None, Header(max_length=200)] = None) -> str:
    """The wallet session's bearer token; 401 without one."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError(
            Text("Masuk ke dompet terlebih dahulu", "Sign in to the wallet first"),
            "wallet.session",
        )
    return token.strip()


WalletToken = Annotated[str, Depends(wallet_token)]


def output_json(output: queries.OutputRef, site: str, pdf_url: str) -> dict[str, Any]:
    return {
        "id": output.id,
        "kind": output.kind,
        "number": output.number,
        "service_code": output.service_code,
        "agency": output.agency,
        "issued_at": to_json(output.issued_at),
        "valid_until": to_json(output.valid_until),
        "revoked": output.revoked_at is not None,
        "jws": output.jws,
        "pdf_url": pdf_url,
        "verify_url": f"{site}/v/{output.id}",
    }


@router.post("/wallet/code", status_code=202, openapi_extra=PUBLIC)
def ask_for_code(body: CodeIn, db: DbDep, mailer: MailerDep) -> JSONResponse:
    """Send a one-time code to the email, if a document was issued to the NIK with it.

    The answer is the same whether or not a code went out, so it tells no one which NIKs
    hold documents. At most 5 codes an hour per NIK (429).
    """
    wallet.request_code(db, mailer, body.nik, body.email)
    return JSONResponse(
        {
            "message": "If a document was issued to this NIK with this email, a code was sent "
            "to it.",
            "expires_in": wallet.CODE_MINUTES * 60,
        },
        status_code=202,
    )


@router.post("/wallet/token", openapi_extra=PUBLIC)
def open_wallet(body: TokenIn, db: DbDep) -> dict[str, Any]:
    """Exchange the code for a wallet token (30 minutes); 5 wrong codes lock the NIK's
    wallet for 15 minutes (429)."""
    opened = wallet.sign_in(db, body.nik, body.code)
    return {
        "access_token": opened.token,
        "token_type": "bearer",
        "expires_at": to_json(opened.expires_at),
    }


@router.delete("/wallet/token", status_code=204, openapi_extra=HOLDER)
def close_wallet(db: DbDep, token: WalletToken) -> None:
    """Sign out of the wallet: the token stops working at once."""
    with db.unit_of_work(readonly=True) as uow:
        wallet.holder_of(uow, token)  # 401 for a token that opens nothing
    wallet.sign_out(db, token)


def _outputs(db: Any, token: str, site: str) -> list[dict[str, Any]]:
    with db.unit_of_work(readonly=True) as uow:
        holder = wallet.holder_of(uow, token)
        return [
            output_json(o, site, f"{site}/api/v1/wallet/outputs/{o.id}/pdf")
            for o in wallet.list_wallet(uow, holder)
        ]


@router.get("/wallet/outputs", openapi_extra=HOLDER)
async def my_outputs(db: DbDep, settings: SettingsDep, token: WalletToken) -> list[dict[str, Any]]:
    """Every document issued to the wallet's NIK, newest first."""
    return await run_in_threadpool(_outputs, db, token, settings.site)


def _held_pdf(db: Any, issuer: Issuer, token: str, output_id: str) -> tuple[str, bytes]:
    with db.unit_of_work(readonly=True) as uow:
        row = wallet.held_output(uow, wallet.holder_of(uow, token), output_id)
        found, number = row.id, row.number
    return number, pdf_bytes(db, issuer, found)


@router.get(
    "/wallet/outputs/{output_id}/pdf",
    response_class=Response,
    openapi_extra=HOLDER,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def my_output_pdf(
    output_id: str, db: DbDep, issuer: IssuerDep, token: WalletToken
) -> Response:
    """The PDF of one of the wallet's documents."""
    number, content = await run_in_threadpool(_held_pdf, db, issuer, token, output_id[:40])
    return pdf_response(content, number)


def share_json(share: wallet.Share, site: str, secret: str | None = None) -> dict[str, Any]:
    body = {
        "id": share.id,
        "output_id": share.output_id,
        "created_at": to_json(share.created_at),
        "expires_at": to_json(share.expires_at),
        "revoked": share.revoked_at is not None,
        "opened": share.opened,
    }
    if secret is not None:
        body["url"] = f"{site}/bagikan/{secret}"
    return body


@router.post("/wallet/outputs/{output_id}/shares", status_code=201, openapi_extra=HOLDER)
def share(
    output_id: str, body: ShareIn, db: DbDep, settings: SettingsDep, token: WalletToken
) -> dict[str, Any]:
    """A link to the document that works for `hours` (1, 24, 168 or 720) or until stopped;
    the link is shown only in this answer."""
    secret, made = wallet.share_output(db, token, output_id[:40], body.hours)
    return share_json(made, settings.site, secret)


@router.get("/wallet/shares", openapi_extra=HOLDER)
def my_shares(db: DbDep, settings: SettingsDep, token: WalletToken) -> list[dict[str, Any]]:
    """The links the holder made, newest first (without their secret)."""
    with db.unit_of_work(readonly=True) as uow:
        holder = wallet.holder_of(uow, token)
        return [share_json(s, settings.site) for s in wallet.shares_of(uow, holder)]


@router.delete("/wallet/shares/{share_id}", status_code=204, openapi_extra=HOLDER)
def stop(share_id: DbId, db: DbDep, token: WalletToken) -> None:
    """Stop a link at once."""
    wallet.stop_share(db, token, share_id)


def _shared(db: Any, secret: str, site: str) -> dict[str, Any]:
    row = wallet.open_share(db, secret)
    with db.unit_of_work(readonly=True) as uow:
        body = queries.verify_output(uow, row.id).json()
    body["pdf_url"] = f"{site}/api/v1/shared/{secret}/pdf"
    return body


@router.get("/shared/{secret}", openapi_extra=PUBLIC)
async def shared(secret: str, db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """What a share link opens: the document's verification and its PDF's address;
    404 for no such link, 410 once it expired or was stopped."""
    return await run_in_threadpool(_shared, db, secret[:100], settings.site)


def _shared_pdf(db: Any, issuer: Issuer, secret: str) -> tuple[str, bytes]:
    row = wallet.open_share(db, secret)
    return row.number, pdf_bytes(db, issuer, row.id)


@router.get(
    "/shared/{secret}/pdf",
    response_class=Response,
    openapi_extra=PUBLIC,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def shared_pdf(secret: str, db: DbDep, issuer: IssuerDep) -> Response:
    """The PDF a share link opens, while the link works."""
    number, content = await run_in_threadpool(_shared_pdf, db, issuer, secret[:100])
    return pdf_response(content, number)
