"""The public performance dashboard (kinerja): the platform, each agency, each service.

`/kinerja` shows every agency (listed by name, never ranked), `/kinerja/{agency}` its
services, `/kinerja/{agency}/{service}` one service's steps; each with trends drawn as
SVG on the server, the four GOV.UK indicators, and its open data (`/kinerja/data.csv`,
`/kinerja/data.json`). The period is whole months: `?dari=YYYY-MM&sampai=YYYY-MM`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from layan.analytics import dashboard, open_data, rules
from layan.analytics.dashboard import Dashboard
from layan.core import charts
from layan.core.db import Database
from layan.web.deps import DbDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.templating import LOCALES, number, render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
_PERIOD = ("dari", "sampai")


def _read(request: Request, db: Database, agency: str | None, service: str | None) -> Dashboard:
    params = request.query_params
    return dashboard.read_dashboard(
        db,
        agency=agency,
        service=service,
        first=params.get("dari", "")[:10],
        last=params.get("sampai", "")[:10],
        fields=_PERIOD,
    )


def _month_label(month: str, language: str) -> str:
    """A month as an axis names it: "Jun 26"."""
    year, month_number = (int(p) for p in month.split("-"))
    return format_date(date(year, month_number, 1), "MMM yy", locale=LOCALES[language])


def _charts(found: Dashboard, language: str) -> dict[str, charts.Chart]:
    months = found.figures.months
    labels = [_month_label(m.month, language) for m in months]
    word = lambda key: translate(key, language)  # noqa: E731
    return {
        "volume": charts.line_chart(
            labels,
            [
                (word("kinerja.received"), "first", [m.received for m in months]),
                (word("kinerja.completed"), "second", [m.completed for m in months]),
            ],
        ),
        "on_time": charts.line_chart(
            labels, [(word("kinerja.on_time"), "first", [m.on_time_pct for m in months])], top=100
        ),
        "lead": charts.line_chart(
            labels,
            [
                ("p50", "first", [m.lead_time_wd["p50"] for m in months]),
                ("p90", "second", [m.lead_time_wd["p90"] for m in months]),
            ],
        ),
    }


def _page(request: Request, found: Dashboard) -> HTMLResponse:
    language = lang(request)
    figures = found.figures
    scope = {"agency": figures.scope.agency, "service": figures.scope.service}
    data = {**{k: v for k, v in scope.items() if v}, "from": figures.first, "to": figures.last}
    return render(
        request,
        "analytics/dashboard.html",
        {
            "d": found,
            "f": figures,
            "charts": _charts(found, language),
            "month_label": lambda month: _month_label(month, language),
            "small": rules.small_sample,
            "min_sample": rules.MIN_SAMPLE,
            "data_query": urlencode(data),
            "hours": lambda value: number(value, language, 1),
        },
    )


@router.get("/kinerja", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def platform_page(request: Request, db: DbDep) -> HTMLResponse:
    """Every agency's performance over the period, listed by name."""
    found = await run_in_threadpool(_read, request, db, None, None)
    return _page(request, found)


def _open_data(db: Database, request: Request) -> list[dict[str, Any]]:
    params = request.query_params
    return dashboard.read_open_data(
        db,
        agency=params.get("agency"),
        service=params.get("service"),
        first=params.get("from", "")[:10],
        last=params.get("to", "")[:10],
    )


@router.get("/kinerja/data.csv", openapi_extra=PUBLIC, response_class=Response)
async def open_data_csv(request: Request, db: DbDep) -> Response:
    """The figures per agency, service and month as CSV (`agency`, `service`, `from`, `to`)."""
    table = await run_in_threadpool(_open_data, db, request)
    return Response(
        open_data.as_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kinerja-layan.csv"'},
    )


@router.get("/kinerja/data.json", openapi_extra=PUBLIC)
async def open_data_json(request: Request, db: DbDep) -> JSONResponse:
    """The same rows as JSON, with the columns' order as in the CSV."""
    table = await run_in_threadpool(_open_data, db, request)
    return JSONResponse({"columns": list(open_data.COLUMNS), "rows": table})


@router.get("/kinerja/{agency}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def agency_page(agency: str, request: Request, db: DbDep) -> HTMLResponse:
    """One agency: its figures, trends, services, the steps its cases wait at."""
    found = await run_in_threadpool(_read, request, db, agency[:40], None)
    return _page(request, found)


@router.get("/kinerja/{agency}/{service}", response_class=HTMLResponse, openapi_extra=PUBLIC)
async def service_page(agency: str, service: str, request: Request, db: DbDep) -> HTMLResponse:
    """One service: its figures, trends and steps."""
    found = await run_in_threadpool(_read, request, db, agency[:40], service[:63])
    return _page(request, found)
