"""The what-if page: a plain form of procedure changes (it works without JavaScript), its
results beside the procedure as it ran, and the backtest of the last full quarter.

The form posts to itself: steps to remove (checkboxes), one group of steps to merge, one
group to run side by side, officers to add per unit and role, the number of
replications and the queue discipline. The answer is the same page with the results.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from layan.analytics import analysis
from layan.analytics.staff_views import (
    OFFICER,
    PERIOD_NAMES,
    base_context,
    field_errors,
    histogram_chart,
)
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import render

router = APIRouter(include_in_schema=False)
PATH = "/petugas/analitik/{service}/simulasi"


def _changes(form: FormData) -> list[dict[str, Any]]:
    """The form's choices as the changes the API takes, in a fixed order."""
    changes: list[dict[str, Any]] = [
        {"kind": "remove", "step": str(step)} for step in form.getlist("remove")
    ]
    merge = [str(s) for s in form.getlist("merge")]
    if merge:
        changes.append({"kind": "merge", "steps": merge})
    parallel = [str(s) for s in form.getlist("parallel")]
    if parallel:
        changes.append({"kind": "parallel", "steps": parallel})
    for key, value in form.multi_items():
        count = str(value).strip()
        if key.startswith("officers:") and count not in ("", "0"):
            _, unit, role = (key.split(":", 2) + ["", ""])[:3]
            changes.append({"kind": "add_officers", "unit": unit, "role": role, "count": count})
    return changes


def _posted(form: FormData) -> dict[str, Any]:
    """What the officer chose, to show the form again as it was sent."""
    return {
        "remove": form.getlist("remove"),
        "merge": form.getlist("merge"),
        "parallel": form.getlist("parallel"),
        "officers": {k: str(v) for k, v in form.multi_items() if k.startswith("officers:")},
        "replications": str(form.get("replications") or "")[:6],
        "queue": str(form.get("queue") or "")[:10],
    }


def _backtest(db: Database, officer: Principal, service: str) -> analysis.BacktestReport:
    return analysis.backtest_service(
        db, officer, service, default_replications=analysis.PAGE_REPLICATIONS
    )


def _charts(
    report: analysis.SimulationReport | None, backtest: analysis.BacktestReport, language: str
) -> dict[str, Any]:
    """The histograms as lines: current beside changed, simulated beside actual."""
    word = lambda key: translate(key, language)  # noqa: E731
    charts = {}
    if report is not None:
        current, changed = report.result.current, report.result.changed
        charts["what_if"] = histogram_chart(
            [
                (word("an.sim.current"), "first", current.histogram),
                (word("an.sim.changed"), "second", changed.histogram),
            ],
            language,
        )
    if backtest.result is not None:
        predicted, actual = backtest.result.predicted, backtest.result.actual
        charts["backtest"] = histogram_chart(
            [
                (word("an.bt.predicted"), "first", predicted.histogram),
                (word("an.bt.actual"), "second", actual.histogram),
            ],
            language,
        )
    return charts


def _page(
    request: Request,
    setup: analysis.SimulationSetup,
    backtest: analysis.BacktestReport,
    *,
    report: analysis.SimulationReport | None = None,
    posted: dict[str, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = base_context(request, setup.published)
    mine = [s for s in setup.published.standard.procedure if setup.access.sees(s.unit)]
    unobserved = report.fitted.unobserved if report is not None else ()
    context.update(
        {
            "my_steps": mine,
            "my_pools": list(dict.fromkeys((s.unit, s.role) for s in mine)),
            "unobserved_names": ", ".join(context["step_name"](code) for code in unobserved),
            "s": setup,
            "r": report,
            "bt": backtest,
            "posted": posted or {},
            "errors": errors or [],
            "sim_charts": _charts(report, backtest, lang(request)),
        }
    )
    return render(request, "analytics/simulation.html", context, status)


def _asked(values: Any) -> analysis.Asked:
    first, last = (str(values.get(name, ""))[:10] or None for name in PERIOD_NAMES)
    return analysis.Asked(first, last, PERIOD_NAMES)


@router.get(PATH, response_class=HTMLResponse, openapi_extra=OFFICER)
async def simulation_form(
    request: Request, service: str, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """The form of changes, the procedure as it is, and the backtest."""
    asked = _asked(request.query_params)
    setup = await run_in_threadpool(analysis.simulation_setup, db, officer, service[:63], asked)
    backtest = await run_in_threadpool(_backtest, db, officer, service[:63])
    return _page(request, setup, backtest)


@router.post(PATH, response_class=HTMLResponse, openapi_extra=OFFICER)
async def simulate(
    request: Request, service: str, db: DbDep, officer: PageOfficerDep
) -> HTMLResponse:
    """Run the changes: the results beside the procedure as it ran, and the backtest."""
    async with request.form(max_fields=200, max_part_size=16 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        changes, posted, asked = _changes(form), _posted(form), _asked(form)
    code = service[:63]
    setup = await run_in_threadpool(analysis.simulation_setup, db, officer, code, asked)
    backtest = await run_in_threadpool(_backtest, db, officer, code)
    try:
        report = await run_in_threadpool(
            lambda: analysis.simulate_service(
                db,
                officer,
                code,
                changes=changes,
                replications=posted["replications"],
                queue=posted["queue"],
                asked=asked,
                default_replications=analysis.PAGE_REPLICATIONS,
            )
        )
    except ValidationFailedError as exc:
        errors = field_errors(exc, lang(request))
        return _page(request, setup, backtest, posted=posted, errors=errors, status=422)
    return _page(request, setup, backtest, report=report, posted=posted)
