"""The dashboard's JSON API and its open data: public, counts and rates only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from layan.analytics import dashboard
from layan.web.deps import DbDep

router = APIRouter(prefix="/api/v1", tags=["dashboard"])
PUBLIC = {"x-permission": "public"}


@router.get("/dashboard", openapi_extra=PUBLIC)
async def read_dashboard(
    db: DbDep,
    agency: str | None = Query(None, max_length=40, description="An agency's code"),
    service: str | None = Query(None, max_length=63, description="A service's code"),
    first: str | None = Query(None, alias="from", max_length=10, description="YYYY-MM"),
    last: str | None = Query(None, alias="to", max_length=10, description="YYYY-MM"),
) -> dict[str, Any]:
    """How fast and how well the platform, an agency or a service served, month by month.

    `received`, `completed` (decided), `on_time_pct` (decided within the service time),
    `lead_time_wd` (`p50`, `p90`: working days from submission to decision, without the
    time waiting on the applicant), `backlog` (undecided at the period's end), `ikm` (the
    satisfaction index) with `ikm_n` questionnaires, and `months`. The period is whole
    months, `from`..`to` (a date means its month); by default the last twelve.
    """
    found = await run_in_threadpool(
        dashboard.read_figures, db, agency=agency, service=service, first=first, last=last
    )
    return found.to_json()
