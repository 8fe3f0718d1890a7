"""The officers' view of the report: the sources of suggestions and low scores, and
turning one, or a weak element, into a follow-up action.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import PermissionDeniedError, Text, ValidationFailedError
from layan.surveys import queries, report, rules, service
from layan.surveys.models import ActionSource
from layan.surveys.report_pages._shared import (
    _ACTION_FIELDS,
    _PERIOD_FIELDS,
    _SCOPE_FIELDS,
    DEFAULT_KIND,
    DUE_IN_DAYS,
    ELEMENT_NAMES,
    LOW_SCORES,
    OFFICER,
    Loaded,
    ReportQuery,
    _add,
    _context,
    _load,
    _number,
    _period,
    report_query,
    router,
)
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import pick, render


@dataclass(frozen=True)
class OfficerExtras:
    """What only officers see: sources with their ids, and the actions already taken."""

    can_act: bool
    low_scores: list[queries.LowScore]
    low_total: int
    taken: dict[tuple[str, str], list[queries.ActionView]]


def _extras(db: Database, officer: Principal, loaded: Loaded) -> OfficerExtras:
    scope, figures = loaded.scope, loaded.report.figures
    with db.unit_of_work(readonly=True) as uow:
        low, low_total = (
            queries.low_score_responses(uow, scope, figures.start, figures.end, limit=LOW_SCORES)
            if figures.started
            else ([], 0)
        )
        taken: dict[tuple[str, str], list[queries.ActionView]] = {}
        for source, refs in (
            (ActionSource.SUGGESTION, [str(s.response_id) for s in loaded.suggestion_sources]),
            (ActionSource.LOW_SCORE, [str(s.response_id) for s in low]),
            (ActionSource.ELEMENT, list(rules.ELEMENT_KEYS)),
        ):
            found = queries.actions_by_source(uow, scope.agency, source, refs)
            taken.update({(source, ref): actions for ref, actions in found.items()})
    can_act = service.follow_up_role(officer, scope.agency) is not None
    return OfficerExtras(can_act, low, low_total, taken)


def _default_agency(db: Database, officer: Principal) -> str:
    with db.unit_of_work(readonly=True) as uow:
        agencies = service.follow_up_agencies(uow, officer)
    if not agencies:
        raise PermissionDeniedError(
            Text(
                "Hanya admin instansi atau kepala unit yang dapat membuka halaman ini",
                "Only an agency admin or a unit supervisor can open this page",
            ),
            "survey_action.forbidden",
        )
    return agencies[0]


@router.get("/petugas/ikm", response_class=HTMLResponse, openapi_extra=OFFICER)
async def officer_report(request: Request, db: DbDep, officer: PageOfficerDep) -> HTMLResponse:
    """The report with each suggestion's and low score's source, to act on."""
    query = report_query(request)
    if not query.has_scope:
        query = replace(query, agency=await run_in_threadpool(_default_agency, db, officer))
    loaded = await run_in_threadpool(_load, db, query, lang(request), officer)
    extras = await run_in_threadpool(_extras, db, officer, loaded)
    context = _context(request, loaded, "/petugas/ikm")
    context.update(
        {
            "x": extras,
            "officer_view": True,
            "created": request.query_params.get("pesan") == "dibuat",
            "new_action": lambda source, ref: _add(
                loaded.query.url("/petugas/ikm/tindak-lanjut/baru"), source=source, ref=str(ref)
            ),
            "element_names": ELEMENT_NAMES,
        }
    )
    return render(request, "surveys/report_officer.html", context)


@dataclass(frozen=True)
class ActionForm:
    """The form that makes a follow-up action, with its choices."""

    query: ReportQuery
    scope: queries.Scope
    scope_name: str
    units: list[tuple[str, str]]
    source_text: str  # what is followed up, as the form recalls it


def _source_text(
    uow: UnitOfWork, agency: str, source: str, ref: str, language: str
) -> tuple[str, str, str | None]:
    """What is followed up, a suggested title, and the unit it concerns (if known)."""
    names = ELEMENT_NAMES
    if source == ActionSource.ELEMENT and ref in names:
        name = pick(names[ref], language)
        return name, translate("ikm.new.title_element", language, element=name), None
    numeric = ref.isascii() and ref.isdigit() and len(ref) <= 9
    response = queries.find_response(uow, int(ref)) if numeric else None
    if response is None or response.agency_code != agency:
        return "", "", None
    if source == ActionSource.SUGGESTION and response.suggestion:
        text = " ".join(response.suggestion.split())
        short = text if len(text) <= 80 else text[:79] + "…"
        return text, translate("ikm.new.title_suggestion", language, text=short), response.unit_code
    low = [pick(names[k], language) for k in rules.low_elements(response.scores)]
    if source == ActionSource.LOW_SCORE and low:
        listed = ", ".join(low)
        return listed, translate("ikm.new.title_low", language, elements=listed), response.unit_code
    return "", "", None


def _action_form(
    db: Database, officer: Principal, query: ReportQuery, source: str, ref: str, language: str
) -> tuple[ActionForm, dict[str, str]]:
    with db.unit_of_work(readonly=True) as uow:
        scope = queries.resolve_scope(
            uow, unit=query.unit, service=query.service, agency=query.agency
        )
        service.check_follow_up_actor(officer, scope.agency)
        info = queries.scope_info(uow, scope)
        units = queries.agency_units(uow, scope.agency)
        text, title, unit = _source_text(uow, scope.agency, source, ref, language)
        today = queries.local_today(uow, scope.tz)
    owner = unit or (scope.code if scope.kind == "unit" else units[0][0])
    values = {
        "source": source,
        "source_ref": ref,
        "title": title,
        "description": text if source != ActionSource.ELEMENT else "",
        "owner_unit": owner,
        "due_on": (today + timedelta(days=DUE_IN_DAYS)).isoformat(),
    }
    form = ActionForm(query, scope, pick(info.name, language), units, text)
    return form, values


def _form_page(
    request: Request,
    form: ActionForm,
    values: dict[str, str],
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    errors = errors or []
    return render(
        request,
        "surveys/actions_new.html",
        {
            "f": form,
            "values": values,
            "errors": errors,
            "error_for": {e["field"]: e["inline"] for e in errors},
            "back": form.query.url("/petugas/ikm"),
        },
        status,
    )


_ANCHORS = {"source_ref": "title", "source": "title"}


def _errors(exc: ValidationFailedError, language: str) -> list[dict[str, str]]:
    return [
        {
            "field": e.field,
            "anchor": "action-" + _ANCHORS.get(e.field, e.field),
            "message": f"{translate('ikm.field.' + e.field, language)}: {e.text(language)}",
            "inline": e.text(language),
        }
        for e in exc.errors
    ]


@router.get("/petugas/ikm/tindak-lanjut/baru", response_class=HTMLResponse, openapi_extra=OFFICER)
async def new_action(
    request: Request, db: DbDep, officer: PageOfficerDep, source: str = "", ref: str = ""
) -> HTMLResponse:
    """The form that turns a suggestion, a low score or a weak element into an action."""
    query = report_query(request)
    if not query.has_scope:
        query = replace(query, agency=await run_in_threadpool(_default_agency, db, officer))
    form, values = await run_in_threadpool(
        _action_form, db, officer, query, source[:20], ref[:40], lang(request)
    )
    return _form_page(request, form, values)


@router.post("/petugas/ikm/tindak-lanjut", openapi_extra=OFFICER)
async def create_action(request: Request, db: DbDep, officer: PageOfficerDep) -> Response:
    """Make the follow-up action, then return to the report where it was made."""
    async with request.form(max_fields=30, max_part_size=16 * 1024) as form:
        check_csrf(request, form.get("csrf_token"))
        fields = (*_SCOPE_FIELDS, *_PERIOD_FIELDS, "legacy", *_ACTION_FIELDS)
        posted = {k: str(form.get(k) or "") for k in fields}
    query = ReportQuery(
        **{k: posted[k].strip()[:82] or None for k in _SCOPE_FIELDS},
        year=_number(posted["tahun"], "tahun", 2000, 2100),
        kind=posted["periode"] if posted["periode"] in report.PERIOD_KINDS else DEFAULT_KIND,
        number=_number(posted["ke"], "ke", 1, 12),
        legacy=posted["legacy"] == "1",
    )
    values = {k: posted[k] for k in _ACTION_FIELDS}
    language = lang(request)
    period = await run_in_threadpool(_report_period, db, query)
    try:
        await run_in_threadpool(
            lambda: service.create_action(
                db,
                officer,
                values,
                period=(period.start, period.end),
                unit=query.unit,
                service=query.service,
                agency=query.agency,
            )
        )
    except ValidationFailedError as exc:
        form_, _ = await run_in_threadpool(
            _action_form, db, officer, query, values["source"], values["source_ref"], language
        )
        return _form_page(request, form_, values, _errors(exc, language), 422)
    target = _add(query.url("/petugas/ikm"), pesan="dibuat")
    return RedirectResponse(target + "#tindak-lanjut", status_code=303)


def _report_period(db: Database, query: ReportQuery) -> report.Period:
    """The period of the report an action is made from (its year by default)."""
    with db.unit_of_work(readonly=True) as uow:
        scope = queries.resolve_scope(
            uow, unit=query.unit, service=query.service, agency=query.agency
        )
        year = query.year or queries.local_today(uow, scope.tz).year
    return _period(query, year)
