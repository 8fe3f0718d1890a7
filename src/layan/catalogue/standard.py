"""The schema of a service standard: the 14 components of UU 25/2009 Pasal 21 as data.

A standard is written as YAML (see `rules.load_standard`) and checked here before anything
is stored: unknown keys are refused, every requirement cites its legal basis, conditions
are structured data naming form fields (never code), and the steps must fit in the
published service time.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from layan.core.errors import Text

DEFAULT_MAX_LENGTH = 500
HOURS_PER_DAY = 8  # a working day counts as 8 working hours when days and hours are compared
CODE = r"^[a-z][a-z0-9_]{0,62}$"  # requirement, form field and step codes (multipart-safe)
SERVICE_CODE = r"^[a-z0-9][a-z0-9-]{1,62}$"
AGENCY_CODE = r"^[A-Z][A-Z0-9_-]{0,39}$"
UNIT_REF = r"^[A-Z][A-Z0-9_-]{0,39}\.[A-Z][A-Z0-9_-]{0,39}$"  # "AGENCY.UNIT"
_SERVICE_HINT = "should be a service code: lowercase letters, digits and - (e.g. ktp-el-baru)"
FileType = Literal["pdf", "jpg", "jpeg", "png"]
Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "present", "absent"]


class RuleError(ValueError):
    """A broken rule with the path, below the value being validated, where it lies."""

    def __init__(self, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.loc = loc


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Bilingual(_Model):
    """A text in Indonesian and English; a plain string in YAML is used for both."""

    id: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, value: Any) -> Any:
        return {"id": value, "en": value} if isinstance(value, str) else value

    @property
    def text(self) -> Text:
        return Text(id=self.id, en=self.en)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


def text_of(value: Bilingual | str, lang: str = "id") -> str:
    """The text of a bilingual value in `lang` (Indonesian by default); a str as it is."""
    return value if isinstance(value, str) else value(lang)


# --- conditions ---------------------------------------------------------------------------

_ORDER = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_SYMBOL = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_HOLDS_WHEN_MISSING = frozenset({"absent", "ne", "not_in"})


class Condition(_Model):
    """A test on one form field, e.g. `{field: floor_area_m2, op: gt, value: 500}`."""

    field: str = Field(pattern=CODE)
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        if self.op in ("present", "absent"):
            if self.value is not None:
                raise ValueError(f"op '{self.op}' takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"op '{self.op}' needs a non-empty list as value")
        elif self.value is None or isinstance(self.value, list | dict):
            raise ValueError(f"op '{self.op}' needs a single value")
        return self

    def describe(self) -> str:
        """The condition as a short expression: `floor_area_m2 > 500`."""
        if self.op == "present":
            return f"{self.field} != null"
        if self.op == "absent":
            return f"{self.field} = null"
        if self.op in ("in", "not_in"):
            test = f"{self.field} in ({', '.join(_literal(v) for v in self.value)})"
            return test if self.op == "in" else f"not({test})"
        return f"{self.field} {_SYMBOL[self.op]} {_literal(self.value)}"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | dict | set) and not value


def _comparable(actual: Any, expected: Any) -> tuple[Any, Any] | None:
    """Both sides in one type: form input arrives as text, conditions are typed in YAML."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual, expected
    try:
        if isinstance(expected, int | float) and isinstance(actual, str):
            return float(actual.strip().replace(",", ".")), expected
        if isinstance(actual, int | float) and isinstance(expected, str):
            return actual, float(expected.strip().replace(",", "."))
    except ValueError:
        return None
    if isinstance(actual, date) or isinstance(expected, date):
        return str(actual), str(expected)
    return actual, expected


def _equal(actual: Any, expected: Any) -> bool:
    pair = _comparable(actual, expected)
    return pair is not None and pair[0] == pair[1]


def condition_holds(cond: Condition | None, data: dict) -> bool:
    """Whether `cond` holds for `data`; no condition always holds.

    A missing or empty field satisfies only "absent", "ne" and "not_in"; values that cannot
    be compared (a word against a number) do not satisfy an ordering.
    """
    if cond is None:
        return True
    actual = data.get(cond.field)
    if _is_empty(actual):
        return cond.op in _HOLDS_WHEN_MISSING
    if cond.op in ("present", "absent"):
        return cond.op == "present"
    if cond.op in ("in", "not_in"):
        return any(_equal(actual, v) for v in cond.value) == (cond.op == "in")
    if cond.op in ("eq", "ne"):
        return _equal(actual, cond.value) == (cond.op == "eq")
    pair = _comparable(actual, cond.value)
    try:
        return pair is not None and bool(_ORDER[cond.op](*pair))
    except TypeError:
        return False


