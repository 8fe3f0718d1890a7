"""Pure rules of the Open311 GeoReport v2 face: formats, dates, states, attributes, XML.

Complaint categories are Open311 services and complaints are service requests; what a
request may contain is decided by `complaints.checks`, so the rules live in one place.
No database and no web here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from layan.complaints.rules import Kind, Privacy
from layan.core.errors import Text

FORMATS = {"json": "application/json", "xml": "text/xml"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00Z"  # when this face last changed
MAX_WINDOW = timedelta(days=90)  # the most a request list spans, and its default
DEFAULT_ZONE = "Asia/Jakarta"  # a date or time given without an offset is read here
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 50  # service_request_id values in one call

# The singular name of each element of a list, as the specification's XML writes them.
SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def parse_states(value: str | None) -> tuple[str | None, bool]:
    """The state filter ("open", "closed" or None for both) and whether the value is valid."""
    if value is None or not value.strip():
        return None, True
    states = {s.strip().lower() for s in value.split(",") if s.strip()}
    if not states or not states <= {"open", "closed"}:
        return None, False
    return (states.pop() if len(states) == 1 else None), True


def split_list(value: str | None) -> list[str]:
    """A comma-delimited parameter as its distinct values, in order."""
    seen: list[str] = []
    for part in (value or "").split(","):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


# --- time ---------------------------------------------------------------------------------


def w3c(moment: datetime | None, tz: str = DEFAULT_ZONE) -> str | None:
    """A moment in W3C format with the agency's offset: 2026-06-02T08:00:00+07:00."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def parse_w3c(value: str, tz: str = DEFAULT_ZONE) -> datetime | None:
    """A W3C date or datetime as an aware UTC moment; None when it is not one.

    A date alone ("2026-06-02") is its midnight, and a time without an offset is read
    in `tz`, the regency's zone.
    """
    text = value.strip()
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace(" ", "+"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


def request_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime] | Text:
    """The span a request list covers: the last 90 days by default, never more than 90."""
    if start is None and end is None:
        return now - MAX_WINDOW, now
    if start is None:
        start = end - MAX_WINDOW  # type: ignore[operator]
    if end is None:
        end = min(start + MAX_WINDOW, max(now, start))
    if end < start:
        return Text("end_date harus sesudah start_date", "end_date must not be before start_date")
    if end - start > MAX_WINDOW:
        return Text(
            "Rentang start_date sampai end_date paling lama 90 hari",
            "start_date to end_date may span at most 90 days",
        )
    return start, end


STAGES: dict[str, Text] = {
    "verification": Text("Diverifikasi", "To be verified"),
    "follow_up": Text("Ditindaklanjuti", "To be followed up"),
    "resolution": Text("Diselesaikan", "To be resolved"),
    "appeal": Text("Banding diputus", "Appeal to be settled"),
}


def deadline_notice(stage: str, due: datetime, tz: str, language: str) -> str:
    """A deadline in words: "Diverifikasi paling lambat Jumat, 5 Juni 2026 16.00"."""
    locale = "en_GB" if language == "en" else "id_ID"
    when = format_datetime(due, "EEEE, d MMMM y HH.mm", tzinfo=ZoneInfo(tz), locale=locale)
    label = STAGES.get(stage, Text(stage, stage))(language)
    zone = ZONE_NAMES.get(tz, tz)
    return f"{label} {'by' if language == 'en' else 'paling lambat'} {when} {zone}"


ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


# --- services and their attributes ------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    """One attribute of a service definition: a question the client asks the reporter."""

    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    description: Text
    datatype_description: Text | None = None
    values: tuple[tuple[str, Text], ...] = ()

    def as_dict(self, order: int, language: str) -> dict[str, Any]:
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": (
                self.datatype_description(language) if self.datatype_description else None
            ),
            "order": order,
            "description": self.description(language),
            "values": [{"key": key, "name": name(language)} for key, name in self.values],
        }


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "kind",
        "singlevaluelist",
        False,
        Text("Jenis laporan (bawaan: pengaduan)", "What is reported (default: pengaduan)"),
        values=(
            (Kind.COMPLAINT, Text("Pengaduan", "Complaint")),
            (Kind.ASPIRATION, Text("Aspirasi", "Suggestion")),
            (Kind.INFORMATION, Text("Permintaan informasi", "Request for information")),
        ),
    ),
    Attribute(
        "privacy",
        "singlevaluelist",
        False,
        Text("Siapa yang boleh melihat (bawaan: publik)", "Who may see it (default: public)"),
        values=(
            (Privacy.PUBLIC, Text("Publik, dengan nama pelapor", "Public, with the name")),
            (Privacy.ANONYMOUS, Text("Publik, pelapor dirahasiakan", "Public, reporter hidden")),
            (Privacy.CONFIDENTIAL, Text("Rahasia, tidak dipublikasikan", "Confidential")),
        ),
    ),
    Attribute(
        "title",
        "string",
        False,
        Text("Judul singkat laporan", "A short title"),
        Text("Paling banyak 150 karakter", "At most 150 characters"),
    ),
    Attribute(
        "application_number",
        "string",
        False,
        Text("Nomor permohonan layanan yang diadukan", "The application complained about"),
        Text("12 karakter nomor permohonan Layan", "The 12-character Layan application number"),
    ),
)
ATTRIBUTE_DEFAULTS = {"kind": Kind.COMPLAINT, "privacy": Privacy.PUBLIC}


