"""Pure rules of applications: tracking numbers, PINs, statuses, decisions, the clock.

No database and no web here: these functions are the specification, tested directly.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from layan.catalogue.rules import Duration, ServiceStandard, sniff_file_type
from layan.core.calendar import WorkingCalendar
from layan.core.codes import format_code, new_code, normalise_code
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.identity import InvalidNikError, nik_warnings, parse_nik


class Status:
    """Where an application stands."""

    IN_PROCESS = "in_process"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    FINAL = frozenset({APPROVED, REJECTED})


class TaskStatus:
    """Where one step's task stands."""

    OPEN = "open"
    CLAIMED = "claimed"
    PAUSED = "paused"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    ACTIVE = frozenset({OPEN, CLAIMED})


OUTCOMES = ("approve", "return", "reject")


def is_overdue(status: str, due_at: datetime, decided_at: datetime | None, now: datetime) -> bool:
    """Whether a step is (or was decided) past its deadline.

    A paused step (its application returned to the applicant) has its clock stopped, and
    a cancelled one no longer runs: neither is late, whatever its old deadline says.
    """
    if status in (TaskStatus.PAUSED, TaskStatus.CANCELLED):
        return False
    return (decided_at or now) > due_at


# A tracking number is a reference code (`layan.core.codes`): read aloud, typed, checked.
new_tracking_number = new_code
normalise_tracking_number = normalise_code
format_tracking_number = format_code


def tracking_pin(secret: str, tracking_number: str) -> str:
    """The six-digit PIN that opens an application, derived so it is never stored.

    Knowing the PIN needs the server's secret; the tracking number alone shows only the
    status, never personal data.
    """
    mac = hmac.new(secret.encode(), f"pin:{tracking_number}".encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 1_000_000:06d}"


def pin_matches(secret: str, tracking_number: str, pin: str | None) -> bool:
    return pin is not None and hmac.compare_digest(tracking_pin(secret, tracking_number), pin)


def stage_done(tasks: Iterable[tuple[str, str]]) -> bool:
    """Whether a stage is done, from its tasks as (step code, status) in the order they
    were made: the newest task of each step decides (a step reopened after a return has
    a newer task), cancelled ones aside, and every step's must be approved."""
    latest = {step: status for step, status in tasks if status != TaskStatus.CANCELLED}
    return bool(latest) and all(status == TaskStatus.APPROVED for status in latest.values())


def deadline(calendar: WorkingCalendar, start: datetime, sla: Duration, *, cuti: bool) -> datetime:
    """When a step or a service time given as working days and hours runs out."""
    if sla.days:
        end = calendar.add_working_days(start, sla.days, collective_leave_stops_clock=cuti)
        if sla.hours:
            end = calendar.add_working_hours(end, sla.hours, collective_leave_stops_clock=cuti)
        return end
    return calendar.add_working_hours(start, sla.hours, collective_leave_stops_clock=cuti)


def seconds_left(calendar: WorkingCalendar, now: datetime, due: datetime, *, cuti: bool) -> float:
    """Working time left before `due` (negative when overdue): what a paused clock keeps."""
    return calendar.working_seconds_between(now, due, collective_leave_stops_clock=cuti)


def resumed_deadline(
    calendar: WorkingCalendar, now: datetime, left: float, *, cuti: bool
) -> datetime:
    """The deadline once a stopped clock runs again with `left` working seconds."""
    if left <= 0:
        return now + timedelta(seconds=left)
    return calendar.add_working_seconds(now, left, collective_leave_stops_clock=cuti)


BIRTH_DATE_FIELDS = ("birth_date", "tanggal_lahir")


def identity_flags(nik: str, data: dict[str, object]) -> list[dict[str, str]]:
    """Warnings about the applicant's NIK against what the form states, for officers."""
    try:
        parsed = parse_nik(nik)
    except InvalidNikError:
        return []
    stated = next((data[k] for k in BIRTH_DATE_FIELDS if isinstance(data.get(k), str)), None)
    birth_date = date.fromisoformat(stated) if isinstance(stated, str) else None
    return [
        {"code": "nik.mismatch", "id": text.id, "en": text.en}
        for text in nik_warnings(parsed, birth_date=birth_date)
    ]


@dataclass(frozen=True)
class Decision:
    """An officer's decision on a task."""

    outcome: str
    reason: str | None = None
    legal_basis: str | None = None


def check_decision(decision: Decision) -> Decision:
    """Refuse a decision without what the law asks of it: a reason, and a legal basis to reject."""
    errors = []
    reason = (decision.reason or "").strip() or None
    basis = (decision.legal_basis or "").strip() or None
    if decision.outcome not in OUTCOMES:
        errors.append(
            FieldError(
                "outcome",
                "outcome.unknown",
                Text(
                    "Keputusan harus approve, return, atau reject",
                    "Outcome must be approve, return or reject",
                ),
            )
        )
    if decision.outcome in ("return", "reject") and not reason:
        errors.append(
            FieldError(
                "reason",
                "reason.required",
                Text(
                    "Alasan wajib diisi untuk mengembalikan atau menolak",
                    "A reason is required to return or reject",
                ),
            )
        )
    if decision.outcome == "reject" and not basis:
        errors.append(
            FieldError(
                "legal_basis",
                "legal_basis.required",
                Text(
                    "Dasar hukum wajib diisi untuk menolak", "A legal basis is required to reject"
                ),
            )
        )
    if errors:
        raise ValidationFailedError(
            Text("Keputusan belum lengkap", "The decision is incomplete"), "invalid", errors
        )
    return Decision(decision.outcome, reason, basis)


