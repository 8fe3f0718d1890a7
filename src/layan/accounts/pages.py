"""Signing officers in and out of the workspace pages (a session cookie, CSRF-protected),
an officer's own two-step verification, and their own password.

Signing in takes one or two steps: the password, then, for an officer who has two-step
verification on, a code from their authenticator app. Between the two steps the browser
carries a sealed, short-lived note of whose password was right (never the password).
"""

from __future__ import annotations

import hashlib
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.accounts import officers, rules, second_factor, service
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import (
    AuthenticationError,
    InvalidStateError,
    TooManyRequestsError,
    ValidationFailedError,
)
from layan.web.deps import DbDep, PageOfficerDep, SettingsDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import CSRF_COOKIE, FORGED, SESSION_COOKIE, check_csrf, seal, unseal
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
OFFICER = {"x-permission": "officer"}
# How long the second step of a sign-in, and a key shown for enrolment, stay usable.
PENDING_SECONDS = 5 * 60
ENROL_SECONDS = 15 * 60
SECOND_FACTOR_PAGE = "/petugas/akun/verifikasi"
PASSWORD_PAGE = "/petugas/akun/kata-sandi"


def _safe_next(target: str) -> str:
    # Only a path on this site: an open redirect would let a phishing link borrow our name.
    return target if target.startswith("/") and not target.startswith("//") else "/petugas"


def _browser(request: Request) -> str:
    """This browser, by a digest of its anti-forgery cookie: a sealed note works only here."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return hashlib.sha256(f"sealed-for:{cookie}".encode()).hexdigest()[:32]


def _sealed(request: Request, db: Database, purpose: str, seconds: int, **fields: object) -> str:
    until = int(db.clock().timestamp()) + seconds
    return seal(
        request, {"purpose": purpose, "until": until, "browser": _browser(request), **fields}
    )


def _opened(request: Request, db: Database, sealed: object, purpose: str) -> dict[str, Any] | None:
    """The fields of a sealed note made for `purpose` in this browser; None once expired."""
    payload = unseal(request, sealed)
    if payload.get("purpose") != purpose or payload.get("browser") != _browser(request):
        raise FORGED
    until = payload.get("until")
    if not isinstance(until, int) or until <= db.clock().timestamp():
        return None
    return payload


def _sign_in_page(
    request: Request,
    target: str,
    *,
    username: str = "",
    error: str | None = None,
    pending: str | None = None,
    status: int = 200,
    retry_after: int | None = None,
) -> HTMLResponse:
    response = render(
        request,
        "accounts/sign_in.html",
        {"next": target, "error": error, "username": username, "pending": pending},
        status,
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/petugas/masuk", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def sign_in_form(request: Request, next: str = "/petugas") -> HTMLResponse:
    """The officers' sign-in form."""
    return _sign_in_page(request, _safe_next(next))


