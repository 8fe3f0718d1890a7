"""Tables of the satisfaction survey: one row per answered questionnaire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import Base, JSONData, UTCDateTime
from layan.surveys.rules import ELEMENT_KEYS


class CaseType:
    """What a questionnaire answers for: the end of a case, a counter visit, or paper."""

    APPLICATION = "application"
    COMPLAINT = "complaint"
    WALK_IN = "walk_in"
    PAPER = "paper"


class Channel:
    """How the answers reached Layan."""

    WEB = "web"
    COUNTER = "counter"
    PAPER = "paper"


class SurveyResponse(Base):
    """One respondent's questionnaire, its scores stored by element key (never by position).

    A case (an application, later a complaint) is answered at most once: the unique
    (case_type, case_id) refuses a second row. Walk-in and paper questionnaires have no
    case (NULL, which never collides). `source_hash` is an HMAC of the client address and
    the day under the server's secret, kept only to limit walk-in answers from one source;
    the address itself is never stored.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("case_type", "case_id"),
        Index("ix_survey_responses_agency_day", "agency_code", "answered_on"),
        Index("ix_survey_responses_unit_day", "unit_code", "answered_on"),
        Index("ix_survey_responses_service_day", "service_code", "answered_on"),
        Index("ix_survey_responses_source", "unit_code", "source_hash", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[str | None] = mapped_column(String(40))
    agency_code: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str] = mapped_column(String(82))
    service_code: Mapped[str | None] = mapped_column(String(63))
    # The day the respondent answered, in the agency's time zone: periods are local dates.
    answered_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(10))
    requirements: Mapped[int | None] = mapped_column(SmallInteger)
    procedure: Mapped[int | None] = mapped_column(SmallInteger)
    time: Mapped[int | None] = mapped_column(SmallInteger)
    fee: Mapped[int | None] = mapped_column(SmallInteger)
    product: Mapped[int | None] = mapped_column(SmallInteger)
    competence: Mapped[int | None] = mapped_column(SmallInteger)
    behaviour: Mapped[int | None] = mapped_column(SmallInteger)
    complaints: Mapped[int | None] = mapped_column(SmallInteger)
    facilities: Mapped[int | None] = mapped_column(SmallInteger)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    suggestion: Mapped[str | None] = mapped_column(String(2000))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    # The SHA-256 of the paper import a row came from, so the same file is not counted twice.
    batch: Mapped[str | None] = mapped_column(String(64), index=True)

    @property
    def scores(self) -> dict[str, int | None]:
        """The nine scores by element key (None where the element was not answered)."""
        return {key: getattr(self, key) for key in ELEMENT_KEYS}


class ActionSource:
    """What a follow-up action answers: a suggestion, a questionnaire scored 1, an element."""

    SUGGESTION = "suggestion"
    LOW_SCORE = "low_score"
    ELEMENT = "element"


class ActionStatus:
    OPEN = "open"
    DONE = "done"


class SurveyAction(Base):
    """A follow-up action (tindak lanjut) an agency takes on what its respondents said.

    `source_ref` is the questionnaire's id for a suggestion or a low score, the element
    key for a weak element. The scope (unit, service) is where the action is published:
    the unit and service a questionnaire was about, or the report's scope for an element;
    both empty for the whole agency. `created_by` and `closed_by` name officers as the
    event log does (`officer:<id>`), without personal data.
    """

    __tablename__ = "survey_actions"
    __table_args__ = (
        Index("ix_survey_actions_agency_status", "agency_code", "status"),
        Index("ix_survey_actions_source", "agency_code", "source", "source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    unit_code: Mapped[str | None] = mapped_column(String(82))
    service_code: Mapped[str | None] = mapped_column(String(63))
    source: Mapped[str] = mapped_column(String(12))
    source_ref: Mapped[str] = mapped_column(String(40))
    # The report period the action was made from: a report lists the actions whose
    # period overlaps its own, so respondents find what came of that period's answers.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    owner_unit: Mapped[str] = mapped_column(String(82))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default=ActionStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(60))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(2000))
