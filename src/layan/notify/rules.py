"""What reaches whom, and how: pure rules of the notify room (no database, no network).

A message is derived from one committed event of the log: the event's (case type,
activity) names a message *kind*, the kind has a template per channel and language, and
the message's idempotency key is the event's id with the kind, channel and recipient, so
deriving the same event twice never makes a second message and a gateway that is sent
the same key twice delivers once.

Messages carry only what the citizen needs to act: the tracking number, the service, what
happened and where to look. Never the PIN, the NIK or the applicant's name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layan.core.errors import Text

# --- channels and statuses -----------------------------------------------------------

# The applicant's channels (email, sms, whatsapp) are theirs to choose:
# `applications.rules.MESSAGE_CHANNELS`. Webhooks are the agencies'.
EMAIL, SMS, WHATSAPP, WEBHOOK = "email", "sms", "whatsapp", "webhook"

CREATED, SENDING, DELIVERED = "created", "sending", "delivered"
TEMPORARY_FAILURE, PERMANENT_FAILURE = "temporary_failure", "permanent_failure"
STATUSES = (CREATED, SENDING, DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE)
DUE = (CREATED, TEMPORARY_FAILURE, SENDING)  # sending: only once its lease has run out

# Seconds before each retry after a temporary failure; then the failure is permanent.
BACKOFF = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
# A message claimed by a worker that died is sent again (with the same key) after this.
LEASE_SECONDS = 300


def retry_after(attempts: int) -> int | None:
    """Seconds to wait after the `attempts`-th failed try; None when it is the last."""
    if attempts < 1 or attempts > len(BACKOFF):
        return None
    return BACKOFF[attempts - 1]


# --- which events make which messages -------------------------------------------------

SUBMITTED, RETURNED, RESUMED, DECIDED = "submitted", "returned", "resumed", "decided"
OUTPUT_ISSUED, DEADLINE_MISSED, SURVEY = "output_issued", "deadline_missed", "survey_invitation"
COMPLAINT_RECEIVED, COMPLAINT_ANSWERED = "complaint_received", "complaint_answered"
OFFICER_DIGEST = "officer_digest"  # daily, of an officer's overdue tasks (notify.digests)

# (case type, activity) of the log -> the message kinds it makes for the citizen.
KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("application", "submit"): (SUBMITTED,),
    ("application", "return"): (RETURNED,),
    ("application", "resubmit"): (RESUMED,),
    ("application", "approve"): (DECIDED, SURVEY),
    ("application", "reject"): (DECIDED, SURVEY),
    ("application", "output issued"): (OUTPUT_ISSUED,),
    ("application", "service time breached"): (DEADLINE_MISSED,),
    ("complaint", "submit"): (COMPLAINT_RECEIVED,),
    ("complaint", "resolve"): (COMPLAINT_ANSWERED,),
}
EVENT_TYPES = tuple(sorted({kind for kinds in KINDS.values() for kind in kinds}))


def kinds_of(case_type: str, activity: str) -> tuple[str, ...]:
    return KINDS.get((case_type, activity), ())


def message_key(event_id: int, kind: str, channel: str, recipient: str) -> str:
    """The message's idempotency key: the same event, kind, channel and recipient always
    give the same key (recipient hashed: the key travels to gateways)."""
    digest = hashlib.sha256(recipient.encode()).hexdigest()[:16]
    return f"{event_id}-{kind}-{channel}-{digest}"


# --- templates ------------------------------------------------------------------------

PLACEHOLDERS = ("number", "service", "agency", "outcome", "reason", "link", "due")


@dataclass(frozen=True)
class Template:
    subject: str  # emails only; SMS and WhatsApp send the body
    body: str


def _t(subject: str, body: str) -> Template:
    return Template(subject, body)


# Defaults per kind and language; an agency may replace any of them (notify.templates).
DEFAULT_TEMPLATES: dict[tuple[str, str], Template] = {
    (SUBMITTED, "id"): _t(
        "Permohonan {number} diterima",
        "Permohonan {service} Anda diterima dengan nomor {number}. "
        "Batas waktu layanan: {due}. Lacak di {link}",
    ),
    (SUBMITTED, "en"): _t(
        "Application {number} received",
        "Your application for {service} was received as {number}. "
        "Service deadline: {due}. Track it at {link}",
    ),
    (RETURNED, "id"): _t(
        "Permohonan {number} perlu dilengkapi",
        "Permohonan {number} dikembalikan untuk dilengkapi: {reason}. "
        "Waktu layanan berhenti sampai Anda melengkapinya di {link}",
    ),
    (RETURNED, "en"): _t(
        "Application {number} needs more from you",
        "Application {number} was returned to you: {reason}. "
        "The service clock stops until you complete it at {link}",
    ),
    (RESUMED, "id"): _t(
        "Permohonan {number} diproses kembali",
        "Kelengkapan permohonan {number} diterima; permohonan diproses kembali. {link}",
    ),
    (RESUMED, "en"): _t(
        "Application {number} is moving again",
        "What you sent for application {number} was received; it is being processed. {link}",
    ),
    (DECIDED, "id"): _t(
        "Permohonan {number}: {outcome}",
        "Permohonan {service} nomor {number} telah diputuskan: {outcome}. Rincian di {link}",
    ),
    (DECIDED, "en"): _t(
        "Application {number}: {outcome}",
        "Your application for {service}, {number}, was decided: {outcome}. Details at {link}",
    ),
    (OUTPUT_ISSUED, "id"): _t(
        "Dokumen permohonan {number} terbit",
        "Dokumen hasil layanan {service} untuk permohonan {number} telah terbit dan dapat "
        "diunduh di {link}",
    ),
    (OUTPUT_ISSUED, "en"): _t(
        "The document of application {number} is issued",
        "The document of {service} for application {number} is issued; download it at {link}",
    ),
    (DEADLINE_MISSED, "id"): _t(
        "Permohonan {number} melewati batas waktu",
        "Mohon maaf, permohonan {number} melewati batas waktu layanan. Permohonan tetap "
        "diproses dan pimpinan unit telah diberi tahu. Anda berhak mengadu di {link}",
    ),
    (DEADLINE_MISSED, "en"): _t(
        "Application {number} is past its deadline",
        "We are sorry: application {number} is past its service deadline. It is still being "
        "processed and the unit's head has been told. You may complain at {link}",
    ),
    (SURVEY, "id"): _t(
        "Bagaimana layanan {service}?",
        "Bantu kami memperbaiki layanan: isi survei kepuasan untuk permohonan {number} "
        "(5 menit, tanpa nama) di {link}",
    ),
    (SURVEY, "en"): _t(
        "How was {service}?",
        "Help us improve: answer the satisfaction survey for application {number} "
        "(5 minutes, anonymous) at {link}",
    ),
    (COMPLAINT_RECEIVED, "id"): _t(
        "Pengaduan {number} diterima",
        "Pengaduan Anda diterima dengan nomor {number} dan akan ditanggapi paling lambat "
        "{due}. Lacak di {link}",
    ),
    (COMPLAINT_RECEIVED, "en"): _t(
        "Complaint {number} received",
        "Your complaint was received as {number}; it will be answered by {due}. Track it at {link}",
    ),
    (COMPLAINT_ANSWERED, "id"): _t(
        "Pengaduan {number} telah ditanggapi",
        "Pengaduan {number} telah ditanggapi. Baca tanggapannya dan beri penilaian di {link}",
    ),
    (COMPLAINT_ANSWERED, "en"): _t(
        "Complaint {number} was answered",
        "Complaint {number} was answered. Read the answer and rate it at {link}",
    ),
}

OUTCOMES = {
    "approve": Text("disetujui", "approved"),
    "reject": Text("ditolak", "refused"),
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in a template that no message fills ({nik}, {pin}, typos), or that
    ask for more than the value ({number:>999}, {number!r}, {number.upper}): each is
    refused. ValueError for unbalanced braces."""
    found = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if (name not in PLACEHOLDERS or spec or conversion) and shown not in found:
            found.append(shown)
    return found


