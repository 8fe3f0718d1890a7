"""Sign-in for the API: a password for a bearer token (OAuth2 password flow)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from layan.accounts import service
from layan.web.deps import DbDep, OfficerDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    username: str
    name: str
    roles: list[dict[str, str | None]]


@router.post("/auth/token", response_model=TokenOut, openapi_extra={"x-permission": "public"})
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbDep, settings: SettingsDep
) -> TokenOut:
    """Exchange a username and password for a bearer token."""
    token = service.issue_token(
        db.unit_of_work(),
        username=form.username,
        password=form.password,
        minutes=settings.token_minutes,
    )
    return TokenOut(access_token=token, expires_in=settings.token_minutes * 60)


@router.get("/me", response_model=MeOut, openapi_extra={"x-permission": "officer"})
def who_am_i(officer: OfficerDep) -> MeOut:
    """The signed-in officer and the roles they hold."""
    return MeOut(
        username=officer.username,
        name=officer.name,
        roles=[{"role": g.role, "unit": g.unit, "agency": g.agency} for g in officer.grants],
    )
