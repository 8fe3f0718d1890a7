"""What every way of recording a questionnaire shares.

The row of a questionnaire, stored once per case, its event in the owning agency's ledger,
the receipt the respondent is shown, and the YYYY-MM-DD form of dates in files and forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from layan.core.db import UnitOfWork
from layan.core.errors import InvalidStateError, Text
from layan.core.events import Actor, record_event
from layan.surveys import rules
from layan.surveys.models import SurveyResponse

_ANSWERED = InvalidStateError(
    Text(
        "Survei untuk perkara ini sudah diisi. Terima kasih.",
        "The survey for this case has already been answered. Thank you.",
    ),
    "survey.answered",
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SurveyReceipt:
    """A recorded questionnaire, and what the thank-you page offers after it."""

    response_id: int
    service_code: str | None
    low_scores: list[str]
    case_id: str | None = None

    @property
    def complaint_url(self) -> str | None:
        """Where to complain when an element scored 1: the complaint form, about this case."""
        if not self.low_scores:
            return None
        return f"/pengaduan/baru?permohonan={self.case_id}" if self.case_id else "/pengaduan/baru"


def _log(
    uow: UnitOfWork, response: SurveyResponse, actor: Actor, activity: str = "survey answered"
) -> None:
    record_event(
        uow.session,
        ledger=response.agency_code,
        case_type="survey",
        case_id=str(response.id),
        activity=activity,
        lifecycle="complete",
        actor=actor,
        at=uow.now(),
        agency=response.agency_code,
        unit=response.unit_code,
        payload={
            "subject": response.case_type,
            "channel": response.channel,
            "service": response.service_code,
        },
    )


def _response(
    uow: UnitOfWork,
    answers: rules.SurveyAnswers,
    *,
    case_type: str,
    case_id: str | None,
    agency: str,
    unit: str,
    service: str | None,
    answered_on: date,
    channel: str,
    source_hash: str | None = None,
    batch: str | None = None,
) -> SurveyResponse:
    return SurveyResponse(
        case_type=case_type,
        case_id=case_id,
        agency_code=agency,
        unit_code=unit,
        service_code=service,
        answered_on=answered_on,
        recorded_at=uow.now(),
        channel=channel,
        profile=dict(answers.profile),
        suggestion=answers.suggestion,
        source_hash=source_hash,
        batch=batch,
        **{key: answers.scores.get(key) for key in rules.ELEMENT_KEYS},
    )


def _store(uow: UnitOfWork, response: SurveyResponse) -> None:
    """Add the questionnaire; a second one for the same case is refused (409)."""
    uow.session.add(response)
    try:
        uow.session.flush()
    except IntegrityError:
        raise _ANSWERED from None