def attribute_values(form: Mapping[str, str]) -> dict[str, str]:
    """The attribute[code] fields of a request, with the defaults of those not given."""
    found = dict(ATTRIBUTE_DEFAULTS)
    for attribute in ATTRIBUTES:
        value = form.get(f"attribute[{attribute.code}]")
        if value is not None and value.strip():
            found[attribute.code] = value.strip()
    return found


# The complaint's field names as an Open311 client knows them, for error descriptions.
FIELD_NAMES = {
    "category": "service_code",
    "location": "lat/long",
    "location.lat": "lat",
    "location.lon": "long",
    "location.address": "address_string",
    "reporter.name": "first_name",
    "reporter.email": "email",
    "reporter.phone": "phone",
    "kind": "attribute[kind]",
    "privacy": "attribute[privacy]",
    "title": "attribute[title]",
    "application_number": "attribute[application_number]",
}


def open311_field(name: str) -> str:
    return FIELD_NAMES.get(name, name)


# An update's kind (complaints' own words) as the status it leaves the request in.
UPDATE_STATUS = {
    "verified": "open",
    "question": "open",
    "disposed": "open",
    "follow_up": "open",
    "appeal_reopened": "open",
    "resolution": "closed",
    "forwarded": "closed",
    "archived": "closed",
    "duplicate": "closed",
    "appeal_upheld": "closed",
}

UPDATE_DESCRIPTIONS: dict[str, Text] = {
    "verified": Text("Laporan diverifikasi", "The report was verified"),
    "question": Text("Pelapor diminta melengkapi laporan", "The reporter was asked for more"),
    "disposed": Text("Diteruskan ke unit yang menangani", "Passed to the responsible unit"),
    "follow_up": Text("Tindak lanjut", "Follow-up"),
    "resolution": Text("Selesai ditangani", "Resolved"),
    "forwarded": Text("Diteruskan ke instansi lain", "Forwarded to another body"),
    "archived": Text("Diarsipkan", "Archived"),
    "duplicate": Text("Sama dengan laporan lain", "A duplicate of another report"),
    "appeal_upheld": Text("Banding diputus: penyelesaian dikuatkan", "Appeal: resolution upheld"),
    "appeal_reopened": Text("Banding diputus: dibuka kembali", "Appeal: reopened"),
}


def update_id(service_request_id: str, position: int) -> str:
    """A stable id of a request's update: its request and its place among the updates."""
    return f"{service_request_id}-{position}"


# --- rendering ----------------------------------------------------------------------------


def error_list(status: int, descriptions: list[str]) -> list[dict[str, Any]]:
    """The specification's error array: one {code, description} per problem."""
    return [{"code": status, "description": d} for d in descriptions] or [
        {"code": status, "description": "error"}
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fill(parent: ET.Element, key: str, value: Any) -> None:
    element = ET.SubElement(parent, key)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _fill(element, k, v)
    elif isinstance(value, list | tuple):
        child = SINGULAR.get(key, "item")
        for item in value:
            _fill(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    """The specification's XML: a list under its plural root, an object under its own root.

    `<services><service>...</service></services>`, `<errors><error>...`, or for an object
    `<discovery><changeset>...`, `<service_definition>...`.
    """
    element = ET.Element(root)
    if isinstance(body, list | tuple):
        child = SINGULAR.get(root, "item")
        for item in body:
            _fill(element, child, item)
    else:
        for key, value in body.items():
            _fill(element, key, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)