# --- building blocks ----------------------------------------------------------------------


class Duration(_Model):
    """Working days and working hours; at least one of them positive."""

    days: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _not_zero(self) -> Duration:
        if not (self.days or self.hours):
            raise ValueError("a duration needs at least one working day or working hour")
        return self

    @property
    def working_hours(self) -> int:
        """The length in working hours, a day counting as `HOURS_PER_DAY`."""
        return self.days * HOURS_PER_DAY + self.hours

    @property
    def text(self) -> Text:
        return duration_text(self.days, self.hours)


def duration_text(days: int, hours: int) -> Text:
    """A duration as words: "1 hari kerja 4 jam kerja" / "1 working day 4 working hours"."""
    ids, ens = [], []
    if days:
        ids.append(f"{days} hari kerja")
        ens.append(f"{days} working day{'s' if days != 1 else ''}")
    if hours or not days:
        ids.append(f"{hours} jam kerja")
        ens.append(f"{hours} working hour{'s' if hours != 1 else ''}")
    return Text(id=" ".join(ids), en=" ".join(ens))


def _hours_text(total: int) -> str:
    return duration_text(*divmod(total, HOURS_PER_DAY)).en


class Upload(_Model):
    """What an uploaded document may be: its types (checked by content) and size."""

    types: list[FileType] = Field(default_factory=lambda: ["pdf", "jpg", "jpeg", "png"])
    max_kb: int = Field(default=2048, gt=0, le=20480)

    @field_validator("types", mode="before")
    @classmethod
    def _lowercase(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v.lower().lstrip(".") if isinstance(v, str) else v for v in value]
        return value

    @field_validator("types")
    @classmethod
    def _some_type(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one file type (pdf, jpg, jpeg, png)")
        return value


RequirementKind = Literal["document", "issued_document", "registry"]


class Requirement(_Model):
    """One persyaratan; `upload` None means the document is shown or brought, not uploaded.

    Once-only (`kind`): an `issued_document` is met by an output this platform issued to
    the applicant (of one of `services`), a `registry` requirement by a record the
    `registry` holds for the applicant's NIK. Either way the applicant uploads nothing;
    `upload`, when given, is the way left for someone the platform holds nothing for.
    """

    code: str = Field(pattern=CODE)
    name: Bilingual
    legal_basis: str = Field(min_length=1)
    upload: Upload | None = None
    optional: bool = False
    issued_by: str | None = Field(default=None, pattern=AGENCY_CODE)
    condition: Condition | None = None
    note: Bilingual | None = None
    kind: RequirementKind = "document"
    services: list[str] = Field(default_factory=list)
    registry: str | None = Field(default=None, pattern=CODE)

    @field_validator("services")
    @classmethod
    def _service_codes(cls, value: list[str]) -> list[str]:
        for i, code in enumerate(value):
            if not isinstance(code, str) or not re.fullmatch(SERVICE_CODE, code):
                raise RuleError(f"{code!r} {_SERVICE_HINT}", (i,))
        return value

    @model_validator(mode="after")
    def _kind_names_its_source(self) -> Requirement:
        if self.kind == "issued_document" and not self.services:
            raise RuleError(
                "an issued_document names the services whose output meets it", ("services",)
            )
        if self.kind == "registry" and not self.registry:
            raise RuleError("a registry requirement names its registry", ("registry",))
        if self.kind != "issued_document" and self.services:
            raise RuleError("'services' applies only to kind issued_document", ("services",))
        if self.kind != "registry" and self.registry:
            raise RuleError("'registry' applies only to kind registry", ("registry",))
        return self

    @property
    def once_only(self) -> bool:
        """Met from what government already holds, without asking the applicant."""
        return self.kind != "document"


class Choice(_Model):
    value: str = Field(min_length=1, max_length=100)
    label: Bilingual


class FormField(_Model):
    """One field of the application form."""

    code: str = Field(pattern=CODE)
    label: Bilingual
    type: Literal["text", "number", "date", "choice", "nik", "phone", "email", "file"]
    required: bool = True
    choices: list[Choice] = Field(default_factory=list)
    min: int | float | None = None
    max: int | float | None = None
    integer: bool = False  # for "number": refuse fractions
    max_length: int = Field(default=DEFAULT_MAX_LENGTH, gt=0, le=10000)  # for "text"
    upload: Upload | None = None  # for "file"; None there means the default Upload()
    help: Bilingual | None = None
    condition: Condition | None = None

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormField:
        if self.type == "choice":
            values = [c.value for c in self.choices]
            if not values:
                raise RuleError("a choice field lists its choices", ("choices",))
            if len(set(values)) != len(values):
                raise RuleError("choice values must be unique", ("choices",))
        misplaced = {
            "choices": self.type != "choice" and bool(self.choices),
            "min": self.type != "number" and self.min is not None,
            "max": self.type != "number" and self.max is not None,
            "integer": self.type != "number" and self.integer,
            "max_length": self.type != "text" and self.max_length != DEFAULT_MAX_LENGTH,
            "upload": self.type != "file" and self.upload is not None,
        }
        for key, wrong in misplaced.items():
            if wrong:
                raise RuleError(f"'{key}' does not apply to a field of type {self.type}", (key,))
        if self.min is not None and self.max is not None and self.min > self.max:
            raise RuleError(f"min {self.min} is above max {self.max}", ("min",))
        return self


class Step(_Model):
    """One step of the procedure, owned by a unit (possibly of another agency)."""

    code: str = Field(pattern=CODE)
    name: Bilingual
    unit: str = Field(pattern=UNIT_REF)
    role: Literal["front_desk", "processor", "approver"]
    sla: Duration
    parallel_group: str | None = Field(default=None, pattern=CODE)
    condition: Condition | None = None
    legal_basis: str | None = Field(default=None, min_length=1)
    description: Bilingual | None = None

    @property
    def agency(self) -> str:
        return self.unit.split(".", 1)[0]


class Fee(_Model):
    """Biaya/tarif in rupiah; free is 0 and says so, a levy by formula names the formula."""

    amount: int = Field(default=0, ge=0)
    legal_basis: str | None = Field(default=None, min_length=1)
    note: Bilingual | None = None
    formula: Bilingual | None = None

    @model_validator(mode="after")
    def _charge_has_basis(self) -> Fee:
        if (self.amount or self.formula) and not self.legal_basis:
            raise RuleError("a fee or levy cites its legal_basis", ("legal_basis",))
        return self

    @property
    def is_free(self) -> bool:
        return self.amount == 0 and self.formula is None

    @property
    def text(self) -> Text:
        if self.formula is not None:
            return Text(id=f"Dihitung: {self.formula.id}", en=f"Computed: {self.formula.en}")
        if self.is_free:
            return Text(id="Gratis (tidak dipungut biaya)", en="Free of charge")
        rupiah = f"Rp{self.amount:,}".replace(",", ".")
        return Text(id=rupiah, en=rupiah)


class Period(_Model):
    """A length of validity in years, months and days; at least one of them positive."""

    years: int = Field(default=0, ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    days: int = Field(default=0, ge=0, le=36500)

    @model_validator(mode="after")
    def _not_zero(self) -> Period:
        if not (self.years or self.months or self.days):
            raise ValueError("a period needs at least one year, month or day")
        return self


PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,62})\}")
# Placeholders every output's text may use besides its fields.
SUBJECT_PLACEHOLDERS = frozenset({"applicant_name"})


