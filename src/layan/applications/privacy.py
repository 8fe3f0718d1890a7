"""Personal data protection for applications (UU 27/2022): access log, retention, breaches.

- Every officer's read of a whole application or of one of its documents is logged in
  its own small write unit of work right after the read succeeded (`log_read`).
- Personal data is kept only as long as the service standard's `retention_days` after
  the final decision; then it is erased (`purge_expired`), with the reasons officers
  wrote on its tasks (free text that may name a person). The event log stays intact: a
  decision's event carries its reason only as a SHA-256, so erasing the text breaks no
  hash, and the purge itself is recorded in it.
- After an incident, `breach_report` lists whose data the incident window touched and
  how to reach them, so the agency can notify them within 3 x 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select

from layan.applications.models import Application, Document, Task
from layan.applications.queries import OfficerRead
from layan.applications.rules import ERASED, Status
from layan.catalogue import queries as catalogue
from layan.core import access_log
from layan.core.access_log import reads_between
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import SYSTEM, Event, record_event
from layan.core.identity import mask_nik
from layan.documents.issue import erase_refusals

NOTICE_WITHIN = timedelta(hours=72)


def log_read(db: Database, read: OfficerRead) -> None:
    """Log one officer's read that just succeeded, in its own write unit of work."""
    access_log.log_read(db, "application", read)


# --- retention --------------------------------------------------------------------------


@dataclass
class PurgeResult:
    """What a purge erased, or with `dry_run`, would erase."""

    dry_run: bool
    applications: list[str] = field(default_factory=list)
    documents: int = 0
    blobs: int = 0
    reasons: int = 0  # decision reasons of the applications' tasks
    refusal_letters: int = 0  # erased with them (issued outputs are kept: they are valid)


def _unerased_reason():  # type: ignore[no-untyped-def]
    """A task of the application still holds a reason in words."""
    return exists().where(
        Task.application_id == Application.id, Task.reason.is_not(None), Task.reason != ERASED
    )


def _expired(db: Database) -> list[tuple[int, int]]:
    """(application id, retention days) of final applications past their retention.

    Also those erased before reasons were erased with them, that still hold one.
    """
    with db.unit_of_work(readonly=True) as uow:
        now = uow.now()
        versions = uow.session.execute(
            select(Application.standard_version_id)
            .where(Application.status.in_(Status.FINAL), Application.decided_at.is_not(None))
            .distinct()
        ).scalars()
        found: list[tuple[int, int]] = []
        for version_id in sorted(versions):
            days = catalogue.get_standard_version(uow, version_id).standard.retention_days
            ids = uow.session.execute(
                select(Application.id).where(
                    Application.standard_version_id == version_id,
                    Application.status.in_(Status.FINAL),
                    Application.decided_at <= now - timedelta(days=days),
                    or_(Application.applicant_name != ERASED, _unerased_reason()),
                )
            ).scalars()
            found += [(i, days) for i in ids]
        return found


