"""Sign-in for the API: a password for a bearer token (OAuth2 password flow)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from layan.accounts import service
from layan.core.access import SCOPES, parse_scopes, scope_text
from layan.web.deps import DbDep, OfficerDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class MeOut(BaseModel):
    username: str
    name: str
    roles: list[dict[str, str | None]]
    scopes: list[str]


@router.post("/auth/token", response_model=TokenOut, openapi_extra={"x-permission": "public"})
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DbDep,
    settings: SettingsDep,
    totp: Annotated[
        str | None,
        Form(
            max_length=20,
            description="The 6-digit code of the officer's authenticator app, "
            "when the officer has two-step verification on.",
        ),
    ] = None,
) -> TokenOut:
    """Exchange a username and password (and a second-factor code) for a bearer token.

    `scope` may ask for `read` and/or `write` (space-separated); empty means both. A
    token without `write` may only look (GET). An officer with two-step verification on
    who sends no `totp` gets 401 with the code `auth.totp_required`.
    """
    scopes = parse_scopes(" ".join(form.scopes))
    token = service.issue_token(
        db,
        username=form.username,
        password=form.password,
        minutes=settings.token_minutes,
        code=totp,
        scopes=scopes,
    )
    return TokenOut(
        access_token=token, expires_in=settings.token_minutes * 60, scope=scope_text(scopes)
    )


@router.get("/me", response_model=MeOut, openapi_extra={"x-permission": "officer"})
def who_am_i(officer: OfficerDep) -> MeOut:
    """The signed-in officer, the roles they hold and what their token may do."""
    return MeOut(
        username=officer.username,
        name=officer.name,
        roles=[{"role": g.role, "unit": g.unit, "agency": g.agency} for g in officer.grants],
        scopes=[s for s in SCOPES if s in officer.scopes],
    )
