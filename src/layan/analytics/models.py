"""Tables of the analytics room: rollups read by the dashboard, the projection of cases
that keeps them, what agencies enter themselves, and logs imported from older systems.

Rollups are counters per agency, unit, service and month (the agency's local month,
"2026-06"), added to incrementally as the event log grows (`analytics.rollups`); a page
sums a few hundred of their rows instead of scanning history. They are never edited by
hand: the event log is the record, and `layan analytics rebuild` recomputes them from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from layan.core.db import Base, JSONData, UTCDateTime
from layan.core.log_cursor import CursorColumns

Month = String(7)


class RollupCursor(CursorColumns, Base):
    """How far the rollups have read a source ("events" or "surveys"), by row id, with
    the ids passed over that may still commit (`core.log_cursor`)."""

    __tablename__ = "analytics_cursors"


class CaseFacts(Base):
    """What the rollups need to remember of one case between its events."""

    __tablename__ = "analytics_cases"
    __table_args__ = (Index("ix_analytics_cases_service", "case_type", "service", "submitted_at"),)

    case_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(63), default="")  # a complaint's: its category
    unit: Mapped[str] = mapped_column(String(82), default="")  # a complaint's unit
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # working time on hold
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(12))
    breached: Mapped[bool] = mapped_column(Boolean, default=False)


class OpenTask(Base):
    """A step scheduled and not yet decided: when it entered the queue and was taken."""

    __tablename__ = "analytics_tasks"
    __table_args__ = (Index("ix_analytics_tasks_case", "case_id"),)

    task_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(63))
    agency: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(82))
    step: Mapped[str] = mapped_column(String(63))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The case's working time with its applicant when the task was scheduled: what the
    # case gains with its applicant while the task is open is not the step's time.
    paused_before: Mapped[float] = mapped_column(Float, default=0.0)


class ServiceMonth(Base):
    """Applications of one service of an agency in one month."""

    __tablename__ = "rollup_service_months"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), primary_key=True)
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)  # decided within the service time
    breached: Mapped[int] = mapped_column(Integer, default=0)  # service time ran out undecided
    returned: Mapped[int] = mapped_column(Integer, default=0)  # sent back to the applicant
    # Of the applications received this month, how many have been decided by now: the
    # completion rate of the month's cohort.
    cohort_decided: Mapped[int] = mapped_column(Integer, default=0)


class LeadTimes(Base):
    """How many decisions of a month took how long: each bucket named by its upper edge in
    tenths of a working day (`analytics.rules.bucket_of`: tenths up to 5 working days,
    halves up to 20, whole days up to 100).

    A histogram, so medians and 90th percentiles of any period add up from the months'
    rows; the last bucket holds everything from `analytics.rules.LAST_BUCKET` on.
    """

    __tablename__ = "rollup_lead_times"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), primary_key=True)
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)


class StepMonth(Base):
    """One step of a service at one unit in one month: its queue and its breaches."""

    __tablename__ = "rollup_step_months"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)  # the unit's agency
    unit: Mapped[str] = mapped_column(String(82), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), primary_key=True)
    step: Mapped[str] = mapped_column(String(63), primary_key=True)
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    scheduled: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)  # decided after the step's deadline
    breached: Mapped[int] = mapped_column(Integer, default=0)  # deadline passed while open
    waited: Mapped[int] = mapped_column(Integer, default=0)
    wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # queued, working time
    worked: Mapped[int] = mapped_column(Integer, default=0)
    work_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # taken to decided


class ComplaintMonth(Base):
    """Complaints at one unit in one month."""

    __tablename__ = "rollup_complaint_months"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit: Mapped[str] = mapped_column(String(82), primary_key=True)
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_on_time: Mapped[int] = mapped_column(Integer, default=0)
    breached: Mapped[int] = mapped_column(Integer, default=0)


class SurveyMonth(Base):
    """Satisfaction questionnaires of one unit (and service, "" for none) in one month:
    each element's sum of scores and number of answers, from which the IKM adds up."""

    __tablename__ = "rollup_survey_months"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit: Mapped[str] = mapped_column(String(82), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), primary_key=True)
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    requirements_sum: Mapped[int] = mapped_column(Integer, default=0)
    requirements_n: Mapped[int] = mapped_column(Integer, default=0)
    procedure_sum: Mapped[int] = mapped_column(Integer, default=0)
    procedure_n: Mapped[int] = mapped_column(Integer, default=0)
    time_sum: Mapped[int] = mapped_column(Integer, default=0)
    time_n: Mapped[int] = mapped_column(Integer, default=0)
    fee_sum: Mapped[int] = mapped_column(Integer, default=0)
    fee_n: Mapped[int] = mapped_column(Integer, default=0)
    product_sum: Mapped[int] = mapped_column(Integer, default=0)
    product_n: Mapped[int] = mapped_column(Integer, default=0)
    competence_sum: Mapped[int] = mapped_column(Integer, default=0)
    competence_n: Mapped[int] = mapped_column(Integer, default=0)
    behaviour_sum: Mapped[int] = mapped_column(Integer, default=0)
    behaviour_n: Mapped[int] = mapped_column(Integer, default=0)
    complaints_sum: Mapped[int] = mapped_column(Integer, default=0)
    complaints_n: Mapped[int] = mapped_column(Integer, default=0)
    facilities_sum: Mapped[int] = mapped_column(Integer, default=0)
    facilities_n: Mapped[int] = mapped_column(Integer, default=0)


class AgencyMonthFigures(Base):
    """What an agency states of a month: transactions served at the counter outside Layan
    (for digital take-up) and what serving cost (for cost per transaction)."""

    __tablename__ = "agency_month_figures"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    service: Mapped[str] = mapped_column(String(63), primary_key=True)  # "" for all services
    month: Mapped[str] = mapped_column(Month, primary_key=True)
    counter_transactions: Mapped[int | None] = mapped_column(Integer)
    cost_rupiah: Mapped[int | None] = mapped_column(BigInteger)
    entered_by: Mapped[str] = mapped_column(String(60))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportedLog(Base):
    """An event log an agency brought from its older system (XES), kept apart from the
    audit ledgers: analysed like Layan's own log, never part of the hash chain."""

    __tablename__ = "imported_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    cases: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(String(60))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)


class ImportedEvent(Base):
    """One event of an imported log, in the columns of Layan's own log."""

    __tablename__ = "imported_events"
    __table_args__ = (Index("ix_imported_events_log_case", "log_id", "case_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("imported_logs.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(200))
    lifecycle: Mapped[str | None] = mapped_column(String(20))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    resource: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(200))
