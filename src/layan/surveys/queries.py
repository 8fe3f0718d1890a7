"""Reads of the satisfaction survey: the index for a unit, service or agency, and suggestions.

The index is computed by `rules.compute_ikm` from the stored questionnaires of a period
(local dates, inclusive), beside the number of people served in it: applications that
reached a final status then (`applications.queries.finished_count`). Walk-in and paper
questionnaires count as responses but never as people served, since Layan does not see
those visits; an agency that serves people outside Layan gives its own count (`served`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, or_, select

from layan.applications import queries as applications
from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.surveys import rules
from layan.surveys.models import ActionStatus, CaseType, SurveyAction, SurveyResponse

SCOPES = ("unit", "service", "agency")
_SCORES = tuple(getattr(SurveyResponse, key) for key in rules.ELEMENT_KEYS)


@dataclass(frozen=True)
class Questionnaire:
    """What a survey form asks: the nine elements and the optional respondent profile."""

    elements: tuple[rules.Element, ...]
    profile: Mapping[str, tuple[str, ...]]


QUESTIONNAIRE = Questionnaire(rules.ELEMENTS, rules.PROFILE_CHOICES)


# --- scopes and periods ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What an index is for: one unit (AGENCY.UNIT), one service, or one whole agency."""

    kind: str
    code: str
    agency: str
    tz: str

    def condition(self) -> ColumnElement[bool]:
        column = {
            "unit": SurveyResponse.unit_code,
            "service": SurveyResponse.service_code,
            "agency": SurveyResponse.agency_code,
        }[self.kind]
        return column == self.code


def _scope_invalid(fields: list[str], text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Cakupan indeks tidak sah", "Invalid scope for the index"),
        "invalid",
        [FieldError(name, "scope.one_required", text) for name in fields],
    )


def resolve_scope(
    uow: UnitOfWork,
    *,
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
) -> Scope:
    """The one scope given; 422 naming the fields unless exactly one, 404 if it is unknown."""
    given = {k: v for k, v in {"unit": unit, "service": service, "agency": agency}.items() if v}
    if len(given) != 1:
        text = Text(
            "Isi tepat satu dari unit, service, atau agency",
            "Give exactly one of unit, service or agency",
        )
        raise _scope_invalid(sorted(given) or list(SCOPES), text)
    kind, code = next(iter(given.items()))
    if kind == "unit":
        found = catalogue.get_unit(uow, code)
        return Scope("unit", found.full_code, found.agency.code, found.agency.tz)
    if kind == "service":
        published = catalogue.get_standard(uow, code)
        owner = catalogue.find_agency(uow, published.agency)
        return Scope("service", code, published.agency, owner.tz if owner else "Asia/Jakarta")
    found_agency = catalogue.find_agency(uow, code)
    if found_agency is None:
        raise NotFoundError(
            Text(f"Instansi {code} tidak dikenal", f"Unknown agency {code}"), "agency.not_found"
        )
    return Scope("agency", found_agency.code, found_agency.code, found_agency.tz)


def local_today(uow: UnitOfWork, tz: str) -> date:
    """Today in a time zone, by the unit of work's clock."""
    return uow.now().astimezone(ZoneInfo(tz)).date()


def _period(
    uow: UnitOfWork, scope: Scope, start: date | None, end: date | None
) -> tuple[date, date]:
    """The period asked for; by default the current year up to today, in the agency's zone."""
    today = local_today(uow, scope.tz)
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        text = Text(
            "Tanggal awal harus sebelum atau sama dengan tanggal akhir",
            "The start date must be on or before the end date",
        )
        raise ValidationFailedError(
            Text("Periode tidak sah", "Invalid period"),
            "invalid",
            [FieldError("from", "period.order", text), FieldError("to", "period.order", text)],
        )
    return start, end


