"""Security headers on every response, as a plain ASGI middleware.

Scripts run only when they carry this response's nonce: a fresh random value per
response, put on each `<script>` the templates write (`csp_nonce`). An injected script
tag has no nonce and does not run, even one pointing at a file on this site (an uploaded
document, say). Pages carry no inline style, so styles come only from this site's files.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)
# Uploaded documents are shown to officers in a frame of Layan's own task page.
FRAMEABLE = ("/petugas/dokumen/", "/petugas/pengaduan/lampiran/")


class SecurityHeaders:
    """Add CSP, no-sniff, frame denial, referrer policy and (behind TLS) HSTS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        frameable = scope["path"].startswith(FRAMEABLE)
        https = scope.get("scheme") == "https"
        nonce = secrets.token_urlsafe(16)
        # request.state reads this dictionary: the templates put the nonce on scripts.
        scope.setdefault("state", {})["csp_nonce"] = nonce
        policy = POLICY.format(nonce=nonce, ancestors="'self'" if frameable else "'none'")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frameable else "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault(
                    "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
                )
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)