class OutputDocument(_Model):
    """How the output (produk) is printed and signed when an application is approved.

    `fields` are the form fields printed on it and signed with it, in order; `statement`
    is its text, which may name them (and `applicant_name`) as `{code}` placeholders, never
    code. `classification` is the archive classification that starts the document number
    (e.g. 470 for population records); `valid_for` how long the output is valid, if it
    expires; `signer_title` the deciding official's position as printed.
    """

    title: Bilingual
    statement: Bilingual
    classification: str = Field(default="000", pattern=r"^[0-9]{3}(\.[0-9]{1,3}){0,3}$")
    fields: list[str] = Field(default_factory=list)
    valid_for: Period | None = None
    signer_title: Bilingual | None = None

    @field_validator("fields")
    @classmethod
    def _unique_fields(cls, value: list[str]) -> list[str]:
        for i, code in enumerate(value):
            if not isinstance(code, str) or not re.fullmatch(CODE, code):
                raise RuleError(f"{code!r} is not a form field code", (i,))
            if code in value[:i]:
                raise RuleError(f"field '{code}' is listed twice", (i,))
        return value


@dataclass(frozen=True)
class DocumentSlot:
    """One document an application carries: a multipart part named `code`."""

    code: str
    label: Bilingual
    required: bool
    upload: Upload
    condition: Condition | None = None
    source: Literal["requirement", "form"] = "requirement"