def _utc_bounds(scope: Scope, start: date, end: date) -> tuple[datetime, datetime]:
    """The local days [start, end] as UTC moments [from, until)."""
    zone = ZoneInfo(scope.tz)
    since = datetime.combine(start, time(0), zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return since, until


# --- the index ---------------------------------------------------------------------


@dataclass(frozen=True)
class IkmReport:
    """The index of one scope and period, with the counts a report shows beside it."""

    scope: Scope
    start: date
    end: date
    result: rules.IkmResult
    served: int
    sample_size_required: int
    sample_size_met: bool

    @property
    def nrr(self) -> dict[str, Any]:
        """Each element's NRR rounded half up to 2 decimals (None when nobody answered it)."""
        return rules.rounded_nrr(self.result)


def _score_rows(uow: UnitOfWork, scope: Scope, start: date, end: date) -> Iterator[dict[str, Any]]:
    stmt = select(*_SCORES).where(
        scope.condition(), SurveyResponse.answered_on >= start, SurveyResponse.answered_on <= end
    )
    result = uow.session.execute(stmt.execution_options(yield_per=2000))
    try:
        for row in result:
            yield dict(zip(rules.ELEMENT_KEYS, row, strict=True))
    finally:
        result.close()


def people_served(uow: UnitOfWork, scope: Scope, start: date, end: date) -> int:
    """Applications of the scope that reached a final status in the period.

    Walk-in and paper respondents are not counted as served: Layan does not see those
    visits, so they can add to the responses but not to the population.
    """
    since, until = _utc_bounds(scope, start, end)
    return applications.finished_count(uow, **{scope.kind: scope.code}, start=since, end=until)


def ikm_report(
    uow: UnitOfWork,
    *,
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    legacy: bool = False,
    served: int | None = None,
) -> IkmReport:
    """The IKM of exactly one unit, service or agency over a period of local dates.

    `served` overrides the people served (e.g. counted at the counter outside Layan);
    by default it is `people_served`. The sample size is Krejcie-Morgan's for it.
    """
    scope = resolve_scope(uow, unit=unit, service=service, agency=agency)
    start, end = _period(uow, scope, start, end)
    result = rules.compute_ikm(_score_rows(uow, scope, start, end), legacy=legacy)
    population = people_served(uow, scope, start, end) if served is None else served
    return IkmReport(
        scope,
        start,
        end,
        result,
        population,
        rules.sample_size(population),
        rules.sample_size_met(result.responses, population),
    )


@dataclass(frozen=True)
class Suggestion:
    """A respondent's free-text suggestion, without anything that names them."""

    answered_on: date
    unit: str
    service: str | None
    channel: str
    text: str


def suggestions(
    uow: UnitOfWork,
    *,
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 500,
) -> list[Suggestion]:
    """The suggestions of a scope and period, newest first."""
    scope = resolve_scope(uow, unit=unit, service=service, agency=agency)
    start, end = _period(uow, scope, start, end)
    rows = uow.session.execute(
        select(SurveyResponse)
        .where(
            scope.condition(),
            SurveyResponse.answered_on >= start,
            SurveyResponse.answered_on <= end,
            SurveyResponse.suggestion.is_not(None),
        )
        .order_by(SurveyResponse.answered_on.desc(), SurveyResponse.id.desc())
        .limit(max(1, min(limit, 5000)))
    ).scalars()
    return [
        Suggestion(r.answered_on, r.unit_code, r.service_code, r.channel, r.suggestion or "")
        for r in rows
    ]


# --- the questionnaires ------------------------------------------------------------


def has_response(uow: UnitOfWork, case_type: str, case_id: str) -> bool:
    """Whether a case was already answered (one questionnaire per case)."""
    found = uow.session.execute(
        select(SurveyResponse.id).where(
            SurveyResponse.case_type == case_type, SurveyResponse.case_id == case_id
        )
    ).first()
    return found is not None


def recent_from_source(uow: UnitOfWork, unit: str, source_hash: str, since: datetime) -> int:
    """Walk-in questionnaires of a unit from one source since a moment (rate limiting)."""
    return int(
        uow.session.execute(
            select(func.count(SurveyResponse.id)).where(
                SurveyResponse.case_type == CaseType.WALK_IN,
                SurveyResponse.unit_code == unit,
                SurveyResponse.source_hash == source_hash,
                SurveyResponse.recorded_at >= since,
            )
        ).scalar_one()
    )


def batch_imported(uow: UnitOfWork, digest: str) -> bool:
    """Whether a paper import with this SHA-256 was stored already."""
    found = uow.session.execute(
        select(SurveyResponse.id).where(SurveyResponse.batch == digest).limit(1)
    ).first()
    return found is not None


@dataclass(frozen=True)
class ApplicationSurvey:
    """An application as its survey page shows it: no personal data."""

    tracking_number: str
    service_code: str
    service_name: Any
    status: str
    open: bool  # ended and not answered yet
    final: bool
    answered: bool
    questionnaire: Questionnaire = QUESTIONNAIRE


def application_survey(uow: UnitOfWork, tracking_number: str) -> ApplicationSurvey:
    """Whether an application's questionnaire can be answered now; NotFound if unknown."""
    outcome = applications.case_outcome(uow, tracking_number, None, "")
    answered = has_response(uow, CaseType.APPLICATION, outcome.tracking_number)
    name = catalogue.get_standard(uow, outcome.service_code).standard.name
    return ApplicationSurvey(
        outcome.tracking_number,
        outcome.service_code,
        name,
        outcome.status,
        outcome.final and not answered,
        outcome.final,
        answered,
    )


def survey_invitation(uow: UnitOfWork, tracking_number: str) -> ApplicationSurvey | None:
    """The questionnaire to offer on the tracking page, when the case ended unanswered."""
    survey = application_survey(uow, tracking_number)
    return survey if survey.open else None


@dataclass(frozen=True)
class UnitSurvey:
    """A unit's walk-in questionnaire: where it is, and the services it can be about."""

    unit: str
    unit_name: str
    agency: str
    agency_name: str
    tz: str
    services: list[tuple[str, Any]]  # (code, bilingual name)
    questionnaire: Questionnaire = QUESTIONNAIRE


def unit_services(uow: UnitOfWork, unit_code: str) -> list[tuple[str, Any]]:
    """The agency's services with a step in the unit; all of the agency's if none has one."""
    agency = unit_code.partition(".")[0]
    own = [p for p in catalogue.list_standards(uow) if p.agency == agency]
    here = [p for p in own if any(step.unit == unit_code for step in p.standard.procedure)]
    return [(p.standard.code, p.standard.name) for p in (here or own)]


def unit_survey(uow: UnitOfWork, unit_code: str) -> UnitSurvey:
    """The walk-in questionnaire of a unit; NotFound for an unknown unit."""
    unit = catalogue.get_unit(uow, unit_code)
    return UnitSurvey(
        unit.full_code,
        unit.name,
        unit.agency.code,
        unit.agency.name,
        unit.agency.tz,
        unit_services(uow, unit.full_code),
    )


# --- the published report: trend, overview, what respondents said, follow-up ---------


def scope_report(
    uow: UnitOfWork,
    scope: Scope,
    start: date,
    end: date,
    *,
    legacy: bool = False,
    served: int | None = None,
) -> IkmReport:
    """The index of a scope already resolved, over the local dates [start, end]."""
    result = rules.compute_ikm(_score_rows(uow, scope, start, end), legacy=legacy)
    population = people_served(uow, scope, start, end) if served is None else served
    return IkmReport(
        scope,
        start,
        end,
        result,
        population,
        rules.sample_size(population),
        rules.sample_size_met(result.responses, population),
    )


def ikm_trend(
    uow: UnitOfWork, scope: Scope, windows: Sequence[tuple[date, date]], *, legacy: bool = False
) -> list[IkmReport]:
    """The index of each period (local dates, inclusive), each read on its own."""
    return [scope_report(uow, scope, start, end, legacy=legacy) for start, end in windows]


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
            [key for key in rules.ELEMENT_KEYS if getattr(r, key) == 1],
        )
        for r in rows
    ]
    return found, int(total)


