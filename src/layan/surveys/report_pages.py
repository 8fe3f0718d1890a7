"""The published satisfaction report (laporan SKM/IKM) and its follow-up actions.

Public: `/ikm` lists every agency, unit and service with the year's index; `/ikm?agency=
|unit=|service=&tahun=&periode=&ke=` is one scope's report as a page that prints on A4,
and `/ikm.csv` and `/ikm.pdf` are the same report as downloads. Officers: `/petugas/ikm`
shows the same report with the suggestions' sources, where an agency admin or a
supervisor turns a suggestion, a questionnaire scored 1 or a weak element into a
follow-up action (tindak lanjut), and `/petugas/ikm/tindak-lanjut` lists the actions to
close. Who may act is decided in `surveys.service`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, PermissionDeniedError, Text, ValidationFailedError
from layan.surveys import pdf, queries, report, rules, service
from layan.surveys.models import ActionSource, ActionStatus
from layan.web.deps import DbDep, PageOfficerDep
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.session import check_csrf
from layan.web.templating import pick, render

router = APIRouter(include_in_schema=False)
PUBLIC = {"x-permission": "public"}
OFFICER = {"x-permission": "officer"}
# Suggestions listed on the public page, and with their sources on the officers' page.
PAGE_SUGGESTIONS = 100
OFFICER_SUGGESTIONS = 200
LOW_SCORES = 100
DEFAULT_KIND = "quarter"
DUE_IN_DAYS = 30
_SCOPE_FIELDS = ("agency", "unit", "service")
_PERIOD_FIELDS = ("tahun", "periode", "ke")
_ACTION_FIELDS = ("source", "source_ref", "title", "description", "owner_unit", "due_on")
ELEMENT_NAMES = {element.key: element.name for element in rules.ELEMENTS}


# --- what the report is asked for --------------------------------------------------


@dataclass(frozen=True)
class ReportQuery:
    """A report's scope, year, kind of period (and which one), and weighing."""

    agency: str | None = None
    unit: str | None = None
    service: str | None = None
    year: int | None = None
    kind: str = DEFAULT_KIND
    number: int | None = None
    legacy: bool = False

    @property
    def has_scope(self) -> bool:
        return bool(self.agency or self.unit or self.service)

    def pairs(self, **changes: Any) -> list[tuple[str, str]]:
        """The query string's pairs, with some changed (None drops one)."""
        q = replace(self, **changes)
        pairs = [(name, getattr(q, name)) for name in _SCOPE_FIELDS]
        pairs += [("tahun", q.year), ("periode", q.kind), ("ke", q.number)]
        pairs += [("legacy", "1" if q.legacy else None)]
        return [(k, str(v)) for k, v in pairs if v not in (None, "")]

    def url(self, path: str = "/ikm", **changes: Any) -> str:
        pairs = self.pairs(**changes)
        return f"{path}?{urlencode(pairs)}" if pairs else path


def _invalid(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Parameter laporan tidak sah", "Invalid report parameters"),
        "invalid",
        [FieldError(field, code, text)],
    )


def _number(value: str, field: str, low: int, high: int) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise _invalid(
            field,
            f"{field}.invalid",
            Text(f"{field} harus antara {low} dan {high}", f"{field} must be {low} to {high}"),
        )
    return int(text)


def report_query(request: Request) -> ReportQuery:
    """The report's parameters from the query string; 422 naming a wrong one."""
    params = request.query_params
    scope = {name: params.get(name, "").strip()[:82] or None for name in _SCOPE_FIELDS}
    kind = params.get("periode", "").strip() or DEFAULT_KIND
    if kind not in report.PERIOD_KINDS:
        listed = ", ".join(report.PERIOD_KINDS)
        raise _invalid(
            "periode",
            "periode.invalid",
            Text(f"periode harus salah satu dari {listed}", f"periode must be one of {listed}"),
        )
    return ReportQuery(
        **scope,
        year=_number(params.get("tahun", ""), "tahun", 2000, 2100),
        kind=kind,
        number=None if kind == "year" else _number(params.get("ke", ""), "ke", 1, 12),
        legacy=params.get("legacy", "") in ("1", "true", "ya"),
    )


# --- the report, read and shaped ---------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A report with what its pages need besides: the scope, today, the selectable periods."""

    report: report.Report
    query: ReportQuery
    scope: queries.Scope
    today: date
    periods: tuple[report.Period, ...]
    suggestion_sources: list[queries.SuggestionSource]
    actions: list[queries.ActionView]


