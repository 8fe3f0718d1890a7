"""The staff's analysis as JSON, for agencies' own tools and notebooks.

- `GET /api/v1/analysis/services/{code}/bottlenecks?from=YYYY-MM-DD&to=YYYY-MM-DD`
- `POST /api/v1/analysis/services/{code}/simulation` with
  `{"changes": [...], "replications": 10, "seed": 1, "queue": "fifo", "from": ..., "to": ...}`;
  a change is one of `{"kind": "remove", "step": "a"}`, `{"kind": "merge", "steps": ["a",
  "b"]}`, `{"kind": "parallel", "steps": ["a", "b"]}`, `{"kind": "add_officers", "unit":
  "AGENCY.UNIT", "role": "processor", "count": 1}`
- `GET /api/v1/analysis/services/{code}/backtest?replications=&seed=&queue=`

Times are in working hours (steps) and working days (lead times); shares in percent.
A bad input is answered 422 naming its field; the checks live in `analytics.analysis`.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from layan.analytics import analysis
from layan.analytics.analysis_inputs import Period, change_as_dict
from layan.analytics.bottlenecks import Bottlenecks
from layan.analytics.simulation import ProcedureModel
from layan.analytics.simulation_fit import Fitted
from layan.analytics.staff_views import OFFICER
from layan.web.deps import DbDep, OfficerDep

router = APIRouter(prefix="/api/v1/analysis", tags=["analysis"])
Code = Annotated[str, Path(max_length=63)]
Day = Annotated[str | None, Query(max_length=10)]


class SimulationIn(BaseModel):
    """A what-if: the changes to try, in order, and how to run them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    changes: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    replications: int | None = None
    seed: int | None = None
    queue: str | None = Field(default=None, max_length=10)
    first: str | None = Field(default=None, alias="from", max_length=10)
    last: str | None = Field(default=None, alias="to", max_length=10)


def _period(period: Period) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "tz": period.tz}


def _figures(figures: Bottlenecks) -> dict[str, Any]:
    body = asdict(replace(figures, dfg=None))
    body["dfg"] = figures.dfg.to_json() if figures.dfg is not None else None
    return body


def _procedure(model: ProcedureModel) -> dict[str, Any]:
    return {
        "stages": [
            [
                {
                    "station": s.code,
                    "unit": s.unit,
                    "role": s.role,
                    "steps": [p.code for p in s.parts],
                }
                for s in stage
            ]
            for stage in model.stages
        ],
        "officers": [
            {"unit": unit, "role": role, "officers": count}
            for (unit, role), count in sorted(model.officers.items())
        ],
    }


def _fit_notes(fitted: Fitted) -> dict[str, Any]:
    return {
        "unobserved_steps": list(fitted.unobserved),
        "units_without_officers": [{"unit": u, "role": r} for u, r in fitted.understaffed],
    }


@router.get("/services/{code}/bottlenecks", openapi_extra=OFFICER)
def bottlenecks(
    code: Code,
    db: DbDep,
    officer: OfficerDep,
    first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> dict[str, Any]:
    """Where the service's time went for the cases submitted from `from` to `to` (local
    dates; by default the last 90 days). Partner agencies see their own steps only."""
    found = analysis.service_bottlenecks(db, officer, code, analysis.Asked(first, last))
    return {
        "service": found.published.standard.code,
        "period": _period(found.period),
        "access": {"full": found.access.full, "units": sorted(found.access.units)},
        "figures": _figures(found.figures),
    }


@router.post("/services/{code}/simulation", openapi_extra=OFFICER)
async def simulation(
    code: Code, body: SimulationIn, db: DbDep, officer: OfficerDep
) -> dict[str, Any]:
    """The procedure as it ran in the period beside the changed one, simulated on the
    period's arrivals: lead-time percentiles (working days), on-time share and histogram,
    each the mean of the replications with the lowest and highest seen."""
    report = await run_in_threadpool(
        lambda: analysis.simulate_service(
            db,
            officer,
            code,
            changes=body.changes,
            replications=body.replications,
            seed=body.seed,
            queue=body.queue,
            asked=analysis.Asked(body.first, body.last),
        )
    )
    return {
        "service": report.published.standard.code,
        "period": _period(report.period),
        "replications": report.replications,
        "seed": report.seed,
        "queue": report.queue,
        "cases": report.measured_cases,
        "changes": [change_as_dict(c) for c in report.changes],
        "current": asdict(report.result.current),
        "changed": asdict(report.result.changed),
        "current_procedure": _procedure(report.fitted.model),
        "changed_procedure": _procedure(report.result.model),
        "notes": _fit_notes(report.fitted),
    }


@router.get("/services/{code}/backtest", openapi_extra=OFFICER)
async def backtest(
    code: Code,
    db: DbDep,
    officer: OfficerDep,
    replications: Annotated[str | None, Query(max_length=6)] = None,
    seed: Annotated[str | None, Query(max_length=12)] = None,
    queue: Annotated[str | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    """The last full quarter simulated on its own arrivals beside what its cases actually
    took: predicted and actual p50, p90 and on-time share, and the errors."""
    found = await run_in_threadpool(
        lambda: analysis.backtest_service(
            db, officer, code, replications=replications, seed=seed, queue=queue
        )
    )
    result = found.result
    return {
        "service": found.published.standard.code,
        "quarter": _period(found.quarter),
        "replications": found.replications,
        "seed": found.seed,
        "queue": found.queue,
        "predicted": asdict(result.predicted) if result else None,
        "actual": asdict(result.actual) if result else None,
        "errors": (
            {"p50": result.p50_error, "p90": result.p90_error, "on_time": result.on_time_error}
            if result
            else None
        ),
        "notes": _fit_notes(found.fitted),
        "too_large": found.too_large,
    }
