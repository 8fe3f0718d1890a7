"""Server-rendered pages: the Jinja environment, formatting, and one `render` for all pages.

Every page works without JavaScript; htmx only swaps parts of a page when it is there.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from layan.core.codes import format_code
from layan.web import messages
from layan.web.errors import lang
from layan.web.session import csrf_token, ensure_csrf_cookie

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LOCALES = {"id": "id_ID", "en": "en_GB"}
DEFAULT_TZ = ZoneInfo("Asia/Jakarta")
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Reference codes are printed in groups of four, as they are read over the phone.
env.filters["code"] = format_code


def _local(value: datetime, tz: str | None) -> datetime:
    return value.astimezone(ZoneInfo(tz) if tz else DEFAULT_TZ)


def when(value: datetime | None, language: str, tz: str | None = None) -> str:
    """A moment as people read it: "2 Juni 2026 16.00 WIB"."""
    if value is None:
        return "-"
    local = _local(value, tz)
    zone = ZONE_ABBREVIATIONS.get(str(local.tzinfo), local.strftime("%Z"))
    text = format_datetime(
        local, "d MMMM y HH.mm" if language == "id" else "d MMMM y HH:mm", locale=LOCALES[language]
    )
    return f"{text} {zone}"


def day(value: datetime | None, language: str, tz: str | None = None) -> str:
    if value is None:
        return "-"
    return format_date(_local(value, tz), "d MMMM y", locale=LOCALES[language])


def long_date(value: date | str | None, language: str) -> str:
    """A calendar date (or its ISO text) as people read it: "4 Juni 2027"."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return "-"
    return format_date(value, "d MMMM y", locale=LOCALES[language])


def money(amount: int, language: str) -> str:
    """Rupiah without decimals: "Rp30.000"; zero reads as free."""
    if not amount:
        return messages.translate("fee.free", language)
    return "Rp" + format_decimal(amount, locale=LOCALES["id"])


def number(value: float | int | None, language: str, places: int = 1) -> str:
    """A figure as people read it: 1.234,5 in Indonesian, 1,234.5 in English, – for none."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * places if places and not isinstance(value, int) else "")
    return format_decimal(value, format=pattern, locale=LOCALES[language])


def pick(value: Any, language: str) -> str:
    """The right language of a bilingual text (Bilingual, Text or dict), or str(value)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get(language) or value.get("id") or "")
    if hasattr(value, "en") and hasattr(value, "id"):
        return str(value.en if language == "en" else value.id)
    return str(value)


def _switch_url(request: Request, target: str) -> str:
    """This page in the other language: its own query kept, `lang` added."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*params, ("lang", target)])


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a page (or, for an htmx request naming a block, just that fragment)."""
    language = lang(request)
    token, fresh = ensure_csrf_cookie(request)
    officer = getattr(request.state, "officer", None)
    page = {
        "request": request,
        "lang": language,
        "other_lang": "en" if language == "id" else "id",
        "_": lambda key, **params: messages.translate(key, language, **params),
        "t": lambda value: pick(value, language),
        "when": lambda value, tz=None: when(value, language, tz),
        "day": lambda value, tz=None: day(value, language, tz),
        "long_date": lambda value: long_date(value, language),
        "money": lambda amount: money(amount, language),
        "number": lambda value, places=1: number(value, language, places),
        "csrf_token": csrf_token(request, token),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "switch_url": _switch_url(request, "en" if language == "id" else "id"),
        "officer": officer,
        "officer_is_supervisor": bool(officer and officer.has_role("supervisor")),
        "officer_is_admin": bool(officer and officer.is_admin),
        **(context or {}),
    }
    html = env.get_template(template).render(page)
    response = HTMLResponse(html, status_code=status)
    if fresh:
        response.set_cookie(
            "layan_csrf", token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )
    response.headers["Content-Language"] = language
    return response
