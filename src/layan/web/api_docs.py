"""The browsable API reference at /docs, served from this site's own files.

Swagger UI is vendored from the npm package `swagger-ui-dist` into static/swagger, so the
page works without the internet. Its one inline script (which starts the viewer) carries
the response's nonce, the only way a script runs under the Content-Security-Policy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse, openapi_extra={"x-permission": "public"})
async def api_reference(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Layan API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css",
        swagger_favicon_url="/static/swagger/favicon-32x32.png",
    )
    nonce = getattr(request.state, "csp_nonce", "")
    html = bytes(page.body).decode().replace("<script", f'<script nonce="{nonce}"')
    return HTMLResponse(html)
