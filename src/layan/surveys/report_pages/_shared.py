"""What the report's pages share: the router, the query string, and the report read and
shaped for a page, a download or the officers' view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from layan.core import charts
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.surveys import queries, report, rules, service
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.templating import pick

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
        trend = tuple(
            _figures(uow, scope, period, today, query.legacy)
            for period in report.trend_periods(year, query.kind)
        )
        # The main period is one of the trend's (always, today): read it once.
        figures = next((f for f in trend if f.period == main), None) or _figures(
            uow, scope, main, today, query.legacy
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


def _chart(loaded: Loaded, language: str) -> charts.Chart:
    """The trend as bars on a fixed 0-100 scale, the report's own period marked out: a
    cropped axis would make small differences look large."""
    shaped = loaded.report
    points = [
        (
            p.period.short(language),
            None if p.ikm is None else float(p.ikm),
            report.shown(p.ikm, 2, language),
        )
        for p in shaped.trend
    ]
    keys = [p.period.key for p in shaped.trend]
    main = shaped.figures.period.key
    return charts.bar_chart(points, top=100, current=keys.index(main) if main in keys else None)


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
