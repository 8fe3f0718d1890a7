"""Agency staff's analysis of their services: where time goes, and what a simpler
procedure would gain.

- `/petugas/analitik`: the services the officer may analyse, and their agency's imported
  logs;
- `/petugas/analitik/{service}?dari=&sampai=`: the bottlenecks of a period's cases
  (tables, charts, the paths cases took, the directly-follows graph);
- `/petugas/analitik/{service}/simulasi`: a plain form of procedure changes, its results
  beside the procedure as it ran, and the backtest (`staff_simulation`);
- `/petugas/analitik/impor/{log_id}`: an imported log's bottlenecks;
- the JSON API under `/api/v1/analysis` (`staff_api`).

Pages call `analytics.analysis` only: the permission checks live there.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from layan.analytics import analysis, staff_api, staff_simulation
from layan.analytics.bottlenecks import Bottlenecks
from layan.analytics.staff_views import (
    OFFICER,
    PERIOD_NAMES,
    Namer,
    base_context,
    chart_words,
    step_charts,
)
from layan.web.deps import DbDep, DbId, PageOfficerDep
from layan.web.errors import lang
from layan.web.templating import render

router = APIRouter()
pages = APIRouter(include_in_schema=False)


@pages.get("/petugas/analitik", response_class=HTMLResponse, openapi_extra=OFFICER)
async def home(request: Request, db: DbDep, officer: PageOfficerDep) -> HTMLResponse:
    """The services this officer may analyse, and the logs their agency imported."""
    found = await run_in_threadpool(analysis.analysis_home, db, officer)
    return render(request, "analytics/staff_home.html", {"home": found})


@pages.get("/petugas/analitik/impor/{log_id}", response_class=HTMLResponse, openapi_extra=OFFICER)
async def imported(
    request: Request, log_id: DbId, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """The bottlenecks of an imported log, read like a service's."""
    found = await run_in_threadpool(analysis.imported_bottlenecks, db, officer, log_id)
    context = base_context(request, None)
    context.update(_figures_context(request, found.figures, context["step_name"]))
    context.update({"found": found, "full": True})
    return render(request, "analytics/staff_imported.html", context)


@pages.get("/petugas/analitik/{service}", response_class=HTMLResponse, openapi_extra=OFFICER)
async def bottlenecks(
    request: Request, service: str, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """Where a service's time went for the cases of a period."""
    params = request.query_params
    asked = analysis.Asked(
        params.get("dari", "")[:10] or None, params.get("sampai", "")[:10] or None, PERIOD_NAMES
    )
    found = await run_in_threadpool(analysis.service_bottlenecks, db, officer, service[:63], asked)
    context = base_context(request, found.published)
    context.update(_figures_context(request, found.figures, context["step_name"]))
    context.update({"a": found, "full": found.access.full})
    return render(request, "analytics/staff_service.html", context)


def _figures_context(request: Request, figures: Bottlenecks, namer: Namer) -> dict[str, Any]:
    """The figures with their charts, and the charts described in words."""
    language = lang(request)
    return {
        "figures": figures,
        "charts": step_charts(figures.steps, language),
        "chart_words": lambda which: chart_words(figures.steps, which, namer, language),
    }


router.include_router(pages)
router.include_router(staff_simulation.router)
router.include_router(staff_api.router)
