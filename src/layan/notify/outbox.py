"""The outbox: messages derived from committed events of the log.

`derive_messages` reads the events appended since it last ran (past its own cursor,
`core.log_cursor`, so an event of a transaction that was rolled back is never read and
one that commits late is read when it appears), makes each event's messages (to the
citizen on the channels they chose, and to every agency webhook that asked for that
kind) and stores them in the same transaction as the cursor's move. A message's key is
unique: deriving an event twice makes nothing new. Sending is `notify.dispatch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_date
from sqlalchemy import case, func, select, update

from layan.applications.messages import stop_token
from layan.applications.queries.contacts import application_contacts, return_reasons
from layan.applications.rules import ERASED, channels_in_use
from layan.catalogue import queries as catalogue
from layan.complaints.queries.contacts import complaint_contacts
from layan.core.calendar import zone
from layan.core.codes import format_code
from layan.core.db import Database, UnitOfWork
from layan.core.events import Event
from layan.core.log_cursor import events_after, events_by_ids, insert_into, locked_cursor, read_past
from layan.notify import rules
from layan.notify.models import Message, MessageTemplate, NotifyCursor, Webhook

EVENTS = "events"
BATCH = 2000
PURGED = "personal data purged"  # the event after which a case's messages are erased
# Every event is read (the cursor must see each id), but only those that make messages
# (or erase them) bring their payload: most of the log is steps scheduled and started.
_TOLD = sorted({activity for _case, activity in rules.KINDS} | {PURGED})
_COLUMNS = (
    Event.id,
    Event.case_type,
    Event.case_id,
    Event.activity,
    Event.timestamp,
    Event.agency,
    case((Event.activity.in_(_TOLD), Event.payload)).label("payload"),
)


@dataclass(frozen=True)
class Outbound:
    """How messages are made: where the public reaches the site, and whether this is a
    test installation (everything recorded, nothing sent)."""

    public_url: str
    secret: str  # signs the stop links of emails
    test: bool = False


def derive_messages(db: Database, outbound: Outbound, *, batch: int = BATCH) -> tuple[int, int]:
    """Store the messages of the events appended since the last run: (events read,
    messages made). Beside other workers: the one holding the cursor derives, the others
    return at once."""
    if not _anything_new(db):
        return 0, 0
    with db.unit_of_work() as uow:
        cursor = locked_cursor(uow, NotifyCursor, EVENTS)
        if cursor is None:
            return 0, 0
        rows = read_past(uow, cursor, uow.now(), batch, _after, _by_ids, _written)
        made = Planner(uow, outbound).plan(rows) if rows else []
        if made:
            stmt = insert_into(uow, Message).on_conflict_do_nothing(index_elements=["key"])
            uow.session.execute(stmt, made)
        _forget(uow, [(e.case_type, e.case_id) for e in rows if e.activity == PURGED])
        uow.commit()
    return len(rows), len(made)


def _forget(uow: UnitOfWork, cases: list[tuple[str, str]]) -> None:
    """A case's personal data was purged: its messages keep their delivery record only."""
    for case_type, number in cases:
        uow.session.execute(
            update(Message)
            .where(Message.case_type == case_type, Message.case_number == number)
            .where(Message.channel != rules.WEBHOOK)
            .values(recipient=ERASED, subject="", body="")
        )


def _anything_new(db: Database) -> bool:
    with db.unit_of_work(readonly=True) as uow:
        found = uow.session.execute(select(NotifyCursor).where(NotifyCursor.source == EVENTS))
        cursor = found.scalar_one_or_none()
        last = uow.session.execute(select(func.max(Event.id))).scalar() or 0
        return cursor is None or bool(cursor.gaps) or last > cursor.last_id


def _after(uow: UnitOfWork, last_id: int, limit: int) -> Sequence[Any]:
    return events_after(uow, _COLUMNS, last_id, limit)  # type: ignore[no-any-return]


def _by_ids(uow: UnitOfWork, ids: list[int]) -> Sequence[Any]:
    return events_by_ids(uow, _COLUMNS, ids)


def _written(row: Any) -> datetime:
    return row.timestamp  # type: ignore[no-any-return]


