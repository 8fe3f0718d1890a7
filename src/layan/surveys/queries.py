"""Reads of the satisfaction survey: the index for a unit, service or agency, and suggestions.

The index is computed by `rules.compute_ikm` from the stored questionnaires of a period
(local dates, inclusive), beside the number of people served in it: applications that
reached a final status then (`applications.queries.finished_count`). Walk-in and paper
questionnaires count as responses but never as people served, since Layan does not see
those visits; an agency that serves people outside Layan gives its own count (`served`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select

from layan.applications import queries as applications
from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.surveys import rules
from layan.surveys.models import CaseType, SurveyResponse

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
