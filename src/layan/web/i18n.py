"""Which language to answer in: Indonesian first, English when the caller prefers it."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale

SUPPORTED = ("id", "en")


def language_of(accept_language: str | None, cookie: str | None = None) -> str:
    """'en' or 'id' from a remembered choice or the Accept-Language header; 'id' by default."""
    if cookie in SUPPORTED:
        return cookie
    if not accept_language:
        return "id"
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            weighted.append((quality, tag.replace("-", "_")))
    preferred = [tag for q, tag in sorted(weighted, key=lambda x: -x[0]) if q > 0]
    chosen = negotiate_locale(preferred, ["id", "en"], sep="_") or _by_language(preferred)
    return chosen if chosen in SUPPORTED else "id"


def _by_language(tags: list[str]) -> str | None:
    for tag in tags:
        try:
            language = Locale.parse(tag).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in SUPPORTED:
            return language
    return None