def working_time_left(seconds: float, hours_per_day: float, *, overdue: bool) -> Text:
    """Working time to a deadline as words, in the unit's working days of `hours_per_day`.

    "2 hari kerja 3 jam lagi" / "2 working days 3 hours left" before the deadline,
    "terlambat 1 hari kerja" / "1 working day late" after it. Minutes are shown only when
    less than an hour is left, so the words stay short.
    """
    span = abs(seconds)
    day_seconds = max(hours_per_day, 0.25) * 3600
    days, rest = divmod(int(span), int(day_seconds))
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60 if not (days or hours) else 0
    ids, ens = [], []
    if days:
        ids.append(f"{days} hari kerja")
        ens.append(f"{days} working day{'s' if days != 1 else ''}")
    if hours:
        ids.append(f"{hours} jam")
        ens.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        ids.append(f"{minutes} menit")
        ens.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if overdue:
        if not ids:
            return Text("terlambat", "late")
        return Text("terlambat " + " ".join(ids), " ".join(ens) + " late")
    if not ids:
        return Text("kurang dari 1 menit lagi", "less than a minute left")
    return Text(" ".join(ids) + " lagi", " ".join(ens) + " left")


# The types a document may be shown inline as, told by its first bytes (never by the
# name or the type the uploader claimed).
INLINE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def inline_type(head: bytes) -> str | None:
    """The content type to show a stored document inline with, or None to only download it."""
    kind = sniff_file_type(head)
    return INLINE_TYPES.get(kind) if kind else None


def document_kind(filename: str, content_type: str) -> str:
    """How a page shows a document: "image", "pdf" or "other" (a link only)."""
    name, declared = filename.lower(), content_type.lower()
    if name.endswith(".pdf") or declared.endswith("/pdf"):
        return "pdf"
    if name.endswith((".png", ".jpg", ".jpeg")) or declared.endswith(("/png", "/jpeg", "/jpg")):
        return "image"
    return "other"


def labels(standard: ServiceStandard) -> dict[str, Any]:
    """The label of every requirement, form field and document slot of a standard, by code."""
    found: dict[str, Any] = {r.code: r.name for r in standard.requirements}
    found.update({f.code: f.label for f in standard.form})
    found.update({s.code: s.label for s in standard.document_slots()})
    return found


# --- drafts: what a registry left waiting ---------------------------------------------

PROBLEMS = {
    "not_found": Text(
        "tidak ditemukan di registri; unggah dokumennya untuk melengkapi permohonan",
        "not found in the registry; upload the document to complete the application",
    ),
    "unavailable": Text(
        "registri sedang tidak dapat dihubungi; permohonan Anda disimpan sebagai draf, coba "
        "kirim lagi nanti atau unggah dokumennya",
        "the registry cannot be reached now; your application is kept as a draft: send it "
        "again later or upload the document",
    ),
}


@dataclass(frozen=True)
class Pending:
    """A requirement a draft waits on: its registry, and why (not found, unavailable)."""

    requirement: str
    registry: str
    problem: str

    def text(self, standard: ServiceStandard) -> Text:
        req = next((r for r in standard.requirements if r.code == self.requirement), None)
        name = req.name if req else None
        reason = PROBLEMS.get(self.problem, PROBLEMS["unavailable"])
        label_id = name.id if name else self.requirement
        label_en = name.en if name else self.requirement
        return Text(f"{label_id}: {reason.id}", f"{label_en}: {reason.en}")


# What `layan privacy purge` leaves in place of erased personal data.
ERASED = "(dihapus)"


# --- messages to the applicant ----------------------------------------------------------

# The channels an applicant may choose for messages about their application (`notify`).
MESSAGE_CHANNELS = ("email", "sms", "whatsapp")
DEFAULT_MESSAGE_CHANNELS = ("email",)


def channels_in_use(chosen: Iterable[str] | None) -> tuple[str, ...]:
    """The channels messages go by: the applicant's choice, or the default when none."""
    return DEFAULT_MESSAGE_CHANNELS if chosen is None else tuple(chosen)


def check_channels(
    chosen: Iterable[str] | None,
) -> tuple[tuple[str, ...] | None, list[FieldError]]:
    """The applicant's choice of channels in a fixed order, or an error naming the field.
    None keeps the default (email); an empty choice means no messages."""
    if chosen is None:
        return None, []
    chosen = list(chosen)
    unknown = [c for c in chosen if c not in MESSAGE_CHANNELS]
    if unknown:
        listed = ", ".join(MESSAGE_CHANNELS)
        return None, [
            FieldError(
                "applicant.channels",
                "channels.unknown",
                Text(
                    f"Saluran pesan tidak dikenal: {', '.join(unknown)} (pilih dari {listed})",
                    f"Unknown message channel: {', '.join(unknown)} (choose from {listed})",
                ),
            )
        ]
    return tuple(c for c in MESSAGE_CHANNELS if c in chosen), []
