"""The language switch: `?lang=en` on any page is remembered in a cookie.

A plain ASGI middleware, so requests without the parameter (every API call) pass
through at no cost.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from layan.web.i18n import SUPPORTED


class LanguageSwitch:
    """Answer `GET ...?lang=xx` with a redirect to the same page that sets the cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if scope["type"] != "http" or scope["method"] != "GET" or b"lang=" not in query:
            await self.app(scope, receive, send)
            return
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        chosen = next((v for k, v in pairs if k == "lang"), None)
        if chosen not in SUPPORTED:
            await self.app(scope, receive, send)
            return
        rest = urlencode([(k, v) for k, v in pairs if k != "lang"])
        response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
        response.set_cookie("lang", str(chosen), max_age=365 * 24 * 3600, samesite="lax")
        await response(scope, receive, send)
