"""Recording questionnaires: at the end of an application, at a unit's counter, and on paper.

Each recorded questionnaire, and each paper import, is an event in the owning agency's
ledger (case type `survey`), written in the same transaction; the payload carries no
personal data and no scores.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from layan.accounts import queries as accounts
from layan.applications import queries as applications
from layan.catalogue import queries as catalogue
from layan.complaints import queries as complaints
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import (
    FieldError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    Text,
    TooManyRequestsError,
    ValidationFailedError,
)
from layan.core.events import CITIZEN, Actor, Ledger, record_event
from layan.surveys import queries, rules
from layan.surveys.models import (
    ActionSource,
    ActionStatus,
    CaseType,
    Channel,
    SurveyAction,
    SurveyResponse,
)

# Walk-in questionnaires one source (address, per day) may send to one unit in an hour.
WALK_IN_LIMIT = 5
WALK_IN_WINDOW = timedelta(hours=1)
# A paper import: at most this many rows, and this many problems listed.
MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_ERRORS = 1_000
REQUIRED_COLUMNS = ("unit", "service", "date", *rules.ELEMENT_KEYS)
OPTIONAL_COLUMNS = (*rules.PROFILE_CHOICES, "suggestion")

_ANSWERED = InvalidStateError(
    Text(
        "Survei untuk perkara ini sudah diisi. Terima kasih.",
        "The survey for this case has already been answered. Thank you.",
    ),
    "survey.answered",
)
_NOT_FINISHED = InvalidStateError(
    Text(
        "Survei dapat diisi setelah permohonan selesai (disetujui atau ditolak)",
        "The survey can be answered once the application has ended (approved or rejected)",
    ),
    "survey.not_finished",
)


@dataclass(frozen=True)
class SurveyReceipt:
    """A recorded questionnaire, and what the thank-you page offers after it."""

    response_id: int
    service_code: str | None
    low_scores: list[str]
    case_id: str | None = None

    @property
    def complaint_url(self) -> str | None:
        """Where to complain when an element scored 1: the complaint form, about this case."""
        if not self.low_scores:
            return None
        return f"/pengaduan/baru?permohonan={self.case_id}" if self.case_id else "/pengaduan/baru"


def _log(
    uow: UnitOfWork, response: SurveyResponse, actor: Actor, activity: str = "survey answered"
) -> None:
    record_event(
        uow.session,
        ledger=response.agency_code,
        case_type="survey",
        case_id=str(response.id),
        activity=activity,
        lifecycle="complete",
        actor=actor,
        at=uow.now(),
        agency=response.agency_code,
        unit=response.unit_code,
        payload={
            "subject": response.case_type,
            "channel": response.channel,
            "service": response.service_code,
        },
    )


def _response(
    uow: UnitOfWork,
    answers: rules.SurveyAnswers,
    *,
    case_type: str,
    case_id: str | None,
    agency: str,
    unit: str,
    service: str | None,
    answered_on: date,
    channel: str,
    source_hash: str | None = None,
    batch: str | None = None,
) -> SurveyResponse:
    return SurveyResponse(
        case_type=case_type,
        case_id=case_id,
        agency_code=agency,
        unit_code=unit,
        service_code=service,
        answered_on=answered_on,
        recorded_at=uow.now(),
        channel=channel,
        profile=dict(answers.profile),
        suggestion=answers.suggestion,
        source_hash=source_hash,
        batch=batch,
        **{key: answers.scores.get(key) for key in rules.ELEMENT_KEYS},
    )


def _store(uow: UnitOfWork, response: SurveyResponse) -> None:
    """Add the questionnaire; a second one for the same case is refused (409)."""
    uow.session.add(response)
    try:
        uow.session.flush()
    except IntegrityError:
        raise _ANSWERED from None


def _agency_tz(uow: UnitOfWork, agency: str) -> str:
    found = catalogue.find_agency(uow, agency)
    return found.tz if found else "Asia/Jakarta"


# --- at the end of an application --------------------------------------------------


def answer_for_application(
    db: Database, *, tracking_number: str, pin: str, secret: str, raw: Mapping[str, object]
) -> SurveyReceipt:
    """The applicant's questionnaire for an ended application, proved by its PIN.

    404 unless the number and PIN match, 409 before the application ended or once it was
    answered, 422 naming every unanswered or invalid field. The answers are counted for
    the unit that ended the case (its last decided task) and the application's service.
    """
    with db.unit_of_work() as uow:
        outcome = applications.case_outcome(uow, tracking_number, pin, secret)
        if not outcome.final:
            raise _NOT_FINISHED
        case = _Case(
            CaseType.APPLICATION,
            outcome.tracking_number,
            outcome.agency_code,
            outcome.unit or "",
            outcome.service_code,
        )
        return _answer_case(uow, case, raw)


_COMPLAINT_NOT_CLOSED = InvalidStateError(
    Text(
        "Survei dapat diisi setelah pengaduan ditutup",
        "The survey can be answered once the complaint is closed",
    ),
    "survey.not_finished",
)


def answer_for_complaint(
    db: Database, *, tracking_number: str, pin: str, secret: str, raw: Mapping[str, object]
) -> SurveyReceipt:
    """The reporter's questionnaire once their complaint closed, proved by its PIN.

    Wrong PINs count towards the complaint's lock like every other use of its PIN.
    """
    with complaints.pin_guard(db, tracking_number), db.unit_of_work() as uow:
        outcome = complaints.complaint_outcome(uow, tracking_number, pin, secret)
        if not outcome.closed:
            raise _COMPLAINT_NOT_CLOSED
        case = _Case(
            CaseType.COMPLAINT,
            outcome.tracking_number,
            outcome.agency_code,
            outcome.unit_code,
            None,
        )
        return _answer_case(uow, case, raw)


@dataclass(frozen=True)
class _Case:
    type: str
    number: str
    agency: str
    unit: str
    service: str | None


def _answer_case(uow: UnitOfWork, case: _Case, raw: Mapping[str, object]) -> SurveyReceipt:
    """Record the one questionnaire of an ended case, counted for the unit that ended it."""
    if queries.has_response(uow, case.type, case.number):
        raise _ANSWERED
    answers = rules.check_answers(raw, require_all=True)
    response = _response(
        uow,
        answers,
        case_type=case.type,
        case_id=case.number,
        agency=case.agency,
        unit=case.unit,
        service=case.service,
        answered_on=queries.local_today(uow, _agency_tz(uow, case.agency)),
        channel=Channel.WEB,
    )
    _store(uow, response)
    _log(uow, response, Actor(CITIZEN, "respondent", agency=case.agency))
    uow.commit()
    case_id = case.number if case.type == CaseType.APPLICATION else None
    return SurveyReceipt(response.id, case.service, rules.low_scores(answers), case_id)


# --- walk-in, at a unit's counter --------------------------------------------------


def source_hash(secret: str, address: str, day: date) -> str:
    """An HMAC of the client's address and the day: a source to limit, never the address.

    The day is in the hash so that sources cannot be followed from one day to the next;
    the hourly limit therefore starts afresh at local midnight, when counters are closed.
    """
    message = f"survey-source:{day.isoformat()}:{address}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _walk_in_service(
    uow: UnitOfWork, unit: str, value: object
) -> tuple[str | None, list[FieldError]]:
    """The service a walk-in respondent chose; required when the unit has services."""
    offered = dict(queries.unit_services(uow, unit))
    chosen = value.strip() if isinstance(value, str) else ""
    if chosen and chosen in offered:
        return chosen, []
    if not chosen and not offered:
        return None, []
    code = "service.unknown" if chosen else "service.required"
    text = (
        Text("Layanan ini tidak dilayani unit ini", "This unit does not serve this service")
        if chosen
        else Text("Pilih layanan yang Anda terima", "Choose the service you received")
    )
    return None, [FieldError("service", code, text)]


def _lock_agency(uow: UnitOfWork, agency: str) -> None:
    """Serialise walk-in answers of one agency, so the rate limit holds under concurrency."""
    uow.session.execute(select(Ledger).where(Ledger.agency == agency).with_for_update())


def answer_walk_in(
    db: Database, *, unit_code: str, raw: Mapping[str, object], address: str, secret: str
) -> SurveyReceipt:
    """A walk-in respondent's questionnaire through a unit's survey link.

    At most WALK_IN_LIMIT per unit from one source in WALK_IN_WINDOW (429 after), the
    source being an HMAC of the address and the day. 404 for an unknown unit, 422 naming
    every problem (the service is one of the unit's, when it has any).
    """
    fields = dict(raw)
    chosen = fields.pop("service", None)
    with db.unit_of_work() as uow:
        unit = catalogue.get_unit(uow, unit_code)
        full, agency, tz = unit.full_code, unit.agency.code, unit.agency.tz
        now, today = uow.now(), queries.local_today(uow, tz)
        source = source_hash(secret, address, today)
        _lock_agency(uow, agency)
        if queries.recent_from_source(uow, full, source, now - WALK_IN_WINDOW) >= WALK_IN_LIMIT:
            raise TooManyRequestsError(
                Text(
                    "Terlalu banyak survei dari perangkat ini dalam satu jam. Coba lagi nanti.",
                    "Too many surveys from this device within an hour. Please try again later.",
                ),
                "survey.rate_limited",
            )
        service, errors = _walk_in_service(uow, full, chosen)
        try:
            answers = rules.check_answers(fields, require_all=True)
        except ValidationFailedError as exc:
            raise ValidationFailedError(exc.text, exc.code, errors + exc.errors) from None
        if errors:
            raise ValidationFailedError(
                Text("Jawaban survei belum benar", "The survey answers are not valid"),
                "invalid",
                errors,
            )
        response = _response(
            uow,
            answers,
            case_type=CaseType.WALK_IN,
            case_id=None,
            agency=agency,
            unit=full,
            service=service,
            answered_on=today,
            channel=Channel.COUNTER,
            source_hash=source,
        )
        _store(uow, response)
        _log(uow, response, Actor(CITIZEN, "respondent", unit=full, agency=agency))
        uow.commit()
        return SurveyReceipt(response.id, service, rules.low_scores(answers))


# --- paper questionnaires, imported by an agency admin -----------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
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
        tz = unit.agency.tz if unit is not None else "Asia/Jakarta"
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


# --- follow-up actions (tindak lanjut) on suggestions, low scores and weak elements --

ACTION_SOURCES = (ActionSource.SUGGESTION, ActionSource.LOW_SCORE, ActionSource.ELEMENT)
ACTION_TITLE_MAX = 200
ACTION_TEXT_MAX = 2000
_FOLLOW_UP_ROLES = ("agency_admin", "supervisor")
_ACTION_REFUSED = Text("Tindak lanjut belum benar", "The follow-up action is not valid")


def follow_up_role(principal: Principal, agency: str) -> str | None:
    """The role in which the principal may act on an agency's survey, or None.

    An agency admin or a supervisor of one of the agency's units, or a platform admin.
    The auditor reads but changes nothing.
    """
    held = {g.role for g in principal.grants if g.agency == agency}
    for role in _FOLLOW_UP_ROLES:
        if role in held:
            return role
    return "platform_admin" if principal.has_role("platform_admin") else None


def follow_up_agencies(uow: UnitOfWork, principal: Principal) -> list[str]:
    """The agencies whose suggestions and follow-up the principal may read."""
    if principal.reads_everything:
        return [agency.code for agency in catalogue.list_agencies(uow)]
    return sorted({g.agency for g in principal.grants if g.role in _FOLLOW_UP_ROLES and g.agency})


def _not_follow_up(agency: str) -> PermissionDeniedError:
    return PermissionDeniedError(
        Text(
            f"Hanya admin instansi atau kepala unit {agency} yang dapat menindaklanjuti survei",
            f"Only an agency admin or a supervisor of {agency} can follow up its survey",
        ),
        "survey_action.forbidden",
    )


def check_follow_up_reader(uow: UnitOfWork, principal: Principal, agency: str) -> None:
    """Refuse (403) anyone who may not read the agency's suggestions with their sources."""
    if agency not in follow_up_agencies(uow, principal):
        raise _not_follow_up(agency)


def check_follow_up_actor(principal: Principal, agency: str) -> None:
    """Refuse (403) anyone who may not make or close the agency's follow-up actions."""
    if follow_up_role(principal, agency) is None:
        raise _not_follow_up(agency)


def _actor_for(principal: Principal, agency: str) -> Actor:
    role = follow_up_role(principal, agency)
    if role is None:
        raise _not_follow_up(agency)
    grant = next((g for g in principal.grants if g.role == role and g.agency == agency), None)
    return Actor(principal.resource, role, unit=grant.unit if grant else None, agency=agency)


def _action_text(
    raw: Mapping[str, object], name: str, limit: int, required: bool, errors: list[FieldError]
) -> str | None:
    """A text field trimmed; too long, control characters or (when required) empty refused."""
    value = raw.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors.append(
                FieldError(name, f"{name}.required", Text("Wajib diisi", "This is required"))
            )
        return None
    if len(text) > limit:
        errors.append(
            FieldError(
                name,
                f"{name}.too_long",
                Text(f"Paling banyak {limit} karakter", f"At most {limit} characters"),
            )
        )
    allowed = "\t\n\r" if limit > ACTION_TITLE_MAX else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        errors.append(
            FieldError(
                name,
                f"{name}.control_chars",
                Text("Berisi karakter yang tidak diizinkan", "Contains characters not allowed"),
            )
        )
    return text


def _action_source(
    uow: UnitOfWork, agency: str, source: object, ref: object, errors: list[FieldError]
) -> SurveyResponse | None:
    """The questionnaire a suggestion or low score action answers (None for an element)."""
    ref_text = ref.strip() if isinstance(ref, str) else ""
    if source not in ACTION_SOURCES:
        errors.append(
            FieldError(
                "source",
                "source.unknown",
                Text(
                    "Sumber harus saran, nilai rendah, atau unsur",
                    "The source must be a suggestion, a low score or an element",
                ),
            )
        )
        return None
    if source == ActionSource.ELEMENT:
        if ref_text not in rules.ELEMENT_KEYS:
            errors.append(
                FieldError(
                    "source_ref",
                    "element.unknown",
                    Text("Unsur survei tidak dikenal", "Unknown survey element"),
                )
            )
        return None
    numeric = re.fullmatch(r"[0-9]{1,9}", ref_text)
    response = queries.find_response(uow, int(ref_text)) if numeric else None
    fits = response is not None and response.agency_code == agency
    if fits and source == ActionSource.SUGGESTION:
        fits = bool(response and response.suggestion)
    elif fits:
        fits = any(getattr(response, key) == 1 for key in rules.ELEMENT_KEYS)
    if not fits:
        errors.append(
            FieldError(
                "source_ref",
                "source_ref.unknown",
                Text(
                    f"Kuesioner {ref_text} tidak ada di instansi ini atau tidak cocok",
                    f"Questionnaire {ref_text} is not this agency's or does not match",
                ),
            )
        )
        return None
    return response


def _owner_unit(uow: UnitOfWork, agency: str, value: object, errors: list[FieldError]) -> str:
    code = value.strip() if isinstance(value, str) else ""
    try:
        unit = catalogue.get_unit(uow, code) if code else None
    except NotFoundError:
        unit = None
    if unit is None or unit.agency.code != agency:
        errors.append(
            FieldError(
                "owner_unit",
                "owner_unit.unknown",
                Text(
                    "Pilih unit penanggung jawab dari instansi ini",
                    "Choose the unit in charge from this agency",
                ),
            )
        )
        return code
    return unit.full_code


def _due_on(uow: UnitOfWork, tz: str, value: object, errors: list[FieldError]) -> date | None:
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        due = date.fromisoformat(text)
    except ValueError:
        errors.append(
            FieldError(
                "due_on",
                "due_on.invalid",
                Text(
                    "Tanggal harus berformat TTTT-BB-HH, contoh 2026-06-01",
                    "The date must be YYYY-MM-DD, e.g. 2026-06-01",
                ),
            )
        )
        return None
    if due < queries.local_today(uow, tz):
        errors.append(
            FieldError(
                "due_on",
                "due_on.past",
                Text("Tenggat tidak boleh di masa lalu", "The due date cannot be in the past"),
            )
        )
        return None
    return due


def _published_in(
    scope: queries.Scope, response: SurveyResponse | None
) -> tuple[str | None, str | None]:
    """The unit and service an action is published with: its questionnaire's, or the scope's."""
    if response is not None:
        return response.unit_code, response.service_code
    return (
        scope.code if scope.kind == "unit" else None,
        scope.code if scope.kind == "service" else None,
    )


def create_action(
    db: Database,
    principal: Principal,
    raw: Mapping[str, object],
    *,
    period: tuple[date, date],
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
) -> int:
    """Turn a suggestion, a questionnaire scored 1 or a weak element into a follow-up action.

    `raw` holds source (suggestion, low_score, element), source_ref (the questionnaire's
    id, or the element key), title, description, owner_unit (AGENCY.UNIT) and due_on
    (YYYY-MM-DD, not before today). The scope (exactly one of unit, service, agency) and
    the period (first and last day) are those of the report the action was made from; an
    action on a questionnaire is published with the questionnaire's unit and service.
    Only an agency admin or a supervisor of the agency (or a platform admin) may (403);
    422 names every field that is wrong. The new action is an event in the agency's
    ledger.
    """
    with db.unit_of_work() as uow:
        scope = queries.resolve_scope(uow, unit=unit, service=service, agency=agency)
        actor = _actor_for(principal, scope.agency)
        errors: list[FieldError] = []
        response = _action_source(
            uow, scope.agency, raw.get("source"), raw.get("source_ref"), errors
        )
        title = _action_text(raw, "title", ACTION_TITLE_MAX, True, errors)
        description = _action_text(raw, "description", ACTION_TEXT_MAX, False, errors)
        owner = _owner_unit(uow, scope.agency, raw.get("owner_unit"), errors)
        due = _due_on(uow, scope.tz, raw.get("due_on"), errors)
        if errors or title is None or due is None:
            raise ValidationFailedError(_ACTION_REFUSED, "invalid", errors)
        published = _published_in(scope, response)
        action = SurveyAction(
            agency_code=scope.agency,
            unit_code=published[0],
            service_code=published[1],
            source=str(raw.get("source")),
            source_ref=str(raw.get("source_ref")).strip(),
            period_start=min(period),
            period_end=max(period),
            title=title,
            description=description,
            owner_unit=owner,
            due_on=due,
            status=ActionStatus.OPEN,
            created_at=uow.now(),
            created_by=principal.resource,
        )
        uow.session.add(action)
        uow.session.flush()
        record_event(
            uow.session,
            ledger=scope.agency,
            case_type="survey_action",
            case_id=str(action.id),
            activity="follow-up action created",
            lifecycle="schedule",
            actor=actor,
            at=uow.now(),
            agency=scope.agency,
            unit=owner,
            payload={
                "source": action.source,
                "source_ref": action.source_ref,
                "owner_unit": owner,
                "due_on": due.isoformat(),
                "period": [min(period).isoformat(), max(period).isoformat()],
            },
        )
        uow.commit()
        return action.id


def close_action(db: Database, principal: Principal, action_id: int, note: object) -> None:
    """Mark a follow-up action done with a note saying what was done.

    403 for anyone but an agency admin or supervisor of its agency (or a platform admin),
    409 once it is done, 422 without a note. The closing is an event in the agency's ledger.
    """
    with db.unit_of_work() as uow:
        action = queries.get_action(uow, action_id, lock=True)
        actor = _actor_for(principal, action.agency_code)
        if action.status != ActionStatus.OPEN:
            raise InvalidStateError(
                Text("Tindak lanjut ini sudah selesai", "This follow-up action is already done"),
                "survey_action.done",
            )
        errors: list[FieldError] = []
        text = _action_text({"note": note}, "note", ACTION_TEXT_MAX, True, errors)
        if errors or text is None:
            raise ValidationFailedError(_ACTION_REFUSED, "invalid", errors)
        action.status = ActionStatus.DONE
        action.closed_at = uow.now()
        action.closed_by = principal.resource
        action.note = text
        record_event(
            uow.session,
            ledger=action.agency_code,
            case_type="survey_action",
            case_id=str(action.id),
            activity="follow-up action closed",
            lifecycle="complete",
            actor=actor,
            at=uow.now(),
            agency=action.agency_code,
            unit=action.owner_unit,
            payload={"source": action.source, "source_ref": action.source_ref},
        )
        uow.commit()
