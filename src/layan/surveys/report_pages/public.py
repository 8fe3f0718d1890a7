"""The public pages and downloads: the overview, one scope's report, its CSV and PDF."""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from layan.core.db import Database
from layan.core.errors import Text
from layan.surveys import pdf, queries, report
from layan.surveys.report_pages._shared import (
    PUBLIC,
    ReportQuery,
    _context,
    _invalid,
    _load,
    _words,
    report_query,
    router,
)
from layan.web.deps import DbDep
from layan.web.errors import lang
from layan.web.templating import render


def _overview(db: Database, year: int | None) -> tuple[int, list[queries.AgencyOverview]]:
    with db.unit_of_work(readonly=True) as uow:
        return queries.ikm_overview(uow, year)


@router.get("/ikm", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def ikm_page(request: Request, db: DbDep) -> HTMLResponse:
    """The overview of every agency, unit and service; with a scope, that scope's report."""
    query = report_query(request)
    if not query.has_scope:
        year, agencies = await run_in_threadpool(_overview, db, query.year)
        language = lang(request)
        return render(
            request,
            "surveys/report_index.html",
            {
                "year": year,
                "agencies": agencies,
                "kind_param": query.kind,
                "num": lambda value: report.shown(value, 2, language),
                "sample_status": lambda found: report.sample_status(
                    found.result.responses, found.served, found.sample_size_met
                ),
            },
        )
    loaded = await run_in_threadpool(_load, db, query, lang(request))
    return render(request, "surveys/report.html", _context(request, loaded, "/ikm"))


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _scoped(request: Request) -> ReportQuery:
    query = report_query(request)
    if not query.has_scope:
        raise _invalid(
            "agency",
            "scope.one_required",
            Text(
                "Isi tepat satu dari agency, unit, atau service",
                "Give exactly one of agency, unit or service",
            ),
        )
    return query


@router.get("/ikm.csv", openapi_extra=PUBLIC)
async def ikm_csv(request: Request, db: DbDep) -> Response:
    """The report as CSV (UTF-8 with BOM): one row per element, then the summary rows."""
    language = lang(request)
    loaded = await run_in_threadpool(_load, db, _scoped(request), language)
    rows = report.csv_rows(loaded.report, language, _words(language))
    return _download(
        report.csv_bytes(rows), "text/csv; charset=utf-8", report.file_name(loaded.report, "csv")
    )


@router.get("/ikm.pdf", openapi_extra=PUBLIC)
async def ikm_pdf(request: Request, db: DbDep) -> Response:
    """The report as a one-to-two page A4 PDF."""
    language = lang(request)
    loaded = await run_in_threadpool(_load, db, _scoped(request), language)
    content = await run_in_threadpool(pdf.render_pdf, loaded.report, language, _words(language))
    return _download(content, "application/pdf", report.file_name(loaded.report, "pdf"))