def find_response(uow: UnitOfWork, response_id: int) -> SurveyResponse | None:
    """A questionnaire by id, or None."""
    return uow.session.get(SurveyResponse, response_id)


@dataclass(frozen=True)
class ActionView:
    """A follow-up action as the report and the officers' list show it."""

    id: int
    agency: str
    unit: str | None
    service: str | None
    source: str
    source_ref: str
    title: str
    description: str | None
    owner_unit: str
    due_on: date
    status: str
    period_start: date
    period_end: date
    created_at: datetime
    closed_at: datetime | None
    note: str | None

    @property
    def done(self) -> bool:
        return self.status == ActionStatus.DONE

    def overdue(self, today: date) -> bool:
        """Still open after its due date."""
        return not self.done and today > self.due_on


def _action_view(row: SurveyAction) -> ActionView:
    return ActionView(
        row.id,
        row.agency_code,
        row.unit_code,
        row.service_code,
        row.source,
        row.source_ref,
        row.title,
        row.description,
        row.owner_unit,
        row.due_on,
        row.status,
        row.period_start,
        row.period_end,
        row.created_at,
        row.closed_at,
        row.note,
    )


_OPEN_FIRST = (
    case((SurveyAction.status == ActionStatus.OPEN, 0), else_=1),
    SurveyAction.due_on,
    SurveyAction.id,
)