class Planner:
    """Turns a batch of events into message rows, reading what it needs once a batch."""

    def __init__(self, uow: UnitOfWork, outbound: Outbound) -> None:
        self.uow = uow
        self.outbound = outbound
        self.now = uow.now()
        self.base = outbound.public_url.rstrip("/")
        self._templates: dict[tuple[str, str, str], rules.Template] | None = None
        self._services: dict[str, Any] = {}
        self._zones: dict[str, str] = {}
        self._dates: dict[tuple[Any, str], str] = {}

    def plan(self, events: Sequence[Any]) -> list[dict[str, Any]]:
        wanted = [(e, rules.kinds_of(e.case_type, e.activity)) for e in events]
        wanted = [(e, kinds) for e, kinds in wanted if kinds]
        if not wanted:
            return []
        apps = application_contacts(
            self.uow, [e.case_id for e, _ in wanted if e.case_type == "application"]
        )
        complaints = complaint_contacts(
            self.uow, [e.case_id for e, _ in wanted if e.case_type == "complaint"]
        )
        reasons = return_reasons(
            self.uow,
            [int(e.payload["task"]) for e, _ in wanted if e.activity == "return" and e.payload],
        )
        hooks = self._webhooks()
        made: list[dict[str, Any]] = []
        for event, kinds in wanted:
            contact = (apps if event.case_type == "application" else complaints).get(event.case_id)
            for kind in kinds:
                if contact is not None:
                    made += self._to_citizen(event, kind, contact, reasons)
                owner = contact.agency if contact is not None else event.agency
                made += self._to_webhooks(event, kind, hooks, owner or "")
        return made

    # --- to the citizen ---------------------------------------------------------------

    def _to_citizen(
        self, event: Any, kind: str, contact: Any, reasons: dict[int, str]
    ) -> list[dict[str, Any]]:
        if getattr(contact, "stopped", False):
            return []
        language = getattr(contact, "language", "id")
        values = self._values(event, kind, contact, language, reasons)
        message = rules.render(self._template(contact.agency, kind, language), values)
        if event.case_type == "complaint":  # by email, else by SMS to a reporter without one
            channels = (rules.EMAIL,) if contact.email else (rules.SMS,)
        else:
            channels = channels_in_use(contact.channels)
        rows = []
        for channel in channels:
            address = contact.email if channel == rules.EMAIL else contact.phone
            if address:
                shaped = rules.for_channel(channel, message)
                if channel == rules.EMAIL and event.case_type == "application":
                    shaped = rules.with_stop_link(shaped, self._stop_link(event.case_id), language)
                rows.append(self._row(event, kind, channel, address, language, shaped))
        return rows

    def _stop_link(self, number: str) -> str:
        token = stop_token(self.outbound.secret, number)
        return f"{self.base}/pesan/berhenti?nomor={number}&t={token}"

    def _values(
        self, event: Any, kind: str, contact: Any, language: str, reasons: dict[int, str]
    ) -> dict[str, str]:
        number = event.case_id
        if event.case_type == "complaint":
            link = f"{self.base}/pengaduan/lacak"
            service = ""
        else:
            link = f"{self.base}/lacak/{number}"
            if kind == rules.SURVEY:
                link += "/survei"
            service = self._service_name(contact.service_code, language)
        if kind == rules.DEADLINE_MISSED:
            link = f"{self.base}/pengaduan/baru"
        outcome = rules.OUTCOMES.get(event.activity)
        due = event.payload.get("due_at") if event.payload else None
        when = datetime.fromisoformat(due) if due else contact.due_at
        task = (event.payload or {}).get("task")
        return {
            "number": format_code(number),
            "service": service,
            "agency": contact.agency,
            "outcome": getattr(outcome, language, "") if outcome else "",
            "reason": reasons.get(int(task), "") if task is not None else "",
            "link": link,
            "due": self._date(when, contact.agency, language) if when else "",
        }

    def _date(self, moment: datetime, agency: str, language: str) -> str:
        if agency not in self._zones:
            self._zones[agency] = catalogue.agency_tz(self.uow, agency)
        local = moment.astimezone(zone(self._zones[agency])).date()
        key = (local, language)
        if key not in self._dates:
            self._dates[key] = format_date(local, format="long", locale=language)
        return self._dates[key]

    def _service_name(self, code: str, language: str) -> str:
        if code not in self._services:
            self._services[code] = catalogue.get_standard(self.uow, code).standard.name
        name = self._services[code]
        return str(getattr(name, language, name))

    def _template(self, agency: str, kind: str, language: str) -> rules.Template:
        if self._templates is None:
            rows = self.uow.session.execute(select(MessageTemplate)).scalars()
            self._templates = {
                (t.agency, t.kind, t.language): rules.Template(t.subject, t.body) for t in rows
            }
        own = self._templates.get((agency, kind, language))
        return own or rules.DEFAULT_TEMPLATES[(kind, language if language == "en" else "id")]

    # --- to agency systems ------------------------------------------------------------

    def _webhooks(self) -> list[Webhook]:
        stmt = select(Webhook).where(Webhook.active.is_(True))
        return list(self.uow.session.execute(stmt).scalars())

    def _to_webhooks(
        self, event: Any, kind: str, hooks: list[Webhook], agency: str
    ) -> list[dict[str, Any]]:
        """To each active webhook of the agency that owns the case and asked for the kind."""
        rows = []
        for hook in hooks:
            if hook.agency != agency or (hook.event_types and kind not in hook.event_types):
                continue
            body = rules.webhook_body(
                event.id,
                kind,
                event.case_type,
                event.case_id,
                agency,
                event.timestamp.isoformat(),
                {"activity": event.activity},
            )
            row = self._row(
                event, kind, rules.WEBHOOK, hook.url, "id", rules.Template("", body.decode())
            )
            row["webhook_id"], row["agency"] = hook.id, agency
            row["key"] = rules.message_key(event.id, kind, rules.WEBHOOK, f"hook-{hook.id}")
            rows.append(row)
        return rows

    def _row(
        self,
        event: Any,
        kind: str,
        channel: str,
        recipient: str,
        language: str,
        message: rules.Template,
    ) -> dict[str, Any]:
        return {
            "key": rules.message_key(event.id, kind, channel, recipient),
            "event_id": event.id,
            "kind": kind,
            "case_type": event.case_type,
            "case_number": event.case_id,
            "agency": event.agency or "",
            "channel": channel,
            "recipient": recipient,
            "webhook_id": None,
            "language": language,
            "subject": message.subject[:300],
            "body": message.body,
            "status": rules.CREATED,
            "test": self.outbound.test,
            "attempts": 0,
            "next_attempt_at": self.now,
            "created_at": self.now,
            "sent_at": None,
            "last_error": None,
            "answer": None,
        }


def hold_cursor(uow: UnitOfWork) -> Any:
    """The outbox's cursor, held (waiting for a worker's batch) until the caller commits:
    for a bulk writer of past events nobody should be told of (`pass_over`)."""
    return locked_cursor(uow, NotifyCursor, EVENTS, wait=True)


def pass_over(held: Any, last_event: int) -> None:
    """Move a held cursor past the events a bulk writer appended: they make no messages."""
    if held is not None and last_event > held.last_id:
        held.last_id = last_event
