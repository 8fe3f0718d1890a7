"""The questionnaires: what a form asks, whether a case was answered, the walk-in limit,
paper imports already stored, and the survey pages of an application and of a unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from layan.applications import queries as applications
from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.surveys import rules
from layan.surveys.models import CaseType, SurveyResponse


@dataclass(frozen=True)
class Questionnaire:
    """What a survey form asks: the nine elements and the optional respondent profile."""

    elements: tuple[rules.Element, ...]
    profile: Mapping[str, tuple[str, ...]]


QUESTIONNAIRE = Questionnaire(rules.ELEMENTS, rules.PROFILE_CHOICES)


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
