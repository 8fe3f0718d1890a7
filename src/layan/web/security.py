"""Security headers on every response, as a plain ASGI middleware.

The pages carry no inline script or style, so the Content-Security-Policy allows only
this site's own files: an injected script has nowhere to run from.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                ancestors = "'self'" if frameable else "'none'"
                headers.setdefault("Content-Security-Policy", POLICY.format(ancestors=ancestors))
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