def render(template: Template, values: Mapping[str, str]) -> Template:
    """The template with its placeholders filled (a missing value reads as empty)."""
    filled = _Blank({k: str(v) for k, v in values.items() if k in PLACEHOLDERS})
    return Template(
        template.subject.format_map(filled).strip(), template.body.format_map(filled).strip()
    )


STOP_LINE = Text(
    "Tidak ingin menerima pesan tentang permohonan ini lagi? {link}",
    "No more messages about this application? {link}",
)


def with_stop_link(message: Template, link: str, language: str) -> Template:
    """An email's foot: the link that stops every message about the case."""
    line = STOP_LINE(language).format(link=link)
    return Template(message.subject, f"{message.body}\n\n--\n{line}")


SMS_MOST = 459  # three SMS segments of 153 characters


def for_channel(channel: str, message: Template) -> Template:
    """What a channel carries: SMS bodies cut to three segments."""
    if channel == SMS and len(message.body) > SMS_MOST:
        return Template(message.subject, message.body[: SMS_MOST - 1] + "…")
    return message


# --- webhooks ---------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Layan-Signature"
# A receiver refuses a delivery signed longer ago than this (replay protection).
WEBHOOK_TOLERANCE_SECONDS = 300


def webhook_body(
    event_id: int,
    kind: str,
    case_type: str,
    number: str,
    agency: str,
    at: str,
    data: Mapping[str, Any],
) -> bytes:
    """The JSON a webhook delivers: the event's identity and what the agency's system
    needs to fetch the rest, never personal data."""
    document = {
        "id": event_id,
        "type": kind,
        "case_type": case_type,
        "number": number,
        "agency": agency,
        "occurred_at": at,
        "data": dict(data),
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`, as Stripe signs."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_webhook(
    secret: str, header: str, body: bytes, now: int, tolerance: int = WEBHOOK_TOLERANCE_SECONDS
) -> bool:
    """What a receiving system checks: the signature matches and is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign_webhook(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