@router.post("/petugas/masuk", openapi_extra=PUBLIC)
async def sign_in(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    """Check the password (then, if the officer has it on, the code from their app); on
    success a session cookie that expires with the token."""
    async with request.form(max_fields=8) as form:
        check_csrf(request, form.get("csrf_token"))
        username = str(form.get("username") or "")[:60]
        password = str(form.get("password") or "")[:200]
        code = str(form.get("code") or "")[:20]
        pending = form.get("pending")
        target = _safe_next(str(form.get("next") or "/petugas"))
    language = lang(request)
    minutes = settings.token_minutes
    try:
        if pending is None:
            token = await run_in_threadpool(
                lambda: service.issue_token(
                    db, username=username, password=password, minutes=minutes
                )
            )
        else:
            opened = _opened(request, db, pending, "sign-in")
            if opened is None:
                error = translate("signin.expired", language)
                return _sign_in_page(request, target, error=error, status=401)
            username = str(opened["username"])
            token = await run_in_threadpool(
                lambda: service.finish_sign_in(
                    db,
                    officer_id=int(opened["officer"]),
                    username=username,
                    code=code,
                    minutes=minutes,
                )
            )
    except service.SecondFactorRequired as exc:
        note = _sealed(
            request, db, "sign-in", PENDING_SECONDS, officer=exc.officer_id, username=username
        )
        return _sign_in_page(request, target, username=username, pending=note)
    except AuthenticationError as exc:
        again = pending if isinstance(pending, str) else None
        return _sign_in_page(
            request, target, username=username, error=exc.text(language), pending=again, status=401
        )
    except TooManyRequestsError as exc:
        return _sign_in_page(
            request,
            target,
            username=username,
            error=exc.text(language),
            status=429,
            retry_after=exc.retry_after,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=minutes * 60,
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


# --- the officer's own two-step verification ------------------------------------------

_NOTICES = {"aktif": "tfa.enabled", "nonaktif": "tfa.disabled"}


def _second_factor_page(
    request: Request,
    db: Database,
    officer: Principal,
    enabled: bool,
    *,
    secret: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "enabled": enabled,
        "notice": notice,
        "errors": [{"anchor": "code", "message": error}] if error else [],
    }
    if not enabled:
        username = officer.username
        enrolment = (
            second_factor.Enrolment(secret, second_factor.provisioning_uri(secret, username))
            if secret
            else second_factor.new_enrolment(username)
        )
        secret = enrolment.secret
        qr = segno.make(enrolment.uri, error="m")
        context.update(
            secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            qr=qr.svg_data_uri(scale=4, light="#fff"),
            qr_size=qr.symbol_size(scale=4)[0],
            pending=_sealed(
                request, db, "enrol", ENROL_SECONDS, officer=officer.officer_id, secret=secret
            ),
        )
    response = render(request, "accounts/second_factor.html", context, status)
    # The page shows a secret: no copy of it stays in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(SECOND_FACTOR_PAGE, response_class=HTMLResponse, openapi_extra=OFFICER)
async def second_factor_form(
    request: Request, db: DbDep, officer: PageOfficerDep, pesan: str = ""
) -> HTMLResponse:
    """Two-step verification of the signed-in officer: a fresh key to switch it on, or
    the form to switch it off."""
    enabled = await run_in_threadpool(second_factor.is_enabled, db, officer.officer_id)
    return _second_factor_page(request, db, officer, enabled, notice=_NOTICES.get(pesan))


@router.post(SECOND_FACTOR_PAGE, openapi_extra=OFFICER)
async def second_factor_on(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Switch two-step verification on with the key shown and one code from the app."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        pending = form.get("pending")
        code = str(form.get("code") or "")[:20]
    opened = _opened(request, db, pending, "enrol")
    if opened is not None and opened.get("officer") != officer.officer_id:
        raise FORGED
    if opened is None:
        expired = translate("tfa.expired", lang(request))
        return _second_factor_page(request, db, officer, False, error=expired, status=422)
    secret = str(opened["secret"])
    try:
        await run_in_threadpool(second_factor.enable, db, officer, secret, code)
    except ValidationFailedError as exc:
        message = exc.errors[0].text(lang(request))
        return _second_factor_page(
            request, db, officer, False, secret=secret, error=message, status=422
        )
    except InvalidStateError:  # already on (the form sent twice): the page says so
        return RedirectResponse(SECOND_FACTOR_PAGE, status_code=303)
    return RedirectResponse(f"{SECOND_FACTOR_PAGE}?pesan=aktif", status_code=303)


@router.post(f"{SECOND_FACTOR_PAGE}/nonaktifkan", openapi_extra=OFFICER)
async def second_factor_off(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Switch two-step verification off with a current code from the app."""
    async with request.form(max_fields=5) as form:
        check_csrf(request, form.get("csrf_token"))
        code = str(form.get("code") or "")[:20]
    language = lang(request)
    try:
        await run_in_threadpool(second_factor.disable, db, officer, code)
    except ValidationFailedError as exc:
        message = exc.errors[0].text(language)
        return _second_factor_page(request, db, officer, True, error=message, status=422)
    except TooManyRequestsError as exc:
        page = _second_factor_page(request, db, officer, True, error=exc.text(language), status=429)
        if exc.retry_after:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except InvalidStateError:
        return RedirectResponse(SECOND_FACTOR_PAGE, status_code=303)
    return RedirectResponse(f"{SECOND_FACTOR_PAGE}?pesan=nonaktif", status_code=303)


# --- the officer's own password --------------------------------------------------------

_PASSWORD_FIELDS = (officers.CURRENT, officers.NEW, officers.AGAIN)


def _password_page(
    request: Request,
    *,
    errors: list[dict[str, str]] | None = None,
    changed: bool = False,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    response = render(
        request,
        "accounts/password.html",
        {
            "errors": errors,
            "error_for": {e["field"]: e["message"] for e in errors},
            "changed": changed,
            "min_password": rules.MIN_PASSWORD,
        },
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(PASSWORD_PAGE, response_class=HTMLResponse, openapi_extra=OFFICER)
async def password_form(request: Request, officer: PageOfficerDep, pesan: str = "") -> HTMLResponse:
    """The form to change the signed-in officer's password."""
    return _password_page(request, changed=pesan == "diubah")


@router.post(PASSWORD_PAGE, openapi_extra=OFFICER)
async def change_password(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Change the password with the current one; the officer's other sign-ins end."""
    async with request.form(max_fields=6) as form:
        check_csrf(request, form.get("csrf_token"))
        typed = {name: str(form.get(name) or "")[:200] for name in _PASSWORD_FIELDS}
    language = lang(request)
    session_token = request.cookies.get(SESSION_COOKIE) or ""
    try:
        await run_in_threadpool(
            lambda: officers.change_own_password(
                db,
                officer,
                session_token=session_token,
                current=typed[officers.CURRENT],
                new=typed[officers.NEW],
                again=typed[officers.AGAIN],
            )
        )
    except ValidationFailedError as exc:
        errors = [
            {
                "field": e.field,
                "anchor": e.field.replace("_", "-"),
                "message": e.text(language),
            }
            for e in exc.errors
        ]
        return _password_page(request, errors=errors, status=422)
    except TooManyRequestsError as exc:
        message = {"field": officers.CURRENT, "anchor": "current-password"}
        page = _password_page(
            request, errors=[{**message, "message": exc.text(language)}], status=429
        )
        if exc.retry_after:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return RedirectResponse(f"{PASSWORD_PAGE}?pesan=diubah", status_code=303)
