"""Who is told of an application's events: its applicant's channels and addresses.

Read by the outbox (`notify.outbox`) for a batch of events at once: one read of the
applications and one of the tasks whose return reasons the messages quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from layan.applications.models import Application, Task
from layan.applications.rules import ERASED
from layan.core.db import UnitOfWork

CHUNK = 500


@dataclass(frozen=True)
class Contact:
    number: str
    service_code: str
    agency: str
    email: str | None
    phone: str | None
    channels: tuple[str, ...] | None  # None: the default
    language: str
    stopped: bool  # the applicant asked for no more messages
    due_at: datetime


def application_contacts(uow: UnitOfWork, numbers: Iterable[str]) -> dict[str, Contact]:
    """The contacts of the applications with these tracking numbers (drafts have none)."""
    wanted = sorted(set(numbers))
    found: dict[str, Contact] = {}
    columns = (
        Application.tracking_number,
        Application.service_code,
        Application.agency_code,
        Application.applicant_email,
        Application.applicant_phone,
        Application.channels,
        Application.language,
        Application.messages_stopped_at,
        Application.due_at,
    )
    for start in range(0, len(wanted), CHUNK):
        stmt = select(*columns).where(
            Application.tracking_number.in_(wanted[start : start + CHUNK])
        )
        for row in uow.session.execute(stmt):
            found[row.tracking_number] = Contact(
                row.tracking_number,
                row.service_code,
                row.agency_code,
                _address(row.applicant_email),
                _address(row.applicant_phone),
                None if row.channels is None else tuple(row.channels),
                row.language or "id",
                row.messages_stopped_at is not None,
                row.due_at,
            )
    return found


def _address(value: str | None) -> str | None:
    return value if value and value != ERASED else None


def return_reasons(uow: UnitOfWork, task_ids: Iterable[int]) -> dict[int, str]:
    """The reasons officers gave when they returned an application, by task id."""
    wanted = sorted(set(task_ids))
    reasons: dict[int, str] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(Task.id, Task.reason).where(Task.id.in_(wanted[start : start + CHUNK]))
        reasons.update({row.id: row.reason or "" for row in uow.session.execute(stmt)})
    return reasons