def purge_expired(db: Database, blobs: BlobStore, *, dry_run: bool = False) -> PurgeResult:
    """Erase the personal data of applications decided longer ago than their retention.

    NIK masked; name, phone and e-mail replaced; form data and flags emptied; documents'
    file names anonymised and their files deleted unless another document still refers
    to the same file; every task's reason replaced. One 'personal data purged' event per
    application. An application erased before reasons were erased has its reasons erased.
    """
    expired = dict(_expired(db))
    result = PurgeResult(dry_run=dry_run)
    if not expired:
        return result
    with db.unit_of_work(readonly=dry_run) as uow:
        # Final applications change no more, so no row locks are needed here.
        apps = (
            uow.session.execute(
                select(Application).where(Application.id.in_(expired)).order_by(Application.id)
            )
            .scalars()
            .all()
        )
        fresh = {a.id for a in apps if a.applicant_name != ERASED}
        documents = [d for a in apps if a.id in fresh for d in a.documents]
        digests = {d.digest for d in documents}
        still_used = set(
            uow.session.execute(
                select(Document.digest)
                .join(Application, Application.id == Document.application_id)
                .where(
                    Document.digest.in_(digests),
                    Document.application_id.not_in(expired),
                    Application.applicant_name != ERASED,  # an erased record needs no file
                )
            ).scalars()
        )
        doomed = sorted(digests - still_used)
        reasons = {
            a.id: [t for t in a.tasks if t.reason is not None and t.reason != ERASED] for a in apps
        }
        result.applications = [a.tracking_number for a in apps]
        result.documents, result.blobs = len(documents), len(doomed)
        result.reasons = sum(len(tasks) for tasks in reasons.values())
        if dry_run:
            return result
        letters = erase_refusals(uow, sorted(fresh))
        result.refusal_letters = len(letters)
        for app in apps:
            for task in reasons[app.id]:
                task.reason = ERASED
            erased_documents = 0
            if app.id in fresh:
                app.applicant_nik = mask_nik(app.applicant_nik)
                app.applicant_name = app.applicant_phone = app.applicant_email = ERASED
                app.data, app.flags = {}, []
                for document in app.documents:
                    document.filename = ERASED
                erased_documents = len(app.documents)
            record_event(
                uow.session,
                ledger=app.agency_code,
                case_type="application",
                case_id=app.tracking_number,
                activity="personal data purged",
                lifecycle="complete",
                actor=SYSTEM,
                at=uow.now(),
                agency=app.agency_code,
                payload={
                    "retention_days": expired[app.id],
                    "documents": erased_documents,
                    "reasons": len(reasons[app.id]),
                },
            )
        uow.commit()
    # Files go only after the records that named them were erased: a failed commit
    # leaves every file in place.
    for digest in [*doomed, *letters]:
        blobs.delete(digest)
    return result


# --- breach notification ----------------------------------------------------------------


@dataclass
class AffectedPerson:
    """One applicant whose data an incident window touched, and how to reach them."""

    tracking_number: str
    nik: str  # masked
    name: str
    email: str
    phone: str
    agencies: list[str]
    touched: list[str]  # created, changed, read


@dataclass
class BreachReport:
    start: datetime
    end: datetime
    notify_by: datetime  # end of the window + 3 x 24 hours (UU 27/2022 Pasal 46)
    people: list[AffectedPerson]


def breach_report(db: Database, start: datetime, end: datetime) -> BreachReport:
    """Applications created, changed or read at or after `start` and before `end`."""
    with db.unit_of_work(readonly=True) as uow:
        touched: dict[str, set[str]] = {}
        agencies: dict[str, set[str]] = {}
        created = uow.session.execute(
            select(Application.tracking_number).where(
                Application.submitted_at >= start, Application.submitted_at < end
            )
        ).scalars()
        for number in created:
            touched.setdefault(number, set()).add("created")
        changed = uow.session.execute(
            select(Event.case_id, Event.agency).where(
                Event.case_type == "application", Event.timestamp >= start, Event.timestamp < end
            )
        )
        for number, agency in changed:
            touched.setdefault(number, set()).add("changed")
            agencies.setdefault(number, set()).add(agency)
        for read in reads_between(uow.session, "application", start, end):
            touched.setdefault(read.case_id, set()).add("read")
            if read.agency:
                agencies.setdefault(read.case_id, set()).add(read.agency)
        people = []
        numbers = sorted(touched)
        for chunk in (numbers[i : i + 500] for i in range(0, len(numbers), 500)):
            apps = uow.session.execute(
                select(Application).where(Application.tracking_number.in_(chunk))
            ).scalars()
            for app in apps:
                involved = {app.agency_code, *(t.agency_code for t in app.tasks)}
                involved |= agencies.get(app.tracking_number, set())
                people.append(
                    AffectedPerson(
                        app.tracking_number,
                        mask_nik(app.applicant_nik),
                        app.applicant_name,
                        app.applicant_email,
                        app.applicant_phone,
                        sorted(involved),
                        sorted(touched[app.tracking_number]),
                    )
                )
    people.sort(key=lambda p: p.tracking_number)
    return BreachReport(start, end, end + NOTICE_WITHIN, people)
