"""Moving a complaint along its lifecycle, inside the caller's transaction.

Shared by the reporter's side (`intake.py`), the officers' side and the sweep
(`service.py`): looking a complaint up, changing its status by the rules, setting
deadlines on the agency's calendar, writing its updates and files, and logging every
change as an event in the acting agency's ledger.

An event's payload is hash-chained and can never be erased, so it holds no free text a
person wrote: a reason or a name typed into a form goes into it only as its SHA-256
(`digest`); the text itself stays on the complaint's update, where it can be erased.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from layan.accounts import service as accounts
from layan.catalogue import queries as catalogue
from layan.complaints import rules
from layan.complaints.checks import CONTENT_TYPES
from layan.complaints.models import Complaint, ComplaintAttachment, ComplaintUpdate
from layan.complaints.queries import find_by_number, get_by_pin, not_found, pin_guard
from layan.core.access import Principal
from layan.core.blobs import BlobStore
from layan.core.db import UnitOfWork
from layan.core.errors import PermissionDeniedError, Text
from layan.core.events import CITIZEN, SYSTEM, Actor, record_event


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived with a complaint, an answer or a resolution."""

    filename: str
    content_type: str
    content: bytes

    def described(self) -> tuple[int, bytes]:
        """What the checks look at: the size and the first bytes."""
        return len(self.content), self.content[:16]


def described(files: Mapping[str, IncomingFile]) -> dict[str, tuple[int, bytes]]:
    return {name: f.described() for name, f in files.items()}


def for_action(uow: UnitOfWork, principal: Principal, number: str, action: str) -> Complaint:
    """A complaint the officer may take `action` on, locked; 404 or 403 otherwise."""
    complaint = find_by_number(uow, number, lock=True)
    if complaint is None or not (
        principal.reads_everything or complaint.agency_code in principal.agencies
    ):
        raise not_found()
    if not rules.may_act(principal, action, complaint.agency_code, complaint.unit_id):
        raise PermissionDeniedError(
            Text(
                "Anda tidak memegang peran yang diperlukan untuk langkah ini",
                "You do not hold the role this step needs",
            ),
            "complaint.role",
        )
    rules.next_status(complaint.status, action)  # 409 before anything else is checked
    return complaint


# --- who acted, and the log -------------------------------------------------------------


def reporter_actor(complaint: Complaint) -> Actor:
    """The reporter, acting on the ledger of the agency now responsible for the complaint."""
    return Actor(CITIZEN, "reporter", agency=complaint.agency_code)


def officer_actor(principal: Principal, complaint: Complaint, action: str) -> Actor:
    """The officer as the log names them: by the role the action needs, in their unit."""
    agency = complaint.agency_code
    if action in rules.SUPERVISOR_ACTIONS:
        return Actor(principal.resource, "supervisor", complaint.unit_code, agency)
    in_unit = principal.grant_in(complaint.unit_id)
    handler = rules.handler_grant(principal, agency)
    grant = in_unit if action in rules.UNIT_ACTIONS and in_unit else handler or in_unit
    if grant is None:
        return Actor(principal.resource, "officer", None, agency)
    return Actor(principal.resource, grant.role, grant.unit, agency)


def system_actor(complaint: Complaint) -> Actor:
    return Actor(SYSTEM.resource, SYSTEM.role, complaint.unit_code, complaint.agency_code)


def log(
    uow: UnitOfWork,
    complaint: Complaint,
    activity: str,
    lifecycle: str,
    actor: Actor,
    **payload: object,
) -> None:
    """An event of this complaint's case in the acting agency's ledger, with no personal data."""
    record_event(
        uow.session,
        ledger=actor.agency or complaint.agency_code,
        case_type="complaint",
        case_id=complaint.tracking_number,
        activity=activity,
        lifecycle=lifecycle,
        actor=actor,
        at=uow.now(),
        unit=actor.unit or complaint.unit_code,
        payload={k: v for k, v in payload.items() if v is not None},
    )


# --- status, deadlines, updates, files --------------------------------------------------