def _figures(
    uow: UnitOfWork, scope: queries.Scope, period: report.Period, today: date, legacy: bool
) -> report.Figures:
    if not report.started(period, today):
        return report.Figures(period, period.start, period.end, None)
    start, end = report.window(period, today)
    found = queries.scope_report(uow, scope, start, end, legacy=legacy)
    return report.Figures(
        period,
        start,
        end,
        found.result,
        found.served,
        found.sample_size_required,
        found.sample_size_met,
    )


def _period(query: ReportQuery, year: int) -> report.Period:
    try:
        return report.select_period(year, query.kind, query.number)
    except ValueError:
        count = len(report.periods_of_year(year, query.kind))
        raise _invalid(
            "ke",
            "ke.invalid",
            Text(f"ke harus antara 1 dan {count}", f"ke must be 1 to {count}"),
        ) from None


def _load(
    db: Database, query: ReportQuery, language: str, officer: Principal | None = None
) -> Loaded:
    with db.unit_of_work(readonly=True) as uow:
        scope = queries.resolve_scope(
            uow, unit=query.unit, service=query.service, agency=query.agency
        )
        if officer is not None:
            service.check_follow_up_reader(uow, officer, scope.agency)
        today = queries.local_today(uow, scope.tz)
        year = query.year or today.year
        main = _period(query, year)
        figures = _figures(uow, scope, main, today, query.legacy)
        trend = tuple(
            _figures(uow, scope, period, today, query.legacy)
            for period in report.trend_periods(year, query.kind)
        )
        limit = OFFICER_SUGGESTIONS if officer else PAGE_SUGGESTIONS
        sources, total = (
            queries.suggestion_sources(uow, scope, figures.start, figures.end, limit=limit)
            if figures.started
            else ([], 0)
        )
        actions = queries.scope_actions(uow, scope, figures.start, figures.end)
        info = queries.scope_info(uow, scope)
    zone = ZoneInfo(scope.tz)
    shaped = report.Report(
        scope_kind=scope.kind,
        scope_code=scope.code,
        scope_name=pick(info.name, language),
        agency_code=scope.agency,
        agency_name=info.agency_name,
        period_kind=query.kind,
        figures=figures,
        trend=trend,
        suggestions=tuple(s.text for s in sources),
        suggestions_total=total,
        actions=tuple(
            report.ActionLine(
                a.title,
                a.status,
                a.due_on,
                a.closed_at.astimezone(zone).date() if a.closed_at else None,
            )
            for a in actions
        ),
        legacy=query.legacy,
    )
    periods = () if query.kind == "year" else report.periods_of_year(year, query.kind)
    return Loaded(shaped, replace(query, year=year), scope, today, periods, sources, list(actions))


def _chart(loaded: Loaded, language: str) -> report.Chart:
    shaped = loaded.report
    points = [
        (p.period.short(language), p.ikm, report.shown(p.ikm, 2, language)) for p in shaped.trend
    ]
    keys = [p.period.key for p in shaped.trend]
    main = shaped.figures.period.key
    return report.bar_chart(points, current=keys.index(main) if main in keys else None)


def _trend_link(loaded: Loaded, period: report.Period, path: str) -> str:
    if period.kind == "year":
        return loaded.query.url(path, year=period.year, number=None)
    return loaded.query.url(path, year=period.year, number=period.number)


def _context(request: Request, loaded: Loaded, path: str) -> dict[str, Any]:
    language = lang(request)
    return {
        "r": loaded.report,
        "q": loaded.query,
        "loaded": loaded,
        "chart": _chart(loaded, language),
        "num": lambda value, places=2: report.shown(value, places, language),
        "trend_link": lambda period: _trend_link(loaded, period, path),
        "url": lambda **changes: loaded.query.url(path, **changes),
        "download": lambda ext: loaded.query.url(f"/ikm.{ext}"),
        "lang_url": lambda other: _add(loaded.query.url(path), lang=other),
        "today": loaded.today,
        "long": lambda day: report.long_date(day, language),
        "officer_view": False,
    }


def _add(url: str, **params: str) -> str:
    """A URL with more query parameters."""
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _words(language: str) -> report.Words:
    return lambda key, **params: translate(key, language, **params)


# --- public pages and downloads ----------------------------------------------------


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


# --- the officers' view: sources, and turning them into follow-up actions ----------


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
    low = [pick(names[k], language) for k in rules.ELEMENT_KEYS if getattr(response, k) == 1]
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


# --- the list of actions, and closing one ------------------------------------------


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
        today = queries.local_today(uow, queries.resolve_scope(uow, agency=chosen).tz)
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
