"""Cookies of the web pages: the anti-forgery token and the officer's session.

Forms carry a token derived from a random cookie with the server's secret (a signed
double-submit), so a page on another site cannot post a form in a citizen's or an
officer's name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from fastapi import Request

from layan.core.errors import PermissionDeniedError, Text

CSRF_COOKIE = "layan_csrf"
SESSION_COOKIE = "layan_session"
FORGED = PermissionDeniedError(
    Text(
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
        "The form expired or is not valid. Reload the page and try again.",
    ),
    "csrf",
)


def _secret(request: Request) -> bytes:
    return str(request.app.state.settings.secret_key).encode()


def ensure_csrf_cookie(request: Request) -> tuple[str, bool]:
    """The visitor's anti-forgery cookie, and whether it must be set now."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 64:
        return existing, False
    fresh = getattr(request.state, "csrf_cookie", None) or secrets.token_urlsafe(24)
    request.state.csrf_cookie = fresh
    return fresh, True


def csrf_token(request: Request, cookie: str) -> str:
    return hmac.new(_secret(request), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()[:40]


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse a form whose token does not match this visitor's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str):
        raise FORGED
    if not hmac.compare_digest(csrf_token(request, cookie), submitted):
        raise FORGED


def seal(request: Request, payload: dict[str, object]) -> str:
    """A payload the browser carries between pages and cannot alter (signed, not secret)."""
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    mac = hmac.new(_secret(request), f"seal:{body}".encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unseal(request: Request, sealed: object) -> dict[str, object]:
    """The payload of `seal`; a forged or damaged one is refused like a forged form."""
    if not isinstance(sealed, str) or "." not in sealed:
        raise FORGED
    body, _, mac = sealed.rpartition(".")
    expected = hmac.new(_secret(request), f"seal:{body}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise FORGED
    payload = json.loads(base64.urlsafe_b64decode(body.encode()))
    if not isinstance(payload, dict):
        raise FORGED
    return payload