def move(uow: UnitOfWork, complaint: Complaint, action: str) -> None:
    complaint.status = rules.next_status(complaint.status, action)
    complaint.updated_at = uow.now()
    if complaint.status in rules.FINAL_STATUSES:
        complaint.closed_at = uow.now()


def due(uow: UnitOfWork, complaint: Complaint, stage: str, tier: str | None = None) -> datetime:
    """A deadline from now on the responsible agency's calendar."""
    calendar = catalogue.calendar_for_agency(uow, complaint.agency_code)
    return rules.deadline(calendar, uow.now(), stage, tier)


def add_update(
    uow: UnitOfWork,
    complaint: Complaint,
    kind: str,
    actor: Actor,
    *,
    text: str | None = None,
    public: bool = True,
    officer_id: int | None = None,
    target: str | None = None,
    rating: int | None = None,
) -> ComplaintUpdate:
    update = ComplaintUpdate(
        kind=kind,
        at=uow.now(),
        text=text,
        author="reporter" if actor.resource == CITIZEN else "agency",
        officer_id=officer_id,
        role=actor.role,
        agency_code=actor.agency,
        unit_code=actor.unit,
        target=target,
        rating=rating,
        public=public,
    )
    complaint.updates.append(update)
    uow.session.flush()
    return update


def store_files(
    uow: UnitOfWork,
    blobs: BlobStore,
    complaint: Complaint,
    files: Mapping[str, IncomingFile],
    kinds: Mapping[str, str],
    *,
    author: str,
    update: ComplaintUpdate | None = None,
) -> None:
    """Files already checked, into the blob store first, then referenced by the complaint."""
    for name, incoming in files.items():
        complaint.attachments.append(
            ComplaintAttachment(
                update_id=update.id if update else None,
                digest=blobs.put(incoming.content),
                filename=(incoming.filename or name)[:255],
                content_type=CONTENT_TYPES[kinds[name]],
                size=len(incoming.content),
                author=author,
                uploaded_at=uow.now(),
            )
        )


def name_supervisor(uow: UnitOfWork, complaint: Complaint) -> int | None:
    """Give the complaint to the first supervisor of its unit, as the queue and log show."""
    key = ("unit_supervisor", complaint.unit_id)  # once a unit for the unit of work (sweeps)
    if key not in uow.cache:
        supervisors = accounts.supervisors_of(uow, complaint.unit_id)
        uow.cache[key] = supervisors[0] if supervisors else None
    complaint.escalated_to = uow.cache[key]
    complaint.escalated_at = uow.now()
    return complaint.escalated_to


def escalate(uow: UnitOfWork, complaint: Complaint, stage: str) -> None:
    """Log a missed stage and escalate the complaint to the unit's supervisor."""
    to = name_supervisor(uow, complaint)
    system = system_actor(complaint)
    log(uow, complaint, f"{stage} breached", "complete", system, stage=stage)
    log(uow, complaint, "escalate", "complete", system, stage=stage, to=to)


def open_appeal(uow: UnitOfWork, complaint: Complaint, kind: str, actor: Actor) -> None:
    """The complaint goes to the unit's supervisor, who has APPEAL_DAYS to settle it."""
    complaint.appeal_kind = kind
    complaint.appealed_at = uow.now()
    complaint.appeal_due_at = due(uow, complaint, "appeal")
    complaint.appeal_breached_at = None
    to = name_supervisor(uow, complaint)
    log(
        uow,
        complaint,
        "appeal",
        "resume",
        actor,
        kind=kind,
        to=to,
        due_at=complaint.appeal_due_at.isoformat(),
    )


def start_work(uow: UnitOfWork, complaint: Complaint) -> None:
    """New follow-up and resolution deadlines from now, as at verification or a reopening."""
    complaint.follow_up_due_at = due(uow, complaint, "follow_up")
    complaint.resolution_due_at = due(uow, complaint, "resolution", complaint.tier)
    complaint.followed_up_at = complaint.resolved_at = None
    complaint.follow_up_breached_at = complaint.resolution_breached_at = None


__all__ = ["find_by_number", "get_by_pin", "not_found", "pin_guard"]
