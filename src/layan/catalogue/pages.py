"""The catalogue for citizens: search, browse by agency or life event, a service's standard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from layan.catalogue import queries, search
from layan.web.deps import DbDep
from layan.web.templating import render

router = APIRouter(include_in_schema=False)


def _catalogue(db) -> list[queries.PublishedStandard]:  # type: ignore[no-untyped-def]
    with db.unit_of_work(readonly=True, replica=True) as uow:
        return queries.list_standards(uow)


@router.get("/", response_class=HTMLResponse, openapi_extra={"x-permission": "public"})
async def home(request: Request, db: DbDep, q: str = "", peristiwa: str = "") -> HTMLResponse:
    """Search the catalogue, or browse it by agency or by life event."""
    published = await run_in_threadpool(_catalogue, db)
    standards = [p.standard for p in published]
    by_code = {p.standard.code: p for p in published}
    results = None
    if q.strip():
        results = [by_code[s.code] for s in search.search(standards, q[:100])]
    elif peristiwa in search.LIFE_EVENTS:
        results = [by_code[s.code] for s in search.by_life_event(standards, peristiwa)]
    agencies: dict[str, list[queries.PublishedStandard]] = {}
    for p in published:
        agencies.setdefault(p.agency_name, []).append(p)
    events = [
        (k, v) for k, v in search.LIFE_EVENTS.items() if any(k in s.life_events for s in standards)
    ]
    return render(
        request,
        "catalogue/home.html",
        {
            "q": q[:100],
            "event": peristiwa,
            "results": results,
            "agencies": agencies,
            "events": events,
            "event_labels": search.LIFE_EVENTS,
        },
    )


@router.get(
    "/layanan/{code}", response_class=HTMLResponse, openapi_extra={"x-permission": "public"}
)
async def service_page(request: Request, code: str, db: DbDep) -> HTMLResponse:
    """The whole published standard of one service, as the law asks it to be published."""

    def read():  # type: ignore[no-untyped-def]
        with db.unit_of_work(readonly=True, replica=True) as uow:
            published = queries.get_standard(uow, code)
            return published, queries.agency_tz(uow, published.agency)

    published, tz = await run_in_threadpool(read)
    standard = published.standard
    return render(
        request,
        "catalogue/service.html",
        {
            "p": published,
            "s": standard,
            "stages": standard.groups(),
            "components": standard.component_table(),
            "tz": tz,
        },
    )
