"""The agency admin's page of month figures for the dashboard's indicators:
`/petugas/admin/kinerja` lists what was entered and takes a month's figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.analytics import entries
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
OFFICER = {"x-permission": "officer"}
_FIELDS = ("instansi", "month", "service", "counter_transactions", "cost_rupiah")


def _listed(db: Database, officer: Principal, agency: str | None) -> Any:
    with db.unit_of_work(readonly=True) as uow:
        return entries.list_month_figures(uow, officer, agency)


async def _page(
    request: Request,
    db: Database,
    officer: Principal,
    agency: str | None,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    agency, entered, services = await run_in_threadpool(_listed, db, officer, agency)
    return render(
        request,
        "analytics/admin_figures.html",
        {
            "agency": agency,
            "entered": entered,
            "services": services,
            "values": values or {},
            "errors": errors or [],
            "saved": request.query_params.get("pesan") == "tersimpan",
        },
        status,
    )


@router.get("/petugas/admin/kinerja", response_class=HTMLResponse, openapi_extra=OFFICER)
async def figures_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = ""
) -> HTMLResponse:
    """What the agency entered of its counter transactions and costs, month by month."""
    return await _page(request, db, officer, instansi[:40] or None)


@router.post("/petugas/admin/kinerja", openapi_extra=OFFICER)
async def record_figures(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Keep a month's counter transactions and cost; the form again, with reasons, if wrong."""
    async with request.form(max_fields=10) as form:
        check_csrf(request, form.get("csrf_token"))
        values = {k: str(form.get(k) or "").strip()[:40] for k in _FIELDS}
    agency = values["instansi"] or None
    entry = entries.MonthEntry(
        values["month"], values["service"], values["counter_transactions"], values["cost_rupiah"]
    )
    try:
        saved = await run_in_threadpool(entries.record_month_figures, db, officer, agency, entry)
    except ValidationFailedError as exc:
        language = lang(request)
        errors = [
            {"field": e.field, "anchor": f"fig-{e.field}", "message": e.text(language)}
            for e in exc.errors
        ]
        return await _page(request, db, officer, agency, values=values, errors=errors, status=422)
    query = urlencode({"instansi": saved.agency, "pesan": "tersimpan"})
    return RedirectResponse(f"/petugas/admin/kinerja?{query}", status_code=303)
