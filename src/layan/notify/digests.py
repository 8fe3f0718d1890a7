"""Officers' daily digest of their overdue tasks, by email.

Once a day (after DIGEST_HOUR in Jakarta, on any day with an overdue task) every active
officer with an email and at least one overdue task is sent one message: how many, and
the longest overdue by number, step and deadline. The day's digests are made once: the
day is kept on the outbox's cursor table and each digest's key names officer and day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select

from layan.applications.queries.overdue import OfficerDigest, overdue_by_officer
from layan.core.codes import format_code
from layan.core.db import Database
from layan.core.log_cursor import insert_into, locked_cursor
from layan.notify import rules
from layan.notify.models import Message, NotifyCursor

DIGESTS = "digests"  # the cursor's source: last_id holds the day last sent, as an ordinal
DIGEST_HOUR = 7  # local time: before the working day starts
JAKARTA = ZoneInfo("Asia/Jakarta")


def make_digests(db: Database, public_url: str, test: bool = False) -> int:
    """Store today's digests unless they were made already; how many were made. Every
    worker round asks, so the answer "already made" is a read that locks nothing."""
    if not _due(db):
        return 0
    with db.unit_of_work() as uow:
        now = uow.now()
        local = now.astimezone(JAKARTA)
        if local.hour < DIGEST_HOUR:
            return 0
        cursor = locked_cursor(uow, NotifyCursor, DIGESTS)
        if cursor is None or cursor.last_id >= local.date().toordinal():
            return 0
        cursor.last_id, cursor.updated_at = local.date().toordinal(), now
        rows = [_row(d, local.date(), now, public_url, test) for d in overdue_by_officer(uow, now)]
        if rows:
            stmt = insert_into(uow, Message).on_conflict_do_nothing(index_elements=["key"])
            uow.session.execute(stmt, rows)
        uow.commit()
        return len(rows)


def _due(db: Database) -> bool:
    with db.unit_of_work(readonly=True) as uow:
        local = uow.now().astimezone(JAKARTA)
        stmt = select(NotifyCursor.last_id).where(NotifyCursor.source == DIGESTS)
        sent_day = uow.session.execute(stmt).scalar() or 0
        return local.hour >= DIGEST_HOUR and sent_day < local.date().toordinal()


def digest_text(digest: OfficerDigest, link: str) -> rules.Template:
    lines = [
        f"{format_code(t.number)}  {t.step}  "
        f"{format_datetime(t.due_at.astimezone(JAKARTA), 'd MMM HH:mm', locale='id')}"
        for t in digest.tasks
    ]
    more = digest.count - len(digest.tasks)
    if more > 0:
        lines.append(f"... dan {more} lainnya")
    body = (
        f"Ada {digest.count} tugas yang melewati batas waktu di antrean Anda "
        "(nomor, langkah, batas waktu):\n\n" + "\n".join(lines) + f"\n\nBuka antrean: {link}"
    )
    return rules.Template(f"{digest.count} tugas melewati batas waktu", body)


def _row(digest: OfficerDigest, day: date, now: datetime, public_url: str, test: bool) -> Any:
    message = digest_text(digest, f"{public_url.rstrip('/')}/petugas")
    return {
        "key": f"digest-{digest.officer_id}-{day.isoformat()}",
        "event_id": 0,
        "kind": rules.OFFICER_DIGEST,
        "case_type": "officer",
        "case_number": digest.username,
        "agency": digest.agency,
        "channel": rules.EMAIL,
        "recipient": digest.email,
        "webhook_id": None,
        "language": "id",
        "subject": message.subject,
        "body": message.body,
        "status": rules.CREATED,
        "test": test,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "sent_at": None,
        "last_error": None,
        "answer": None,
    }
