"""The issuing agency's pages: its issued documents, their PDFs, and revoking one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.accounts import queries as accounts
from layan.core import access_log
from layan.core.access import Principal
from layan.core.access_log import Read, reader_for
from layan.core.errors import ValidationFailedError
from layan.documents import keys, queries, revocation
from layan.documents.issue import Issuer, pdf_bytes
from layan.web.deps import DbDep, IssuerDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.files import pdf_response
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}


def _list(db: Any, officer: Principal, search: str) -> list[queries.AgencyOutput]:
    with db.unit_of_work(readonly=True) as uow:
        return queries.list_agency_outputs(uow, officer, search=search)


def _page(
    request: Request,
    officer: Principal,
    rows: list[queries.AgencyOutput],
    search: str,
    *,
    errors: list[dict[str, str]] | None = None,
    failed: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "documents/agency_outputs.html",
        {
            "rows": rows,
            "search": search,
            "may_revoke": lambda agency: revocation.may_revoke(officer, agency),
            "errors": errors or [],
            "failed": failed,
            "failed_message": errors[0]["message"] if errors else "",
            "revoked": request.query_params.get("pesan") == "dicabut",
        },
        status,
    )


@router.get("/petugas/keluaran", response_class=HTMLResponse, openapi_extra=OFFICER)
async def outputs_page(
    request: Request, db: DbDep, officer: PageOfficerDep, cari: str = ""
) -> HTMLResponse:
    """The documents the officer's agencies issued, newest first, to open or revoke."""
    rows = await run_in_threadpool(_list, db, officer, cari[:80])
    return _page(request, officer, rows, cari[:80])


def _pdf(db: Any, issuer: Issuer, officer: Principal, output_id: str) -> tuple[str, bytes]:
    """The PDF; the read goes to the access log of the application it was issued on."""
    with db.unit_of_work(readonly=True) as uow:
        row = queries.output_for_officer(uow, officer, output_id)
        found, number, tracking, agency = row.id, row.number, row.tracking_number, row.agency_code
    content = pdf_bytes(db, issuer, found)
    reader = reader_for(officer, agencies={agency})
    access_log.log_read(
        db, "application", Read(tracking, f"output:{found}", "issued documents", reader)
    )
    return number, content


@router.get("/petugas/keluaran/{output_id}/pdf", openapi_extra=OFFICER)
async def output_pdf(
    output_id: str, db: DbDep, issuer: IssuerDep, officer: PageOfficerDep
) -> Response:
    """An issued document's PDF, for the officers of its issuing agency (the read is logged)."""
    number, content = await run_in_threadpool(_pdf, db, issuer, officer, output_id[:40])
    return pdf_response(content, number, inline=True)


@router.post("/petugas/keluaran/{output_id}/cabut", openapi_extra=OFFICER)
async def revoke(request: Request, output_id: str, db: DbDep, officer: PageOfficerDep) -> Response:
    """Revoke a document, with the reason every verification will show."""
    async with request.form(max_fields=5, max_part_size=16 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        reason = str(form.get("reason") or "")[:2000]
        search = str(form.get("cari") or "")[:80]
    try:
        await run_in_threadpool(revocation.revoke_output, db, officer, output_id[:40], reason)
    except ValidationFailedError as exc:
        errors = [
            {"field": e.field, "anchor": f"reason-{output_id}", "message": e.text(lang(request))}
            for e in exc.errors
        ]
        rows = await run_in_threadpool(_list, db, officer, search)
        return _page(request, officer, rows, search, errors=errors, failed=output_id, status=422)
    query = urlencode({"cari": search, "pesan": "dicabut"} if search else {"pesan": "dicabut"})
    return RedirectResponse(f"/petugas/keluaran?{query}#output-{output_id}", status_code=303)


# --- the agency's signing keys (agency admins) --------------------------------------------


def _keys(db: Any, officer: Principal, requested: str | None) -> tuple[str, list[Any]]:
    with db.unit_of_work(readonly=True) as uow:
        agency = accounts.agency_for_admin(uow, officer, requested)
        return agency, [k for k in keys.list_keys(uow) if k.agency == agency]


@router.get("/petugas/admin/kunci", response_class=HTMLResponse, openapi_extra=OFFICER)
async def keys_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = ""
) -> HTMLResponse:
    """The agency's signing keys: the active one and those it replaced, to rotate."""
    agency, rows = await run_in_threadpool(_keys, db, officer, instansi[:40] or None)
    return render(
        request,
        "documents/keys.html",
        {"agency": agency, "keys": rows, "rotated": request.query_params.get("pesan") == "diganti"},
    )


def _rotate(db: Any, issuer: Issuer, officer: Principal, requested: str | None) -> str:
    with db.unit_of_work(readonly=True) as uow:
        agency = accounts.agency_for_admin(uow, officer, requested)
        actor = accounts.admin_actor(officer, agency)
    keys.rotate_key(db, issuer.keys, agency, actor)
    return agency


@router.post("/petugas/admin/kunci/ganti", openapi_extra=OFFICER)
async def rotate(
    request: Request, db: DbDep, issuer: IssuerDep, officer: PageOfficerDep
) -> Response:
    """Retire the active key and sign from now on with a new one; old documents still verify."""
    async with request.form(max_fields=4) as form:
        check_csrf(request, form.get("csrf_token"))
        requested = str(form.get("instansi") or "")[:40] or None
    agency = await run_in_threadpool(_rotate, db, issuer, officer, requested)
    query = urlencode({"instansi": agency, "pesan": "diganti"})
    return RedirectResponse(f"/petugas/admin/kunci?{query}", status_code=303)
