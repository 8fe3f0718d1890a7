"""Rows of a generated history, written in bulk: the events as they happen, a case's
application, documents and tasks once it is decided (or, still open, at the end).

One Core `INSERT` per table and batch, in the order foreign keys need; the ledger heads
move with every batch, inside the one transaction the whole history is written in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from layan.analytics.bulk_fold import BulkFold
from layan.analytics.fold import SurveyRow
from layan.applications import rules
from layan.applications.models import Application, Document, Task
from layan.core import partitions
from layan.core.bulk import insert_rows, move_ids_past_rows
from layan.core.db import UnitOfWork
from layan.core.events import CITIZEN, Actor, Event
from layan.demo_history.engine import Case
from layan.demo_history.ledger import Chains
from layan.surveys.models import SurveyResponse

BATCH = 20_000
PDF_SIZE = 45


class Writer:
    """The engine's sink: events chained and buffered, rows buffered, all flushed in batches."""

    def __init__(
        self,
        uow: UnitOfWork,
        chains: Chains,
        ids: Callable[[str], int],
        pdf_digest: str,
        rollups: BulkFold,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.uow, self.chains, self.ids, self.pdf = uow, chains, ids, pdf_digest
        self.rollups = rollups
        self.last_survey = 0
        self.progress = progress
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.written: dict[str, int] = {}
        self.months: set[date] = set()  # the event log's months made ready

    def add(self, table: Any, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def event(self, **fields: Any) -> None:
        self.rollups.event(self.chains.append(**fields))
        if len(self.chains.rows) >= BATCH:
            self.flush()

    def ended(self, case: Case) -> None:
        self._case_rows(case)
        if self.progress:
            self.progress(1)

    def survey(self, case: Case, at: datetime, scores: dict[str, int]) -> None:
        decided = [t for t in case.tasks if t.decided_at is not None]
        unit = max(decided, key=lambda t: (t.decided_at, t.id)).unit.code if decided else ""
        response_id = self.last_survey = self.ids("survey")
        answered_on = at.astimezone(ZoneInfo(case.tz)).date()
        service = case.published.standard.code
        self.rollups.survey(SurveyRow(response_id, case.agency, unit, service, answered_on, scores))
        self.add(
            SurveyResponse,
            {
                "id": response_id,
                "case_type": "application",
                "case_id": case.number,
                "agency_code": case.agency,
                "unit_code": unit,
                "service_code": case.published.standard.code,
                "answered_on": answered_on,
                "recorded_at": at,
                "channel": "web",
                "profile": {},
                "suggestion": None,
                "source_hash": None,
                "batch": None,
                **scores,
            },
        )
        self.event(
            ledger=case.agency,
            case_type="survey",
            case_id=str(response_id),
            activity="survey answered",
            lifecycle="complete",
            actor=Actor(CITIZEN, "respondent", agency=case.agency),
            at=at,
            agency=case.agency,
            unit=unit,
            payload={
                "subject": "application",
                "channel": "web",
                "service": case.published.standard.code,
            },
        )

    def complaint(self, case: Case, at: datetime) -> None:
        """Set by the history when it plays complaints; without it, none are made."""

    def _case_rows(self, case: Case) -> None:
        applicant = case.applicant
        self.add(
            Application,
            {
                "id": case.id,
                "tracking_number": case.number,
                "idempotency_key": None,
                "standard_version_id": case.published.version_id,
                "service_code": case.published.standard.code,
                "agency_code": case.agency,
                "status": case.status,
                "stage": case.stage,
                "applicant_nik": applicant.nik,
                "applicant_name": applicant.name,
                "applicant_phone": applicant.phone,
                "applicant_email": applicant.email,
                "data": case.data,
                "flags": rules.identity_flags(applicant.nik, case.data),
                "submitted_at": case.submitted_at,
                "due_at": case.due_at,
                "seconds_left": case.seconds_left,
                "returned_at": case.returned_at,
                "decided_at": case.decided_at,
                "breached_at": case.breached_at,
            },
        )
        for slot in case.slots:
            self.add(
                Document,
                {
                    "application_id": case.id,
                    "slot": slot,
                    "digest": self.pdf,
                    "filename": f"{slot}.pdf",
                    "content_type": "application/pdf",
                    "size": PDF_SIZE,
                    "uploaded_at": case.submitted_at,
                },
            )
        for t in case.tasks:
            self.add(
                Task,
                {
                    "id": t.id,
                    "application_id": case.id,
                    "step_code": t.step.code,
                    "stage": t.stage,
                    "unit_id": t.unit.id,
                    "unit_code": t.unit.code,
                    "agency_code": t.unit.agency,
                    "role": t.step.role,
                    "status": t.status,
                    "assignee_id": t.assignee,
                    "created_at": t.created_at,
                    "due_at": t.due_at,
                    "seconds_left": t.seconds_left,
                    "claimed_at": t.claimed_at,
                    "decided_at": t.decided_at,
                    "decided_by": t.assignee if t.decided_at else None,
                    "outcome": t.outcome,
                    "reason": t.reason,
                    "legal_basis": t.legal_basis,
                    "breached_at": t.breached_at,
                    "escalated_to": t.escalated_to,
                },
            )

    def flush(self) -> None:
        """Write what is buffered: parents before children, the ledger heads before events."""
        connection = self.uow.session.connection()
        for table, rows in self.rows.items():
            name = table.__tablename__
            self.written[name] = self.written.get(name, 0) + insert_rows(
                connection, table.__table__, rows
            )
        self.rows = {table: [] for table in self.rows}
        events = self.chains.take()
        if events:
            self.chains.save_heads(self.uow)
            months = {partitions.month_of(e["timestamp"]) for e in events} - self.months
            partitions.ensure_months(connection, months)  # straight into their months
            self.months |= months
            written = insert_rows(connection, Event.__table__, events)
            self.written["events"] = self.written.get("events", 0) + written
        self.rollups.flush()

    def finish(self, still_open: list[Case], tables: list[Any]) -> dict[str, int]:
        """The cases still open written as they stand; ids moved past the given rows."""
        for case in still_open:
            self._case_rows(case)
        if self.progress:
            self.progress(len(still_open))
        self.flush()
        self.rollups.finish(self.chains.next_id - 1, self.last_survey)
        move_ids_past_rows(self.uow.session.connection(), [t.__table__ for t in (Event, *tables)])
        return self.written
