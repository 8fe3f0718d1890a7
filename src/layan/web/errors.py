"""The one place a DomainError becomes a status code and a message in the caller's language."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from layan.core.errors import (
    AuthenticationError,
    DomainError,
    FieldError,
    GoneError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    TooManyRequestsError,
    UnavailableError,
    ValidationFailedError,
)
from layan.web.i18n import language_of

logger = logging.getLogger("layan.web")

STATUS = {
    NotFoundError: 404,
    PermissionDeniedError: 403,
    AuthenticationError: 401,
    InvalidStateError: 409,
    GoneError: 410,
    ValidationFailedError: 422,
    TooManyRequestsError: 429,
    UnavailableError: 503,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status a DomainError is answered with; 400 for any other kind."""
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


# Pydantic's error types, said plainly in both languages.
_PYDANTIC = {
    "missing": Text("wajib diisi", "is required"),
    "string_type": Text("harus berupa teks", "must be text"),
    "int_parsing": Text("harus berupa bilangan bulat", "must be a whole number"),
    "int_type": Text("harus berupa bilangan bulat", "must be a whole number"),
    "dict_type": Text("harus berupa objek JSON", "must be a JSON object"),
    "json_invalid": Text("bukan JSON yang sah", "is not valid JSON"),
    "extra_forbidden": Text("tidak dikenal", "is not a known field"),
    "literal_error": Text("nilainya tidak diizinkan", "has a value that is not allowed"),
    "string_too_long": Text("terlalu panjang", "is too long"),
    "string_too_short": Text("terlalu pendek", "is too short"),
    "model_attributes_type": Text("harus berupa objek", "must be an object"),
}
_GENERIC = Text("tidak sah", "is invalid")


def lang(request: Request) -> str:
    return language_of(request.headers.get("accept-language"), request.cookies.get("lang"))


def error_body(text: Text, code: str, language: str, fields: list[FieldError] = ()) -> dict:  # type: ignore[assignment]
    return {
        "error": {
            "code": code,
            "message": text(language),
            "fields": [
                {"field": f.field, "code": f.code, "message": f.text(language)} for f in fields
            ],
        }
    }


def field_errors_from_pydantic(errors: list[dict], prefix: str = "") -> list[FieldError]:  # type: ignore[type-arg]
    """Pydantic's errors as FieldErrors naming the field, e.g. `applicant.nik`."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        name = ".".join(([prefix] if prefix else []) + loc) or prefix or "body"
        text = _PYDANTIC.get(err.get("type", ""), _GENERIC)
        out.append(
            FieldError(
                name, err.get("type", "invalid"), Text(f"{name} {text.id}", f"{name} {text.en}")
            )
        )
    return out


def wants_json(request: Request) -> bool:
    """API callers get JSON errors; people on pages get an error page."""
    path = request.url.path
    return path.startswith(("/api/", "/open311/")) or path in ("/openapi.json", "/healthz")


_HEADINGS = {
    401: "error.forbidden",
    403: "error.forbidden",
    404: "error.not_found",
    409: "error.conflict",
    410: "error.gone",
    422: "error.invalid",
    500: "error.title",
    503: "error.unavailable",
}


def error_page(request: Request, status: int, message: str, fields: list[FieldError] = ()):  # type: ignore[assignment, no-untyped-def]
    """A friendly error page in the visitor's language; officers signing in are redirected."""
    from fastapi.responses import RedirectResponse

    from layan.web.messages import translate
    from layan.web.templating import render

    if status == 401 and request.url.path.startswith("/dompet"):
        return RedirectResponse("/dompet", status_code=303)  # the citizen's wallet
    if status == 401:
        return RedirectResponse(f"/petugas/masuk?next={request.url.path}", status_code=303)
    language = lang(request)
    details = [f"{f.text(language)}" for f in fields]
    heading = translate(_HEADINGS.get(status, "error.title"), language)
    return render(
        request, "error.html", {"heading": heading, "message": message, "details": details}, status
    )


def install(app: FastAPI) -> None:
    """Register the handlers that keep every answer clear and every failure a non-500."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):  # type: ignore[no-untyped-def]
        status = status_of(exc)
        fields = exc.errors if isinstance(exc, ValidationFailedError) else []
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if isinstance(exc, TooManyRequestsError) and exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        if not wants_json(request):
            page = error_page(request, status, exc.text(lang(request)), fields)
            if status != 401:
                page.headers.update(headers)
            return page
        return JSONResponse(
            error_body(exc.text, exc.code, lang(request), fields), status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        text = Text(
            "Isian tidak sah: periksa kolom yang disebut", "Invalid input: check the named fields"
        )
        fields = field_errors_from_pydantic(list(exc.errors()))
        return JSONResponse(error_body(text, "invalid", lang(request), fields), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        texts = {
            404: Text("Tidak ditemukan", "Not found"),
            405: Text("Metode tidak diizinkan", "Method not allowed"),
            413: Text("Kiriman terlalu besar", "Request too large"),
        }
        text = texts.get(exc.status_code, Text(str(exc.detail), str(exc.detail)))
        if not wants_json(request):
            return error_page(request, exc.status_code, text(lang(request)))
        return JSONResponse(
            error_body(text, f"http.{exc.status_code}", lang(request)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        if not wants_json(request):
            from layan.web.messages import translate

            return error_page(request, 500, translate("error.server", lang(request)))
        text = Text(
            "Terjadi kesalahan di server; permohonan Anda tidak tersimpan sebagian. "
            "Silakan coba lagi.",
            "Something went wrong on the server; nothing was half-stored. Please try again.",
        )
        return JSONResponse(error_body(text, "server", lang(request)), 500)
