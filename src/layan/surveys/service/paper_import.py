"""Paper questionnaires imported by an agency admin from a CSV file.

The file is read and every row checked against the catalogue; then every row is stored,
or none, and the import is one event per agency in that agency's ledger.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from layan.accounts import queries as accounts
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    ValidationFailedError,
)
from layan.core.events import Actor, record_event
from layan.surveys import queries, rules
from layan.surveys.models import CaseType, Channel
from layan.surveys.service._recording import _DATE, _response

# A paper import: at most this many rows, and this many problems listed.
MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_ERRORS = 1_000
REQUIRED_COLUMNS = ("unit", "service", "date", *rules.ELEMENT_KEYS)
OPTIONAL_COLUMNS = (*rules.PROFILE_CHOICES, "suggestion")


# --- paper questionnaires, imported by an agency admin -----------------------------

_IMPORT_REFUSED = Text(
    "Tidak ada yang diimpor: perbaiki baris yang disebut",
    "Nothing was imported: fix the rows named",
)


def _file_error(field: str, code: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(_IMPORT_REFUSED, "invalid", [FieldError(field, code, text)])


def _read_csv(content: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the records of a UTF-8 CSV (comma or semicolon separated)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            "file",
            "file.encoding",
            Text("Berkas harus CSV dengan pengodean UTF-8", "The file must be a UTF-8 CSV"),
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, restkey="")
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def _check_header(header: list[str]) -> None:
    errors = [
        FieldError(
            f"header.{name}",
            "column.missing",
            Text(f"Kolom {name} tidak ada", f"Missing column {name}"),
        )
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    errors += [
        FieldError(
            f"header.{name or '?'}",
            "column.unknown",
            Text(f"Kolom {name} tidak dikenal", f"Unknown column {name}"),
        )
        for name in header
        if name not in known
    ]
    errors += [
        FieldError(
            f"header.{name}",
            "column.duplicate",
            Text(f"Kolom {name} ganda", f"Duplicate column {name}"),
        )
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    if errors:
        raise ValidationFailedError(_IMPORT_REFUSED, "invalid", errors)


def _cell(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class _Row:
    agency: str
    unit: str
    service: str
    answered_on: date
    answers: rules.SurveyAnswers


class _PaperCheck:
    """Checks paper rows against the catalogue, looking each unit and service up once."""

    def __init__(self, uow: UnitOfWork, administered: set[str]) -> None:
        self.uow = uow
        self.administered = administered
        self.forbidden: set[str] = set()
        self._units: dict[str, Any] = {}
        self._services: dict[str, str | None] = {}
        self._today: dict[str, date] = {}

    def unit(self, code: str) -> Any:
        if code not in self._units:
            try:
                self._units[code] = catalogue.get_unit(self.uow, code)
            except NotFoundError:
                self._units[code] = None
        return self._units[code]

    def service_agency(self, code: str) -> str | None:
        if code not in self._services:
            try:
                self._services[code] = catalogue.get_standard(self.uow, code).agency
            except NotFoundError:
                self._services[code] = None
        return self._services[code]

    def today(self, tz: str) -> date:
        if tz not in self._today:
            self._today[tz] = queries.local_today(self.uow, tz)
        return self._today[tz]

    def row(self, n: int, record: Mapping[str, Any]) -> tuple[_Row | None, list[FieldError]]:
        """One row checked: the row ready to store, or every problem of it."""
        errors: list[FieldError] = []
        prefix = f"row[{n}]"
        if record.get(""):
            errors.append(
                FieldError(
                    prefix,
                    "row.too_many_cells",
                    Text("Baris ini punya sel lebih dari kolomnya", "This row has extra cells"),
                )
            )
        unit = self._row_unit(prefix, _cell(record, "unit"), errors)
        service = self._row_service(prefix, _cell(record, "service"), unit, errors)
        answered_on = self._row_date(prefix, _cell(record, "date"), unit, errors)
        answers = None
        raw = {k: _cell(record, k) for k in (*rules.ELEMENT_KEYS, *OPTIONAL_COLUMNS)}
        try:
            answers = rules.check_answers(raw, require_all=False)
        except ValidationFailedError as exc:
            errors += [FieldError(f"{prefix}.{e.field}", e.code, e.text) for e in exc.errors]
        if answers is not None and not answers.scores:
            errors.append(
                FieldError(
                    prefix,
                    "row.no_scores",
                    Text("Baris ini tidak berisi satu nilai pun", "This row has no score at all"),
                )
            )
        if errors or unit is None or service is None or answered_on is None or answers is None:
            return None, errors
        return _Row(unit.agency.code, unit.full_code, service, answered_on, answers), []

    def _row_unit(self, prefix: str, code: str, errors: list[FieldError]) -> Any:
        if not code:
            errors.append(
                FieldError(
                    f"{prefix}.unit",
                    "unit.required",
                    Text("Unit wajib diisi", "The unit is required"),
                )
            )
            return None
        unit = self.unit(code)
        if unit is None:
            errors.append(
                FieldError(
                    f"{prefix}.unit",
                    "unit.unknown",
                    Text(f"Unit {code} tidak dikenal", f"Unknown unit {code}"),
                )
            )
        elif unit.agency.code not in self.administered:
            self.forbidden.add(unit.agency.code)
        return unit

    def _row_service(
        self, prefix: str, code: str, unit: Any, errors: list[FieldError]
    ) -> str | None:
        field = f"{prefix}.service"
        if not code:
            errors.append(
                FieldError(
                    field,
                    "service.required",
                    Text("Layanan wajib diisi", "The service is required"),
                )
            )
            return None
        owner = self.service_agency(code)
        if owner is None:
            errors.append(
                FieldError(
                    field,
                    "service.unknown",
                    Text(f"Layanan {code} tidak dikenal", f"Unknown service {code}"),
                )
            )
            return None
        if unit is not None and owner != unit.agency.code:
            errors.append(
                FieldError(
                    field,
                    "service.other_agency",
                    Text(
                        f"Layanan {code} bukan layanan instansi unit ini",
                        f"Service {code} is not a service of this unit's agency",
                    ),
                )
            )
            return None
        return code

    def _row_date(
        self, prefix: str, value: str, unit: Any, errors: list[FieldError]
    ) -> date | None:
        field = f"{prefix}.date"
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            errors.append(
                FieldError(
                    field,
                    "date.invalid",
                    Text(
                        "Tanggal harus berformat TTTT-BB-HH, contoh 2026-06-01",
                        "The date must be YYYY-MM-DD, e.g. 2026-06-01",
                    ),
                )
            )
            return None
        tz = catalogue.agency_tz(self.uow, unit.agency.code if unit is not None else None)
        if day > self.today(tz):
            errors.append(
                FieldError(
                    field,
                    "date.future",
                    Text("Tanggal tidak boleh di masa depan", "The date cannot be in the future"),
                )
            )
            return None
        return day


def _check_rows(check: _PaperCheck, records: list[dict[str, Any]]) -> list[_Row]:
    """Every row checked; all problems raised together, with spreadsheet row numbers."""
    rows: list[_Row] = []
    errors: list[FieldError] = []
    for index, record in enumerate(records):
        if not any(_cell(record, k) for k in record if k):
            continue  # a blank line, as spreadsheets often leave at the end
        row, problems = check.row(index + 2, record)  # the header is row 1
        errors += problems
        if row is not None:
            rows.append(row)
    if check.forbidden:
        listed = ", ".join(sorted(check.forbidden))
        raise PermissionDeniedError(
            Text(
                f"Anda bukan admin instansi {listed} yang unitnya disebut dalam berkas",
                f"You are not an admin of {listed}, whose units the file names",
            ),
            "survey.import.forbidden",
        )
    if len(errors) > MAX_IMPORT_ERRORS:
        more = len(errors) - MAX_IMPORT_ERRORS
        errors = errors[:MAX_IMPORT_ERRORS] + [
            FieldError(
                "file",
                "errors.truncated",
                Text(f"dan {more} kesalahan lain", f"and {more} more problems"),
            )
        ]
    if errors:
        raise ValidationFailedError(_IMPORT_REFUSED, "invalid", errors)
    if not rows:
        raise _file_error(
            "file", "file.empty", Text("Berkas tidak berisi jawaban", "The file holds no answers")
        )
    return rows


@dataclass(frozen=True)
class PaperImport:
    imported: int
    agencies: dict[str, int]
    sha256: str


def import_paper(db: Database, principal: Principal, content: bytes) -> PaperImport:
    """Store paper questionnaires from a CSV: every row, or none if any row is wrong.

    One row per respondent: unit (AGENCY.UNIT), service, date (YYYY-MM-DD, not in the
    future), one column per element key (1-4; blank when not answered), and optionally
    age_band, sex, education, occupation and suggestion. Only an agency admin of every
    unit's agency (or a platform admin) may import; the same file is not imported twice.
    """
    with db.unit_of_work() as uow:
        administered = set(accounts.administered_agencies(uow, principal))
        if not administered:
            raise PermissionDeniedError(
                Text(
                    "Hanya admin instansi yang dapat mengimpor survei kertas",
                    "Only an agency admin can import paper questionnaires",
                ),
                "admin.required",
            )
        header, records = _read_csv(content)
        _check_header(header)
        if len(records) > MAX_IMPORT_ROWS:
            raise _file_error(
                "file",
                "file.too_many_rows",
                Text(
                    f"Paling banyak {MAX_IMPORT_ROWS} baris per berkas",
                    f"At most {MAX_IMPORT_ROWS} rows per file",
                ),
            )
        rows = _check_rows(_PaperCheck(uow, administered), records)
        digest = hashlib.sha256(content).hexdigest()
        if queries.batch_imported(uow, digest):
            raise InvalidStateError(
                Text("Berkas ini sudah pernah diimpor", "This file was imported before"),
                "survey.import.duplicate",
            )
        counts: dict[str, int] = {}
        for row in rows:
            uow.session.add(
                _response(
                    uow,
                    row.answers,
                    case_type=CaseType.PAPER,
                    case_id=None,
                    agency=row.agency,
                    unit=row.unit,
                    service=row.service,
                    answered_on=row.answered_on,
                    channel=Channel.PAPER,
                    batch=digest,
                )
            )
            counts[row.agency] = counts.get(row.agency, 0) + 1
        role = accounts.admin_role(principal)
        for agency, count in sorted(counts.items()):
            record_event(
                uow.session,
                ledger=agency,
                case_type="survey",
                case_id=f"import-{digest[:32]}",
                activity="paper surveys imported",
                lifecycle="complete",
                actor=Actor(principal.resource, role, agency=agency),
                at=uow.now(),
                agency=agency,
                payload={"rows": count, "sha256": digest},
            )
        uow.commit()
        return PaperImport(len(rows), counts, digest)