def scope_actions(
    uow: UnitOfWork, scope: Scope, start: date, end: date, *, limit: int = 200
) -> list[ActionView]:
    """The follow-up actions made from reports of a scope for a period overlapping
    [start, end], open ones first by due date.

    A unit's report lists the actions about it and those it owns; an agency's, all.
    """
    conditions = [SurveyAction.agency_code == scope.agency]
    if scope.kind == "unit":
        conditions.append(
            or_(SurveyAction.unit_code == scope.code, SurveyAction.owner_unit == scope.code)
        )
    elif scope.kind == "service":
        conditions.append(SurveyAction.service_code == scope.code)
    rows = uow.session.execute(
        select(SurveyAction)
        .where(*conditions, SurveyAction.period_start <= end, SurveyAction.period_end >= start)
        .order_by(*_OPEN_FIRST)
        .limit(max(1, min(limit, 1000)))
    ).scalars()
    return [_action_view(row) for row in rows]


def agency_actions(
    uow: UnitOfWork, agencies: Sequence[str], *, status: str | None = None, limit: int = 500
) -> list[ActionView]:
    """The follow-up actions of some agencies (all, or of one status), open ones first."""
    stmt = select(SurveyAction).where(SurveyAction.agency_code.in_(list(agencies)))
    if status:
        stmt = stmt.where(SurveyAction.status == status)
    rows = uow.session.execute(stmt.order_by(*_OPEN_FIRST).limit(max(1, min(limit, 5000))))
    return [_action_view(row) for row in rows.scalars()]


def actions_by_source(
    uow: UnitOfWork, agency: str, source: str, refs: Sequence[str]
) -> dict[str, list[ActionView]]:
    """The actions already taken on some suggestions, questionnaires or elements, by ref."""
    if not refs:
        return {}
    rows = uow.session.execute(
        select(SurveyAction)
        .where(
            SurveyAction.agency_code == agency,
            SurveyAction.source == source,
            SurveyAction.source_ref.in_(list(refs)),
        )
        .order_by(SurveyAction.id)
    ).scalars()
    found: dict[str, list[ActionView]] = {}
    for row in rows:
        found.setdefault(row.source_ref, []).append(_action_view(row))
    return found


def get_action(uow: UnitOfWork, action_id: int, *, lock: bool = False) -> SurveyAction:
    """A follow-up action by id; NotFound if there is none."""
    stmt = select(SurveyAction).where(SurveyAction.id == action_id)
    found = uow.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            Text("Tindak lanjut tidak ditemukan", "Follow-up action not found"),
            "survey_action.not_found",
        )
    return found


def action_view(uow: UnitOfWork, action_id: int) -> ActionView:
    return _action_view(get_action(uow, action_id))


def agency_units(uow: UnitOfWork, agency: str) -> list[tuple[str, str]]:
    """An agency's units as (AGENCY.UNIT, name), in code order."""
    found = catalogue.find_agency(uow, agency)
    return [(unit.full_code, unit.name) for unit in found.units] if found else []
