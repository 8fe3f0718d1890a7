"""The public pages of issued documents: verifying one by its printed address, its id or
the text its QR code holds. Anyone may verify; nobody needs an account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from layan.core.codes import format_code, normalise_code
from layan.core.db import Database
from layan.core.errors import NotFoundError, ValidationFailedError
from layan.core.identity import InvalidNikError, parse_nik
from layan.documents import queries, rules
from layan.web.deps import DbDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}


def _verified(db: Database, output_id: str | None, jws: str | None) -> queries.Verification:
    with db.unit_of_work(readonly=True) as uow:
        if jws is not None:
            return queries.verify_jws(uow, jws)
        return queries.verify_output(uow, output_id or "")


def _result_page(
    request: Request,
    result: queries.Verification,
    *,
    nik: str = "",
    nik_match: bool | None = None,
    nik_error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "documents/verify.html",
        {
            "r": result,
            "spoken": format_code(result.id) if normalise_code(result.id) else result.id,
            "nik": nik,
            "nik_match": nik_match,
            "errors": [{"anchor": "nik", "message": nik_error}] if nik_error else [],
            "nik_error": nik_error,
        },
        status,
    )


@router.get("/v/{output_id}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def verify_page(request: Request, output_id: str, db: DbDep) -> HTMLResponse:
    """The address printed under a document's QR code: whether the document holds."""
    result = await run_in_threadpool(_verified, db, output_id[:40], None)
    return _result_page(request, result)


@router.post("/v/{output_id}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def compare_nik(request: Request, output_id: str, db: DbDep) -> HTMLResponse:
    """Whether the NIK printed on the paper is the one the document was issued to (only its
    digest is compared; the NIK is not kept)."""
    async with request.form(max_fields=4) as form:
        check_csrf(request, form.get("csrf_token"))
        typed = str(form.get("nik") or "")[:40]
    result = await run_in_threadpool(_verified, db, output_id[:40], None)
    try:
        nik = parse_nik(typed).value
    except InvalidNikError as exc:
        return _result_page(
            request, result, nik=typed, nik_error=exc.text(lang(request)), status=422
        )
    match = rules.nik_digest(nik) == result.subject["nik_sha256"]
    return _result_page(request, result, nik=nik, nik_match=match)


def _form(request: Request, value: str = "", error: str = "", status: int = 200) -> HTMLResponse:
    errors = [{"anchor": "code", "message": error}] if error else []
    return render(
        request,
        "documents/verify_form.html",
        {"value": value, "errors": errors, "error": error},
        status,
    )


@router.get("/verifikasi", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def verify_form(request: Request) -> HTMLResponse:
    """Check a document by the id printed on it, or by the text its QR code holds."""
    return _form(request)


@router.post("/verifikasi", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def verify_typed(request: Request, db: DbDep) -> HTMLResponse:
    """The verification of what was typed or pasted: an id, a verification address or a JWS."""
    async with request.form(max_fields=4, max_part_size=16 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        typed = str(form.get("code") or "").strip()[: rules.MAX_JWS + 100]
    language = lang(request)
    if not typed:
        return _form(request, typed, translate("verify.code_required", language), 422)
    candidate = typed.rstrip("/").rsplit("/", 1)[-1]  # an address ends in the id
    try:
        if typed.count(".") == 2 and len(typed) > 40 and "/" not in typed:
            result = await run_in_threadpool(_verified, db, None, typed)
        elif normalise_code(candidate):
            result = await run_in_threadpool(_verified, db, candidate, None)
        else:
            return _form(request, typed, translate("verify.code_unreadable", language), 422)
    except ValidationFailedError:
        return _form(request, typed, translate("verify.code_unreadable", language), 422)
    except NotFoundError:
        return _form(request, typed, translate("verify.not_found", language), 404)
    return _result_page(request, result)
