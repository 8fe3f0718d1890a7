"""Signing officers in and out of the workspace pages (a session cookie, CSRF-protected)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.accounts import service
from layan.core.errors import AuthenticationError
from layan.web.deps import DbDep, SettingsDep
from layan.web.errors import lang
from layan.web.session import SESSION_COOKIE, check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}


def _safe_next(target: str) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our name.
    return target if target.startswith("/") and not target.startswith("//") else "/petugas"


@router.get("/petugas/masuk", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def sign_in_form(request: Request, next: str = "/petugas") -> HTMLResponse:
    """The officers' sign-in form."""
    return render(
        request, "accounts/sign_in.html", {"next": _safe_next(next), "error": None, "username": ""}
    )


@router.post("/petugas/masuk", openapi_extra=PUBLIC)
async def sign_in(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    """Check the password; on success a session cookie that expires with the token."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        username = str(form.get("username") or "")[:60]
        password = str(form.get("password") or "")[:200]
        target = _safe_next(str(form.get("next") or "/petugas"))
    try:
        token = await run_in_threadpool(
            lambda: service.issue_token(
                db.unit_of_work(),
                username=username,
                password=password,
                minutes=settings.token_minutes,
            )
        )
    except AuthenticationError as exc:
        return render(
            request,
            "accounts/sign_in.html",
            {"next": target, "error": exc.text(lang(request)), "username": username},
            401,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/petugas/keluar", openapi_extra=PUBLIC)
async def sign_out(request: Request, db: DbDep) -> Response:
    """End the session everywhere it was used."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(lambda: service.revoke_token(db.unit_of_work(), token))
    response = RedirectResponse("/petugas/masuk", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
