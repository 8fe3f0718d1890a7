"""The sweep: every missed deadline marked once, escalated, and acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, true

from layan.complaints import procedure
from layan.complaints.models import Complaint
from layan.complaints.rules import Action, Status
from layan.core.db import Database, UnitOfWork


def _late(uow: UnitOfWork, batch: int, *conditions: object) -> list[Complaint]:
    stmt = select(Complaint).where(*conditions).order_by(Complaint.id).limit(batch)  # type: ignore[arg-type]
    return list(uow.session.execute(stmt.with_for_update(skip_locked=True)).scalars())


def sweep_complaint_deadlines(db: Database, batch: int = 500) -> int:
    """Mark every missed deadline once and act on it; the number of deadlines handled.

    A missed verification is escalated to the unit's supervisor; a missed follow-up or
    resolution also opens an appeal with its own deadline; a missed appeal is marked for
    the record. When the reporter lets their time pass, a question unanswered archives
    the complaint and a resolution not responded to closes it. Safe to run from several
    workers: locked rows are skipped, and each mark is made once.
    """
    with db.unit_of_work() as uow:
        now = uow.now()
        marked = 0
        for c in _late(
            uow,
            batch,
            Complaint.status == Status.SUBMITTED,
            Complaint.verify_due_at < now,
            Complaint.verify_breached_at.is_(None),
        ):
            c.verify_breached_at = now
            procedure.escalate(uow, c, "verification")
            marked += 1
        marked += _sweep_work(uow, now, batch)
        for c in _late(
            uow,
            batch,
            Complaint.status == Status.APPEALED,
            Complaint.appeal_due_at < now,
            Complaint.appeal_breached_at.is_(None),
        ):
            c.appeal_breached_at = now
            procedure.log(uow, c, "appeal breached", "complete", procedure.system_actor(c))
            marked += 1
        marked += _sweep_reporter(uow, now, batch)
        uow.commit()
    return marked


def _sweep_work(uow: UnitOfWork, now: datetime, batch: int) -> int:
    """Missed follow-ups and resolutions: escalate, and open an appeal if none is open."""
    marked = 0
    working = (Status.VERIFIED, Status.IN_PROGRESS, Status.FOLLOWED_UP, Status.APPEALED)
    stages = (
        (
            "follow_up",
            Complaint.follow_up_due_at,
            Complaint.follow_up_breached_at,
            Complaint.followed_up_at.is_(None),
        ),
        ("resolution", Complaint.resolution_due_at, Complaint.resolution_breached_at, true()),
    )
    for stage, due, breached, pending in stages:
        for c in _late(
            uow, batch, Complaint.status.in_(working), due < now, breached.is_(None), pending
        ):
            setattr(c, breached.key, now)
            procedure.escalate(uow, c, stage)
            if c.status != Status.APPEALED:
                procedure.move(uow, c, Action.DEADLINE_MISSED)
                procedure.open_appeal(uow, c, "deadline", procedure.system_actor(c))
            marked += 1
    return marked


def _sweep_reporter(uow: UnitOfWork, now: datetime, batch: int) -> int:
    """The reporter's time ran out: no reply archives, no response closes."""
    marked = 0
    for status, action, activity in (
        (Status.NEEDS_INFO, Action.NO_REPLY, "archive without reply"),
        (Status.RESOLVED, Action.NO_RESPONSE, "close without response"),
    ):
        for c in _late(uow, batch, Complaint.status == status, Complaint.reporter_due_at < now):
            procedure.move(uow, c, action)
            c.reporter_due_at = None
            if action == Action.NO_REPLY:
                c.archive_reason = "no_reply"
            procedure.log(uow, c, activity, "complete", procedure.system_actor(c))
            marked += 1
    return marked
