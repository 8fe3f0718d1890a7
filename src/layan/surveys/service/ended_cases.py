"""The questionnaire at the end of a case: an application ended, a complaint closed.

The applicant or reporter proves the case with its tracking number and PIN, and answers
once; the answers count for the unit that ended the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from layan.applications import queries as applications
from layan.catalogue import queries as catalogue
from layan.complaints import queries as complaints
from layan.core.db import Database, UnitOfWork
from layan.core.errors import InvalidStateError, Text
from layan.core.events import CITIZEN, Actor
from layan.surveys import queries, rules
from layan.surveys.models import CaseType, Channel
from layan.surveys.service._recording import (
    _ANSWERED,
    SurveyReceipt,
    _log,
    _response,
    _store,
)

_NOT_FINISHED = InvalidStateError(
    Text(
        "Survei dapat diisi setelah permohonan selesai (disetujui atau ditolak)",
        "The survey can be answered once the application has ended (approved or rejected)",
    ),
    "survey.not_finished",
)


# --- at the end of an application --------------------------------------------------


def answer_for_application(
    db: Database, *, tracking_number: str, pin: str, secret: str, raw: Mapping[str, object]
) -> SurveyReceipt:
    """The applicant's questionnaire for an ended application, proved by its PIN.

    404 unless the number and PIN match, 409 before the application ended or once it was
    answered, 422 naming every unanswered or invalid field. The answers are counted for
    the unit that ended the case (its last decided task) and the application's service.
    Wrong PINs count towards the tracking number's lock like every other use of its PIN.
    """
    with applications.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        outcome = applications.case_outcome(uow, tracking_number, pin, secret)
        if not outcome.final:
            raise _NOT_FINISHED
        case = _Case(
            CaseType.APPLICATION,
            outcome.tracking_number,
            outcome.agency_code,
            outcome.unit or "",
            outcome.service_code,
        )
        return _answer_case(uow, case, raw)


_COMPLAINT_NOT_CLOSED = InvalidStateError(
    Text(
        "Survei dapat diisi setelah pengaduan ditutup",
        "The survey can be answered once the complaint is closed",
    ),
    "survey.not_finished",
)


def answer_for_complaint(
    db: Database, *, tracking_number: str, pin: str, secret: str, raw: Mapping[str, object]
) -> SurveyReceipt:
    """The reporter's questionnaire once their complaint closed, proved by its PIN.

    Wrong PINs count towards the complaint's lock like every other use of its PIN.
    """
    with complaints.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        outcome = complaints.complaint_outcome(uow, tracking_number, pin, secret)
        if not outcome.closed:
            raise _COMPLAINT_NOT_CLOSED
        case = _Case(
            CaseType.COMPLAINT,
            outcome.tracking_number,
            outcome.agency_code,
            outcome.unit_code,
            None,
        )
        return _answer_case(uow, case, raw)


@dataclass(frozen=True)
class _Case:
    type: str
    number: str
    agency: str
    unit: str
    service: str | None


def _answer_case(uow: UnitOfWork, case: _Case, raw: Mapping[str, object]) -> SurveyReceipt:
    """Record the one questionnaire of an ended case, counted for the unit that ended it."""
    if queries.has_response(uow, case.type, case.number):
        raise _ANSWERED
    answers = rules.check_answers(raw, require_all=True)
    response = _response(
        uow,
        answers,
        case_type=case.type,
        case_id=case.number,
        agency=case.agency,
        unit=case.unit,
        service=case.service,
        answered_on=queries.local_today(uow, catalogue.agency_tz(uow, case.agency)),
        channel=Channel.WEB,
    )
    _store(uow, response)
    _log(uow, response, Actor(CITIZEN, "respondent", agency=case.agency))
    uow.commit()
    case_id = case.number if case.type == CaseType.APPLICATION else None
    return SurveyReceipt(response.id, case.service, rules.low_scores(answers), case_id)
