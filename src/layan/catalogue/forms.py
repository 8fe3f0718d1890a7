"""Checking an application against its standard's form and document requirements.

Every problem is collected and reported at once, each naming the field in Indonesian and
English, so an applicant fixes everything in one round instead of one error at a time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from layan.catalogue.standard import DocumentSlot, FormField, ServiceStandard, condition_holds
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.identity import InvalidNikError, parse_nik


@dataclass(frozen=True)
class UploadedFile:
    """What is known of an uploaded part before it is stored: name, size, first bytes.

    `kept` marks a document accepted with an earlier submission (when a returned
    application is corrected): it counts as given and is not checked again.
    """

    filename: str
    content_type: str
    size: int
    head: bytes
    kept: bool = False


# Leading bytes of each accepted file type; "jpeg" is the same type as "jpg".
MAGIC: tuple[tuple[str, bytes], ...] = (
    ("pdf", b"%PDF"),
    ("jpg", b"\xff\xd8\xff"),
    ("png", b"\x89PNG"),
)
_SAME_TYPE = {"jpeg": "jpg"}

INVALID = Text(
    id="Permohonan belum lengkap atau ada isian yang tidak valid.",
    en="The application is incomplete or has invalid entries.",
)

_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_LOCAL_DATE = re.compile(r"([0-9]{2})[/-]([0-9]{2})[/-]([0-9]{4})")  # 17/08/1990, 17-08-1990
# Mobile 08xx (10-13 digits) or +628xx; landline with area code 02x-09xx (9-12 digits).
_PHONE = re.compile(r"(0|\+62)(8[1-9][0-9]{7,10}|[2-79][0-9]{7,10})")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def sniff_file_type(head: bytes) -> str | None:
    """The file type ("pdf", "jpg", "png") its leading bytes show, or None."""
    for kind, magic in MAGIC:
        if head.startswith(magic):
            return kind
    return None


class _Invalid(Exception):
    def __init__(self, code: str, text: Text) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


def _fail(code: str, id_: str, en: str) -> _Invalid:
    return _Invalid(code, Text(id=id_, en=en))


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- one cleaner per field type: raw input in, clean value out, or _Invalid -----------------


def _clean_text(f: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _fail("field.type", f"{f.label.id} harus berupa teks", f"{f.label.en} must be text")
    value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n")).strip()
    if any(
        (unicodedata.category(c) == "Cc" and c not in "\t\n") or c in _BIDI_CONTROLS for c in value
    ):
        raise _fail(
            "text.control_chars",
            f"{f.label.id} berisi karakter yang tidak diizinkan",
            f"{f.label.en} contains characters that are not allowed",
        )
    if len(value) > f.max_length:
        raise _fail(
            "text.too_long",
            f"{f.label.id} paling panjang {f.max_length} karakter",
            f"{f.label.en} must be at most {f.max_length} characters",
        )
    return value


def _to_number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        value = float(raw) if isinstance(raw, Decimal) else raw
    elif isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        text = raw.strip().replace(",", ".")
        value = float(text) if "." in text else int(text)
    else:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return int(value)
    return value


def _clean_number(f: FormField, raw: Any) -> int | float:
    value = _to_number(raw)
    label_id, label_en = f.label.id, f.label.en
    if value is None:
        raise _fail("field.type", f"{label_id} harus berupa angka", f"{label_en} must be a number")
    if f.integer and not isinstance(value, int):
        raise _fail(
            "number.integer",
            f"{label_id} harus bilangan bulat",
            f"{label_en} must be a whole number",
        )
    if f.min is not None and value < f.min:
        low = _number_text(f.min)
        raise _fail(
            "number.min", f"{label_id} paling sedikit {low}", f"{label_en} must be at least {low}"
        )
    if f.max is not None and value > f.max:
        high = _number_text(f.max)
        raise _fail(
            "number.max", f"{label_id} paling banyak {high}", f"{label_en} must be at most {high}"
        )
    return value


def _parse_date(raw: Any) -> date | None:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _LOCAL_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _clean_date(f: FormField, raw: Any) -> str:
    value = _parse_date(raw)
    if value is None or not 1800 <= value.year <= 2200:
        raise _fail(
            "date.invalid",
            f"{f.label.id} harus tanggal yang valid (TTTT-BB-HH)",
            f"{f.label.en} must be a valid date (YYYY-MM-DD)",
        )
    return value.isoformat()


def _clean_choice(f: FormField, raw: Any) -> str:
    value = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if value not in {c.value for c in f.choices}:
        raise _fail(
            "field.choice",
            f"Pilihan {f.label.id} tidak tersedia; pilih salah satu yang ada",
            f"{f.label.en}: choose one of the listed options",
        )
    return value


def _clean_nik(f: FormField, raw: Any) -> str:
    try:
        return parse_nik(raw if isinstance(raw, str) else str(raw)).value
    except InvalidNikError as exc:
        raise _fail(
            f"nik.{exc.code}", f"{f.label.id}: {exc.text.id}", f"{f.label.en}: {exc.text.en}"
        ) from exc


def normalise_phone(value: object) -> str | None:
    """An Indonesian phone number without separators ("0812..." or "+62812..."), or None.

    Mobile numbers are 08xx with 10-13 digits (or +628xx); landlines carry an area code
    (021, 0274, ...). A leading "62" without "+" is read as the country code.
    """
    number = _PHONE_SEPARATORS.sub("", value) if isinstance(value, str) else ""
    if number.startswith("62"):
        number = "+" + number
    return number if _PHONE.fullmatch(number) else None


def normalise_email(value: object) -> str | None:
    """An email address trimmed and lowercased, or None if it cannot be one."""
    address = value.strip().lower() if isinstance(value, str) else ""
    return address if len(address) <= 254 and _EMAIL.fullmatch(address) else None


def _clean_phone(f: FormField, raw: Any) -> str:
    value = normalise_phone(raw)
    if value is None:
        raise _fail(
            "phone.invalid",
            f"{f.label.id} bukan nomor telepon Indonesia yang valid (contoh: 081234567890)",
            f"{f.label.en} is not a valid Indonesian phone number (e.g. 081234567890)",
        )
    return value


def _clean_email(f: FormField, raw: Any) -> str:
    value = normalise_email(raw)
    if value is None:
        raise _fail(
            "email.invalid",
            f"{f.label.id} bukan alamat email yang valid",
            f"{f.label.en} is not a valid email address",
        )
    return value


_CLEANERS: dict[str, Callable[[FormField, Any], Any]] = {
    "text": _clean_text,
    "number": _clean_number,
    "date": _clean_date,
    "choice": _clean_choice,
    "nik": _clean_nik,
    "phone": _clean_phone,
    "email": _clean_email,
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the application as a whole ------------------------------------------------------------


def _clean_fields(standard: ServiceStandard, data: dict, errors: list[FieldError]) -> dict:
    known = {f.code for f in standard.form if f.type != "file"}
    for key in data:
        if key not in known:
            errors.append(
                FieldError(
                    f"data.{key}",
                    "field.unknown",
                    Text(
                        id=f"Isian '{key}' tidak dikenal pada layanan ini",
                        en=f"The field '{key}' is not part of this service",
                    ),
                )
            )
    cleaned: dict[str, Any] = {}
    for f in standard.form:
        # A condition names only fields declared before it, so one pass in order suffices.
        if f.type == "file" or not condition_holds(f.condition, cleaned):
            continue
        raw = data.get(f.code)
        if _blank(raw):
            if f.required:
                errors.append(
                    FieldError(
                        f"data.{f.code}",
                        "field.required",
                        Text(id=f"{f.label.id} wajib diisi", en=f"{f.label.en} is required"),
                    )
                )
            continue
        try:
            cleaned[f.code] = _CLEANERS[f.type](f, raw)
        except _Invalid as exc:
            errors.append(FieldError(f"data.{f.code}", exc.code, exc.text))
    return cleaned


def _check_file(slot: DocumentSlot, upload: UploadedFile) -> None:
    if upload.kept:
        return
    label_id, label_en = slot.label.id, slot.label.en
    allowed = {_SAME_TYPE.get(t, t) for t in slot.upload.types}
    names = ", ".join(t.upper() for t in sorted(allowed))
    if upload.size <= 0:
        raise _fail(
            "document.empty", f"{label_id}: berkas kosong", f"{label_en}: the file is empty"
        )
    if upload.size > slot.upload.max_kb * 1024:
        raise _fail(
            "document.too_large",
            f"{label_id}: berkas melebihi {slot.upload.max_kb} KB",
            f"{label_en}: the file is larger than {slot.upload.max_kb} KB",
        )
    kind = sniff_file_type(upload.head)
    if kind not in allowed:
        raise _fail(
            "document.type",
            f"{label_id}: berkas harus berupa {names}",
            f"{label_en}: the file must be {names}",
        )
    # "ktp.png" holding a PDF is refused; "KTP 17.08.2024" has no extension to compare.
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if extension.isalpha() and _SAME_TYPE.get(extension, extension) != kind:
        raise _fail(
            "document.type",
            f"{label_id}: isi berkas ({kind.upper()}) tidak sesuai dengan namanya (.{extension})",
            f"{label_en}: the file holds {kind.upper()} but is named .{extension}",
        )


def _check_documents(
    standard: ServiceStandard,
    cleaned: dict,
    uploads: dict[str, UploadedFile | None],
    errors: list[FieldError],
    satisfied: frozenset[str],
) -> None:
    slots = {s.code: s for s in standard.document_slots()}
    for key in uploads:
        if key not in slots:
            errors.append(
                FieldError(
                    key,
                    "document.unknown",
                    Text(
                        id=f"Dokumen '{key}' tidak diminta oleh layanan ini",
                        en=f"The document '{key}' is not asked for by this service",
                    ),
                )
            )
    for slot in standard.document_slots(cleaned):
        upload = uploads.get(slot.code)
        if upload is None:
            if slot.required and slot.code not in satisfied:
                errors.append(
                    FieldError(
                        slot.code,
                        "document.required",
                        Text(
                            id=f"{slot.label.id} wajib diunggah",
                            en=f"{slot.label.en} must be uploaded",
                        ),
                    )
                )
            continue
        try:
            _check_file(slot, upload)
        except _Invalid as exc:
            errors.append(FieldError(slot.code, exc.code, exc.text))


def validate_application(
    standard: ServiceStandard,
    data: dict,
    uploads: dict[str, UploadedFile],
    satisfied: frozenset[str] = frozenset(),
) -> dict:
    """The cleaned form data of an application, or ValidationFailedError listing every problem.

    Form fields are named "data.<code>", documents by their slot code. A field or document
    whose condition does not hold is not asked for: its value is dropped. Uploads of such a
    document are not refused; `standard.document_slots(cleaned)` says which ones to keep.
    A document in `satisfied` is met otherwise (once-only) and not asked to be uploaded.
    """
    errors: list[FieldError] = []
    cleaned = _clean_fields(standard, data, errors)
    _check_documents(standard, cleaned, uploads, errors, satisfied)
    if errors:
        raise ValidationFailedError(text=INVALID, code="application.invalid", errors=errors)
    return cleaned
