"""Request dependencies: the database, the settings, the blob store and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from layan.accounts import service as accounts
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import AuthenticationError, PermissionDeniedError, Text
from layan.documents.issue import Issuer
from layan.documents.registries import Registries
from layan.notify.email import Mailer
from layan.settings import Settings
from layan.web.session import SESSION_COOKIE

_bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scopes={"read": "Look at cases, tasks and lists", "write": "Change things: decide, claim"},
    auto_error=False,
)
# Methods that only look; anything else needs a token given for writing.
_LOOKING = frozenset({"GET", "HEAD"})
_READ_ONLY = PermissionDeniedError(
    Text(
        "Token ini hanya untuk membaca (scope read); masuk lagi dengan scope write untuk "
        "mengubah data",
        "This token is for reading only (scope read); sign in again with scope write to "
        "change anything",
    ),
    "auth.scope",
)


# Dependencies that only read the app's state are coroutines: FastAPI runs a plain
# function dependency on a worker thread, a hand-off per dependency per request.
async def get_db(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_blobs(request: Request) -> BlobStore:
    return request.app.state.blobs  # type: ignore[no-any-return]


async def get_issuer(request: Request) -> Issuer:
    return request.app.state.issuer  # type: ignore[no-any-return]


async def get_mailer(request: Request) -> Mailer:
    return request.app.state.mailer  # type: ignore[no-any-return]


async def get_registries(request: Request) -> Registries:
    return request.app.state.registries  # type: ignore[no-any-return]


DbDep = Annotated[Database, Depends(get_db)]
RegistriesDep = Annotated[Registries, Depends(get_registries)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
IssuerDep = Annotated[Issuer, Depends(get_issuer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
# A database id in a path: larger numbers cannot name a row, and would overflow the
# driver's 64-bit integer (a 500) before the query could say "not found"; they get 422.
DbId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _principal(db: Database, token: str) -> Principal:
    with db.unit_of_work(readonly=True) as uow:
        return accounts.principal_for_token(uow, token)


def _may(request: Request, principal: Principal) -> Principal:
    """Refuse a change (any method but GET and HEAD) made with a read-only token."""
    if request.method not in _LOOKING and not principal.may_write:
        raise _READ_ONLY
    return principal


async def current_officer(
    request: Request, db: DbDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    """The signed-in officer; 401 without a valid bearer token, 403 (`auth.scope`) for a
    change asked with a token given only for reading."""
    if not token:
        raise AuthenticationError(
            Text("Silakan masuk terlebih dahulu", "Please sign in first"), "auth.required"
        )
    return _may(request, await run_in_threadpool(_principal, db, token))


OfficerDep = Annotated[Principal, Depends(current_officer)]


async def page_officer(request: Request, db: DbDep) -> Principal:
    """The officer signed in to the pages by session cookie; others go to the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError(
            Text("Silakan masuk terlebih dahulu", "Please sign in first"), "auth.required"
        )
    principal = _may(request, await run_in_threadpool(_principal, db, token))
    request.state.officer = principal
    return principal


PageOfficerDep = Annotated[Principal, Depends(page_officer)]
