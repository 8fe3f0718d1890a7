"""The published report: what its heading names, the overview of every agency, and what
respondents said (suggestions and scores of 1, with the questionnaire they came from).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.surveys import rules
from layan.surveys.models import SurveyResponse
from layan.surveys.queries._shared import _SCORES, Scope, local_today
from layan.surveys.queries.index import IkmReport, scope_report


@dataclass(frozen=True)
class ScopeInfo:
    """What a report's heading names: the unit, service or agency, and its agency."""

    scope: Scope
    name: Any  # a unit's name, a service's bilingual name, or the agency's name
    agency_name: str


def scope_info(uow: UnitOfWork, scope: Scope) -> ScopeInfo:
    agency = catalogue.find_agency(uow, scope.agency)
    agency_name = agency.name if agency else scope.agency
    if scope.kind == "unit":
        return ScopeInfo(scope, catalogue.get_unit(uow, scope.code).name, agency_name)
    if scope.kind == "service":
        return ScopeInfo(scope, catalogue.get_standard(uow, scope.code).standard.name, agency_name)
    return ScopeInfo(scope, agency_name, agency_name)


@dataclass(frozen=True)
class OverviewLine:
    """One unit's or service's index on the overview."""

    kind: str
    code: str
    name: Any
    report: IkmReport


@dataclass(frozen=True)
class AgencyOverview:
    """An agency's index of the year, with each of its units and services."""

    code: str
    name: str
    report: IkmReport
    units: list[OverviewLine]
    services: list[OverviewLine]


def _agency_overview(
    uow: UnitOfWork, agency: Any, standards: list[Any], year: int
) -> AgencyOverview:
    start, end = date(year, 1, 1), date(year, 12, 31)
    today = local_today(uow, agency.tz)
    end = min(end, today) if today >= start else end

    def line(kind: str, code: str, name: Any) -> OverviewLine:
        scope = Scope(kind, code, agency.code, agency.tz)
        return OverviewLine(kind, code, name, scope_report(uow, scope, start, end))

    units = [line("unit", unit.full_code, unit.name) for unit in agency.units]
    services = [
        line("service", p.standard.code, p.standard.name)
        for p in standards
        if p.agency == agency.code
    ]
    whole = scope_report(uow, Scope("agency", agency.code, agency.code, agency.tz), start, end)
    return AgencyOverview(agency.code, agency.name, whole, units, services)


def ikm_overview(uow: UnitOfWork, year: int | None = None) -> tuple[int, list[AgencyOverview]]:
    """Every agency, unit and service with the index of a year (to today in the current one).

    The year defaults to the current one in Western Indonesia; each agency's dates are
    its own zone's.
    """
    year = year or local_today(uow, "Asia/Jakarta").year
    standards = catalogue.list_standards(uow)
    agencies = catalogue.list_agencies(uow)
    return year, [_agency_overview(uow, agency, standards, year) for agency in agencies]


def _in_period(scope: Scope, start: date, end: date) -> tuple[ColumnElement[bool], ...]:
    return (
        scope.condition(),
        SurveyResponse.answered_on >= start,
        SurveyResponse.answered_on <= end,
    )


@dataclass(frozen=True)
class SuggestionSource:
    """A suggestion with the questionnaire it came from, for the officers who act on it."""

    response_id: int
    answered_on: date
    unit: str
    service: str | None
    text: str


def suggestion_sources(
    uow: UnitOfWork, scope: Scope, start: date, end: date, *, limit: int = 100
) -> tuple[list[SuggestionSource], int]:
    """The newest suggestions of a scope and period (at most `limit`), and how many in all."""
    where = (*_in_period(scope, start, end), SurveyResponse.suggestion.is_not(None))
    total = uow.session.execute(select(func.count(SurveyResponse.id)).where(*where)).scalar_one()
    rows = uow.session.execute(
        select(SurveyResponse)
        .where(*where)
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(max(1, min(limit, 5000)))
    ).scalars()
    found = [
        SuggestionSource(r.id, r.answered_on, r.unit_code, r.service_code, r.suggestion or "")
        for r in rows
    ]
    return found, int(total)


@dataclass(frozen=True)
class LowScore:
    """A questionnaire that scored at least one element 1, and which."""

    response_id: int
    answered_on: date
    unit: str
    service: str | None
    elements: list[str]


def low_score_responses(
    uow: UnitOfWork, scope: Scope, start: date, end: date, *, limit: int = 100
) -> tuple[list[LowScore], int]:
    """The newest questionnaires of a scope and period with a score of 1, and how many."""
    where = (*_in_period(scope, start, end), or_(*(column == 1 for column in _SCORES)))
    total = uow.session.execute(select(func.count(SurveyResponse.id)).where(*where)).scalar_one()
    rows = uow.session.execute(
        select(SurveyResponse)
        .where(*where)
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(max(1, min(limit, 5000)))
    ).scalars()
    found = [
        LowScore(
            r.id,
            r.answered_on,
            r.unit_code,
            r.service_code,
            rules.low_elements(r.scores),
        )
        for r in rows
    ]
    return found, int(total)


def find_response(uow: UnitOfWork, response_id: int) -> SurveyResponse | None:
    """A questionnaire by id, or None."""
    return uow.session.get(SurveyResponse, response_id)
