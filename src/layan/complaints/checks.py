"""What a complaint may contain: plain text, a place in the regency, safe files, a reporter.

Every check names the field it refuses, so a form and the API point at the exact input,
and a submission is checked whole so that every problem is reported at once. Pure: no
database, no web.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from layan.catalogue.rules import normalise_email, normalise_phone, sniff_file_type
from layan.complaints.rules import (
    DUPLICATE_RADIUS_M,
    REGENCY_BOUNDS,
    Kind,
    Privacy,
    find_category,
    normalise_tracking_number,
)
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.identity import InvalidNikError, parse_nik

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 10
MAX_TITLE = 150
MAX_ADDRESS = 300
MAX_TEXT = 4000  # follow-ups, resolutions, the reporter's answers
MAX_NAME = 200
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
CHANNELS = ("web", "api", "open311", "counter", "sms")

# A tag, a comment or a processing instruction: "<b", "</p", "<!--", "<?php". A "<" with
# a space, a digit or "=" after it ("< 5", "<3", "<=") is prose and passes.
_MARKUP = re.compile(r"<(?:/?[A-Za-z]|[!?])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Leading bytes of programs: refused with their own message, whatever the file's name.
_EXECUTABLE = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"PK\x03\x04")
REFUSED = Text(
    "Pengaduan belum dapat diterima: periksa isian yang ditandai",
    "The complaint cannot be accepted yet: check the marked fields",
)
INVALID = Text("Isian belum benar: periksa yang ditandai", "Check the marked fields")


def _error(name: str, code: str, id_: str, en: str) -> FieldError:
    return FieldError(name, code, Text(id_, en))


# --- text -------------------------------------------------------------------------------


def check_text(
    name: str,
    value: object,
    *,
    max_len: int,
    required: bool = True,
    min_len: int = 0,
    multiline: bool = True,
) -> tuple[str | None, FieldError | None]:
    """Plain text, trimmed (one line unless `multiline`), or the problem with it.

    Markup is refused rather than escaped away: what a reporter writes is shown to the
    public and officers exactly as written, so it must be text, not a page fragment.
    """
    text = unicodedata.normalize("NFC", value) if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    if not text:
        if required:
            return None, _error(name, "required", "Wajib diisi", "This is required")
        return None, None
    if len(text) > max_len:
        return None, _error(
            name,
            "too_long",
            f"Paling banyak {max_len} karakter (sekarang {len(text)})",
            f"At most {max_len} characters (now {len(text)})",
        )
    if len(text) < min_len:
        return None, _error(
            name,
            "too_short",
            f"Paling sedikit {min_len} karakter",
            f"At least {min_len} characters",
        )
    if _MARKUP.search(text):
        return None, _error(
            name,
            "markup",
            "Tulis sebagai teks biasa: tag HTML seperti <b> atau <script> tidak diterima",
            "Write plain text: HTML tags such as <b> or <script> are not accepted",
        )
    if _CONTROL.search(text):
        return None, _error(
            name,
            "control",
            "Berisi karakter yang tidak dapat ditampilkan",
            "Contains characters that cannot be shown",
        )
    return text, None


def require_text(name: str, value: object, *, max_len: int = MAX_TEXT, min_len: int = 0) -> str:
    """One required text field, or ValidationFailedError naming it."""
    text, problem = check_text(name, value, max_len=max_len, min_len=min_len)
    if problem is not None or text is None:
        raise ValidationFailedError(INVALID, "invalid", [problem] if problem else [])
    return text


# --- the place --------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where the problem is: a point, an address, both or neither."""

    lat: float | None = None
    lon: float | None = None
    address: str | None = None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