# The 14 components (UU 25/2009 Pasal 21; PermenPANRB 15/2014): number, name, attributes.
COMPONENTS: tuple[tuple[int, Text, tuple[str, ...]], ...] = (
    (1, Text("Persyaratan", "Requirements"), ("requirements",)),
    (2, Text("Sistem, mekanisme, dan prosedur", "System, mechanism and procedure"),
     ("mechanism", "procedure")),
    (3, Text("Jangka waktu penyelesaian", "Completion time"), ("service_time",)),
    (4, Text("Biaya/tarif", "Fee"), ("fee",)),
    (5, Text("Produk pelayanan", "Service output"), ("output",)),
    (6, Text("Penanganan pengaduan, saran, dan masukan", "Complaints, suggestions and input"),
     ("complaints",)),
    (7, Text("Dasar hukum", "Legal basis"), ("legal_basis",)),
    (8, Text("Sarana, prasarana, dan/atau fasilitas", "Facilities"), ("facilities",)),
    (9, Text("Kompetensi pelaksana", "Staff competence"), ("competence",)),
    (10, Text("Pengawasan internal", "Internal supervision"), ("supervision",)),
    (11, Text("Jumlah pelaksana", "Number of staff"), ("staff_count",)),
    (12, Text("Jaminan pelayanan", "Service guarantee"), ("guarantee",)),
    (13, Text("Jaminan keamanan dan keselamatan pelayanan", "Security and safety guarantee"),
     ("safety",)),
    (14, Text("Evaluasi kinerja pelaksana", "Staff performance evaluation"), ("evaluation",)),
)  # fmt: skip


def _groups(steps: list[Step]) -> list[list[Step]]:
    """Consecutive steps of one parallel group together; a step without a group alone."""
    stages: list[list[Step]] = []
    for step in steps:
        if stages and step.parallel_group and stages[-1][-1].parallel_group == step.parallel_group:
            stages[-1].append(step)
        else:
            stages.append([step])
    return stages


