"""The list of an agency's follow-up actions, and closing one with a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.surveys import queries, report, service
from layan.surveys.models import ActionStatus
from layan.surveys.report_pages._shared import ELEMENT_NAMES, OFFICER, router
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import render


@dataclass(frozen=True)
class ActionList:
    agency: str
    agencies: list[str]
    status: str
    actions: list[queries.ActionView]
    today: date
    can_act: bool


def _action_list(db: Database, officer: Principal, agency: str, status: str) -> ActionList:
    with db.unit_of_work(readonly=True) as uow:
        agencies = service.follow_up_agencies(uow, officer)
        chosen = agency or (agencies[0] if agencies else "")
        service.check_follow_up_reader(uow, officer, chosen)
        found = queries.agency_actions(uow, [chosen], status=None if status == "all" else status)
        today = queries.local_today(uow, catalogue.agency_tz(uow, chosen))
    can_act = service.follow_up_role(officer, chosen) is not None
    return ActionList(chosen, agencies, status, found, today, can_act)


def _list_page(
    request: Request,
    listing: ActionList,
    *,
    errors: list[dict[str, str]] | None = None,
    failed: int | None = None,
    note: str = "",
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "surveys/actions.html",
        {
            "a": listing,
            "errors": errors,
            "failed": failed,
            "note": note,
            "closed": request.query_params.get("pesan") == "selesai",
            "long": lambda day: report.long_date(day, lang(request)),
            "element_names": ELEMENT_NAMES,
        },
        status,
    )


def _status(value: str) -> str:
    return value if value in (ActionStatus.OPEN, ActionStatus.DONE, "all") else ActionStatus.OPEN


@router.get("/petugas/ikm/tindak-lanjut", response_class=HTMLResponse, openapi_extra=OFFICER)
async def actions_page(
    request: Request, db: DbDep, officer: PageOfficerDep, instansi: str = "", status: str = ""
) -> HTMLResponse:
    """An agency's follow-up actions: open ones first, by due date, each closable."""
    listing = await run_in_threadpool(
        _action_list, db, officer, instansi.strip()[:40], _status(status)
    )
    return _list_page(request, listing)


@router.post("/petugas/ikm/tindak-lanjut/{action_id}/selesai", openapi_extra=OFFICER)
async def close_action(
    request: Request, action_id: int, db: DbDep, officer: PageOfficerDep
) -> Response:
    """Mark an action done with a note on what was done."""
    async with request.form(max_fields=10, max_part_size=16 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        note = str(form.get("note") or "")
    language = lang(request)
    try:
        await run_in_threadpool(service.close_action, db, officer, action_id, note)
    except ValidationFailedError as exc:
        agency = await run_in_threadpool(_agency_of, db, action_id)
        listing = await run_in_threadpool(_action_list, db, officer, agency, ActionStatus.OPEN)
        errors = [
            {
                "field": e.field,
                "anchor": f"note-{action_id}",
                "message": f"{translate('ikm.field.note', language)}: {e.text(language)}",
            }
            for e in exc.errors
        ]
        return _list_page(request, listing, errors=errors, failed=action_id, note=note, status=422)
    agency = await run_in_threadpool(_agency_of, db, action_id)
    return RedirectResponse(
        f"/petugas/ikm/tindak-lanjut?{urlencode({'instansi': agency, 'pesan': 'selesai'})}",
        status_code=303,
    )


def _agency_of(db: Database, action_id: int) -> str:
    with db.unit_of_work(readonly=True) as uow:
        return queries.action_view(uow, action_id).agency