def _coordinate(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a coordinate is a number")
    number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError("a coordinate is a finite number")
    return number


def in_regency(lat: float, lon: float) -> bool:
    south, north, west, east = REGENCY_BOUNDS
    return south <= lat <= north and west <= lon <= east


def check_location(
    lat: object, lon: object, address: object, *, required: bool
) -> tuple[Location, list[FieldError]]:
    """A point inside the regency and/or an address; both halves of a point or neither."""
    errors: list[FieldError] = []
    point: list[float | None] = []
    for name, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            number = _coordinate(value)
        except (TypeError, ValueError):
            number = None
            errors.append(
                _error(f"location.{name}", "number", "Harus berupa angka", "Must be a number")
            )
        else:
            if number is not None and abs(number) > limit:
                errors.append(
                    _error(f"location.{name}", "range", "Di luar rentang", "Out of range")
                )
                number = None
        point.append(number)
    text, problem = check_text(
        "location.address", address, max_len=MAX_ADDRESS, required=False, multiline=False
    )
    errors += [problem] if problem else []
    found = Location(point[0], point[1], text)
    if errors:
        return found, errors
    if (found.lat is None) != (found.lon is None):
        missing = "location.lon" if found.lon is None else "location.lat"
        errors.append(
            _error(
                missing,
                "required",
                "Lintang dan bujur harus diisi keduanya",
                "Give both latitude and longitude",
            )
        )
    elif found.has_point and not in_regency(found.lat, found.lon):  # type: ignore[arg-type]
        errors.append(
            _error(
                "location",
                "outside",
                "Lokasi di luar wilayah kabupaten ini; sampaikan ke pemerintah daerah setempat",
                "The place is outside this regency; report it to the local government there",
            )
        )
    elif required and not found.has_point and not found.address:
        errors.append(
            _error(
                "location",
                "required",
                "Tandai lokasi di peta atau tulis alamatnya",
                "Mark the place on the map or write its address",
            )
        )
    return found, errors


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points on the earth (haversine, mean radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def around(lat: float, lon: float, radius_m: float = DUPLICATE_RADIUS_M) -> tuple[float, ...]:
    """A box (south, north, west, east) holding every point within `radius_m`, for an index."""
    dlat = radius_m / 111_000 * 1.01
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


_ABBREVIATIONS = {"jl": "jalan", "jln": "jalan", "gg": "gang", "no": "nomor", "kel": "kelurahan"}


def normalise_address(address: str | None) -> str:
    """An address as compared for duplicates: "Jl. Merdeka No.5" equals "jalan merdeka nomor 5"."""
    words = re.sub(r"[^\w]+", " ", (address or "").lower()).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def same_place(a: Location, b: Location, radius_m: float = DUPLICATE_RADIUS_M) -> bool:
    """Within `radius_m` of each other, or at the same address."""
    if a.has_point and b.has_point:
        if distance_m(a.lat, a.lon, b.lat, b.lon) <= radius_m:  # type: ignore[arg-type]
            return True
    first, second = normalise_address(a.address), normalise_address(b.address)
    return bool(first) and first == second


# --- files ------------------------------------------------------------------------------


def check_attachment(name: str, size: int, head: bytes) -> tuple[str | None, FieldError | None]:
    """The file's type ("jpg", "png", "pdf") by its first bytes, or why it is refused."""
    if size > MAX_ATTACHMENT_BYTES:
        mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        return None, _error(
            name, "file.too_large", f"Berkas lebih dari {mb} MB", f"File larger than {mb} MB"
        )
    if size == 0:
        return None, _error(name, "file.empty", "Berkas kosong", "The file is empty")
    if head.startswith(_EXECUTABLE):
        return None, _error(
            name,
            "file.executable",
            "Berkas program tidak diterima; kirim foto JPG/PNG atau PDF",
            "Program files are refused; send a JPG/PNG photo or a PDF",
        )
    kind = sniff_file_type(head)
    if kind not in CONTENT_TYPES:
        return None, _error(
            name,
            "file.type",
            "Hanya foto JPG/PNG atau dokumen PDF yang diterima",
            "Only JPG/PNG photos or PDF documents are accepted",
        )
    return kind, None


def check_attachments(
    files: Mapping[str, tuple[int, bytes]],
) -> tuple[dict[str, str], list[FieldError]]:
    """Each file (by field name: size, first bytes) checked; at most MAX_ATTACHMENTS."""
    kinds: dict[str, str] = {}
    errors: list[FieldError] = []
    if len(files) > MAX_ATTACHMENTS:
        errors.append(
            _error(
                "files",
                "files.too_many",
                f"Paling banyak {MAX_ATTACHMENTS} berkas",
                f"At most {MAX_ATTACHMENTS} files",
            )
        )
    for name, (size, head) in files.items():
        kind, problem = check_attachment(name, size, head)
        if problem:
            errors.append(problem)
        elif kind:
            kinds[name] = kind
    return kinds, errors


# --- the reporter -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reporter:
    """Who reported, all optional: a complaint needs no identity to be heard."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.name or self.phone or self.email or self.nik)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_reporter(reporter: Reporter) -> tuple[Reporter, list[FieldError]]:
    errors: list[FieldError] = []
    name, problem = check_text(
        "reporter.name", reporter.name, max_len=MAX_NAME, required=False, multiline=False
    )
    errors += [problem] if problem else []
    phone = None if _blank(reporter.phone) else normalise_phone(reporter.phone)
    if phone is None and not _blank(reporter.phone):
        errors.append(
            _error(
                "reporter.phone",
                "phone.invalid",
                "Nomor HP tidak sah (contoh: 081234567890)",
                "Invalid phone number (e.g. 081234567890)",
            )
        )
    email = None if _blank(reporter.email) else normalise_email(reporter.email)
    if email is None and not _blank(reporter.email):
        errors.append(
            _error("reporter.email", "email.invalid", "Alamat email tidak sah", "Invalid email")
        )
    nik = None
    if not _blank(reporter.nik):
        try:
            nik = parse_nik(str(reporter.nik)).value
        except InvalidNikError as exc:
            errors.append(FieldError("reporter.nik", f"nik.{exc.code}", exc.text))
    return Reporter(name, phone, email, nik), errors


# --- a whole submission -----------------------------------------------------------------


@dataclass(frozen=True)
class NewComplaint:
    """A complaint as it arrives from any channel, before it is checked."""

    kind: str
    category: str
    description: str
    title: str | None = None
    location: Location = field(default_factory=Location)
    application_number: str | None = None
    privacy: str = Privacy.PUBLIC
    reporter: Reporter = field(default_factory=Reporter)
    channel: str = "web"


def _choice(name: str, value: object, allowed: tuple[str, ...], text: Text) -> FieldError | None:
    return (
        None if isinstance(value, str) and value in allowed else FieldError(name, "unknown", text)
    )


def check_complaint(
    new: NewComplaint, files: Mapping[str, tuple[int, bytes]]
) -> tuple[NewComplaint, dict[str, str]]:
    """The complaint cleaned and the files' types; every problem at once otherwise."""
    errors = [
        e
        for e in (
            _choice(
                "kind", new.kind, Kind.ALL, Text("Jenis laporan tidak dikenal", "Unknown kind")
            ),
            _choice(
                "privacy",
                new.privacy,
                Privacy.ALL,
                Text("Pilihan privasi tidak dikenal", "Unknown privacy"),
            ),
            _choice(
                "channel", new.channel, CHANNELS, Text("Kanal tidak dikenal", "Unknown channel")
            ),
        )
        if e
    ]
    category = find_category(new.category)
    if category is None:
        errors.append(_error("category", "unknown", "Kategori tidak dikenal", "Unknown category"))
    description, problem = check_text(
        "description", new.description, max_len=MAX_DESCRIPTION, min_len=MIN_DESCRIPTION
    )
    errors += [problem] if problem else []
    title, problem = check_text(
        "title", new.title, max_len=MAX_TITLE, required=False, multiline=False
    )
    errors += [problem] if problem else []
    where = new.location
    location, problems = check_location(
        where.lat, where.lon, where.address, required=bool(category and category.needs_location)
    )
    errors += problems
    number = None
    if not _blank(new.application_number):
        number = normalise_tracking_number(str(new.application_number))
        if number is None:
            errors.append(
                _error(
                    "application_number",
                    "tracking_number.invalid",
                    "Nomor permohonan tidak sah; periksa lagi ke-12 karakternya",
                    "Not a valid application number; check its 12 characters",
                )
            )
    reporter, problems = check_reporter(new.reporter)
    errors += problems
    kinds, problems = check_attachments(files)
    errors += problems
    if errors:
        raise ValidationFailedError(REFUSED, "invalid", errors)
    cleaned = replace(
        new,
        description=description or "",
        title=title,
        location=location,
        application_number=number,
        reporter=reporter,
    )
    return cleaned, kinds