class ServiceStandard(_Model):
    """One version of a service's standard (standar pelayanan) with all 14 components."""

    code: str = Field(pattern=SERVICE_CODE)
    version: int = Field(default=1, ge=1)
    name: Bilingual
    agency: str = Field(pattern=AGENCY_CODE)
    summary: Bilingual
    keywords: list[str] = Field(default_factory=list)
    life_events: list[str] = Field(default_factory=list)
    requirements: list[Requirement]  # 1
    procedure: list[Step] = Field(min_length=1)  # 2
    mechanism: Bilingual  # 2
    service_time: Duration  # 3
    fee: Fee  # 4
    output: Bilingual  # 5
    complaints: Bilingual  # 6
    legal_basis: list[str] = Field(min_length=1)  # 7
    facilities: Bilingual  # 8
    competence: Bilingual  # 9
    supervision: Bilingual  # 10
    staff_count: int = Field(gt=0)  # 11
    guarantee: Bilingual  # 12
    safety: Bilingual  # 13
    evaluation: Bilingual  # 14
    cuti_bersama_stops_clock: bool = True
    retention_days: int = Field(default=3650, gt=0)
    form: list[FormField] = Field(default_factory=list)
    output_document: OutputDocument | None = None

    @field_validator("legal_basis")
    @classmethod
    def _bases_not_blank(cls, value: list[str]) -> list[str]:
        for i, basis in enumerate(value):
            if not basis:
                raise RuleError("a legal basis cannot be empty", (i,))
        return value

    @field_validator("procedure")
    @classmethod
    def _procedure_shape(cls, steps: list[Step]) -> list[Step]:
        seen: dict[str, int] = {}
        closed: set[str] = set()
        for i, step in enumerate(steps):
            if step.code in seen:
                raise RuleError(f"step code '{step.code}' is used twice", (i, "code"))
            seen[step.code] = i
            group = step.parallel_group
            if group in closed:
                raise RuleError(
                    f"steps of parallel group '{group}' must be consecutive", (i, "parallel_group")
                )
            previous = steps[i - 1].parallel_group if i else None
            if previous and previous != group:
                closed.add(previous)
        for stage in _groups(steps):
            if stage[0].parallel_group and len(stage) == 1:
                raise RuleError(
                    f"parallel group '{stage[0].parallel_group}' has only one step",
                    (steps.index(stage[0]), "parallel_group"),
                )
        return steps

    @model_validator(mode="after")
    def _consistent(self) -> ServiceStandard:
        self._check_codes()
        self._check_conditions()
        self._check_time()
        self._check_output_document()
        return self

    def _check_output_document(self) -> None:
        doc = self.output_document
        if doc is None:
            return
        data_fields = {f.code for f in self.form if f.type != "file"}
        for i, code in enumerate(doc.fields):
            if code not in data_fields:
                raise RuleError(
                    f"'{code}' is not a form data field of this service",
                    ("output_document", "fields", i),
                )
        allowed = set(doc.fields) | SUBJECT_PLACEHOLDERS
        for lang in ("id", "en"):
            for name in PLACEHOLDER.findall(getattr(doc.statement, lang)):
                if name not in allowed:
                    raise RuleError(
                        f"placeholder {{{name}}} names neither a listed field nor "
                        f"{', '.join(sorted(SUBJECT_PLACEHOLDERS))}",
                        ("output_document", "statement"),
                    )

    def _check_codes(self) -> None:
        seen: set[str] = set()
        named = [("requirements", i, r.code) for i, r in enumerate(self.requirements)]
        named += [("form", i, f.code) for i, f in enumerate(self.form)]
        for where, i, code in named:
            if code in seen:
                raise RuleError(
                    f"code '{code}' is used twice among requirements and form fields",
                    (where, i, "code"),
                )
            seen.add(code)

    def _check_conditions(self) -> None:
        data_fields = {f.code: f for f in self.form if f.type != "file"}
        for i, field in enumerate(self.form):
            earlier = {f.code: f for f in self.form[:i] if f.type != "file"}
            _check_condition(field.condition, earlier, ("form", i), "declared before it")
        for i, req in enumerate(self.requirements):
            _check_condition(req.condition, data_fields, ("requirements", i), "of this service")
        for i, step in enumerate(self.procedure):
            _check_condition(step.condition, data_fields, ("procedure", i), "of this service")

    def _check_time(self) -> None:
        need = sum(max(s.sla.working_hours for s in stage) for stage in _groups(self.procedure))
        allowed = self.service_time.working_hours
        if need > allowed:
            raise RuleError(
                f"the procedure takes up to {_hours_text(need)} (the longest step of each "
                f"stage, added up) but the service time is {_hours_text(allowed)}",
                ("service_time",),
            )

    def document_slots(self, data: dict | None = None) -> list[DocumentSlot]:
        """Uploaded requirements, then file fields; given `data`, only those whose
        condition holds for it."""
        slots = [
            DocumentSlot(r.code, r.name, not r.optional, r.upload, r.condition, "requirement")
            for r in self.requirements
            if r.upload is not None
        ]
        slots += [
            DocumentSlot(f.code, f.label, f.required, f.upload or Upload(), f.condition, "form")
            for f in self.form
            if f.type == "file"
        ]
        if data is None:
            return slots
        return [s for s in slots if condition_holds(s.condition, data)]

    def stages(self, data: dict) -> list[list[Step]]:
        """The steps that apply to `data`, in stages: a parallel group is one stage."""
        kept = [[s for s in stage if condition_holds(s.condition, data)] for stage in self.groups()]
        return [stage for stage in kept if stage]

    def groups(self) -> list[list[Step]]:
        """Every step in stages, conditions ignored: the shape of the procedure."""
        return _groups(self.procedure)

    def units(self) -> list[str]:
        """The units ("AGENCY.UNIT") that own a step, in order of first appearance."""
        return list(dict.fromkeys(s.unit for s in self.procedure))

    def component_table(self) -> list[tuple[int, Text, tuple[Any, ...]]]:
        """The 14 components in order: number, name, and the values of their attributes."""
        return [(n, name, tuple(getattr(self, a) for a in attrs)) for n, name, attrs in COMPONENTS]


def _check_condition(
    cond: Condition | None, fields: dict[str, FormField], where: tuple, scope: str
) -> None:
    if cond is None:
        return
    loc = (*where, "condition")
    target = fields.get(cond.field)
    if target is None:
        raise RuleError(
            f"condition names '{cond.field}', which is not a form data field {scope}",
            (*loc, "field"),
        )
    if target.type == "choice" and cond.op in ("eq", "ne", "in", "not_in"):
        allowed = {c.value for c in target.choices}
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        for value in values:
            if value not in allowed:
                raise RuleError(
                    f"'{value}' is not a choice of '{cond.field}' ({', '.join(sorted(allowed))})",
                    (*loc, "value"),
                )


# --- agencies -----------------------------------------------------------------------------


class OfficeHours(_Model):
    """When a unit serves: local opening and closing time, workdays (Monday = 0)."""

    opens: str = Field(default="07:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    closes: str = Field(default="16:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    workdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=1)

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _sexagesimal(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 16:00 as the base-60 number 960.
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value // 60:02d}:{value % 60:02d}"
        return value

    @field_validator("workdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value) or not set(value) <= set(range(7)):
            raise ValueError("workdays are distinct numbers 0 (Monday) to 6 (Sunday)")
        return sorted(value)

    @model_validator(mode="after")
    def _opens_first(self) -> OfficeHours:
        if self.closes <= self.opens:
            raise RuleError(f"closes {self.closes} must be after opens {self.opens}", ("closes",))
        return self


class Unit(_Model):
    code: str = Field(pattern=AGENCY_CODE)
    name: Bilingual
    hours: OfficeHours | None = None  # None: the default hours


ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class Letterhead(_Model):
    """The kop surat printed above every document the agency issues."""

    government: str = Field(min_length=1, max_length=200)  # "Pemerintah Kabupaten Suka Maju"
    address: str = Field(default="", max_length=300)
    contact: str = Field(default="", max_length=300)  # phone, email, website on one line
    city: str = Field(default="", max_length=100)  # where documents are dated: "Suka Maju"


class Registry(_Model):
    """A registry the agency keeps (e.g. the civil registry), which requirements may cite.

    `legal_basis` is what allows other agencies to look a record up in it (recorded with
    every lookup); `services` are this platform's services whose issued outputs the local
    connector answers from, when the registry's own web service is not configured.
    """

    code: str = Field(pattern=CODE)
    name: Bilingual
    legal_basis: str = Field(min_length=1, max_length=250)
    services: list[str] = Field(default_factory=list)

    @field_validator("services")
    @classmethod
    def _service_codes(cls, value: list[str]) -> list[str]:
        for i, code in enumerate(value):
            if not isinstance(code, str) or not re.fullmatch(SERVICE_CODE, code):
                raise RuleError(f"{code!r} {_SERVICE_HINT}", (i,))
        return value


class Agency(_Model):
    code: str = Field(pattern=AGENCY_CODE)
    name: str = Field(min_length=1)
    short_name: str | None = None
    tz: Literal["WIB", "WITA", "WIT"] = "WIB"
    units: list[Unit] = Field(min_length=1)
    letterhead: Letterhead | None = None
    registries: list[Registry] = Field(default_factory=list)

    @field_validator("units")
    @classmethod
    def _unique_units(cls, units: list[Unit]) -> list[Unit]:
        seen: set[str] = set()
        for i, unit in enumerate(units):
            if unit.code in seen:
                raise RuleError(f"unit code '{unit.code}' is used twice", (i, "code"))
            seen.add(unit.code)
        return units

    @property
    def zone(self) -> str:
        """The IANA zone of `tz`."""
        return ZONE_NAMES[self.tz]

    def unit_refs(self) -> list[str]:
        """The units as "AGENCY.UNIT"."""
        return [f"{self.code}.{u.code}" for u in self.units]


class AgencyFile(_Model):
    """The agencies file: `agencies:` followed by the list."""

    agencies: list[Agency] = Field(min_length=1)

    @field_validator("agencies")
    @classmethod
    def _unique_agencies(cls, agencies: list[Agency]) -> list[Agency]:
        seen: set[str] = set()
        registries: set[str] = set()
        for i, agency in enumerate(agencies):
            if agency.code in seen:
                raise RuleError(f"agency code '{agency.code}' is used twice", (i, "code"))
            seen.add(agency.code)
            for j, registry in enumerate(agency.registries):
                if registry.code in registries:
                    raise RuleError(
                        f"registry code '{registry.code}' is used twice",
                        (i, "registries", j, "code"),
                    )
                registries.add(registry.code)
        return agencies
