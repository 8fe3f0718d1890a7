"""Pure rules of the catalogue: service standards as code, read from YAML with line numbers.

The models live in `standard.py`, the checking of an application in `forms.py`; this
module reads the files and is the one place to import the catalogue's rules from. A bad
file is refused before anything is stored, with its path, the line of the offending key
and the reason, e.g. `pbg.yaml:41: procedure[2].sla.days: Input should be a valid integer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from layan.catalogue.forms import (
    MAGIC,
    UploadedFile,
    normalise_email,
    normalise_phone,
    sniff_file_type,
    validate_application,
)
from layan.catalogue.standard import (
    AGENCY_CODE,
    CODE,
    COMPONENTS,
    HOURS_PER_DAY,
    SERVICE_CODE,
    UNIT_REF,
    Agency,
    AgencyFile,
    Bilingual,
    Choice,
    Condition,
    DocumentSlot,
    Duration,
    Fee,
    FormField,
    Letterhead,
    OfficeHours,
    OutputDocument,
    Period,
    Registry,
    Requirement,
    RuleError,
    ServiceStandard,
    Step,
    Unit,
    Upload,
    condition_holds,
    duration_text,
    text_of,
)

__all__ = [
    "COMPONENTS",
    "DEMO_DIR",
    "HOURS_PER_DAY",
    "MAGIC",
    "Agency",
    "AgencyFile",
    "Bilingual",
    "Choice",
    "Condition",
    "DocumentSlot",
    "Duration",
    "Fee",
    "FormField",
    "Letterhead",
    "OfficeHours",
    "OutputDocument",
    "Period",
    "Registry",
    "Requirement",
    "RuleError",
    "ServiceStandard",
    "StandardFileError",
    "StandardFilesError",
    "Step",
    "Unit",
    "Upload",
    "UploadedFile",
    "check_catalogue",
    "condition_holds",
    "duration_text",
    "load_agencies",
    "load_demo",
    "load_standard",
    "load_standards",
    "normalise_email",
    "normalise_phone",
    "sniff_file_type",
    "text_of",
    "validate_application",
]

DEMO_DIR = Path(__file__).parent / "demo"  # agencies.yaml and services/*.yaml

M = TypeVar("M", bound=BaseModel)
Problem = tuple[int | None, str]


class StandardFileError(Exception):
    """A catalogue file that cannot be used: `path`, `line` (1-based) and `reason`.

    `problems` holds every (line, reason) found in the file, the reported one first.
    """

    def __init__(
        self, path: str | Path, line: int | None, reason: str, problems: list[Problem] | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.problems = problems or [(line, reason)]
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.reason}"
        return f"{self.path}:{self.line}: {self.reason}"

    def each(self) -> list[StandardFileError]:
        """One error per problem."""
        return [StandardFileError(self.path, line, reason) for line, reason in self.problems]


class StandardFilesError(Exception):
    """Every problem of every file in a folder, one `StandardFileError` each."""

    def __init__(self, errors: list[StandardFileError]) -> None:
        self.errors = errors
        super().__init__(str(self))

    def __str__(self) -> str:
        count = f"{len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}"
        return "\n".join([f"{count} in the catalogue files:", *map(str, self.errors)])


# --- YAML with positions -------------------------------------------------------------------


def _read(path: Path) -> tuple[yaml.Node | None, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardFileError(path, None, f"cannot read the file: {exc}") from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = "invalid YAML: " + ", ".join(
            str(part) for part in (exc.problem, exc.context) if part
        )
        raise StandardFileError(path, mark.line + 1 if mark else None, reason) from exc
    except yaml.YAMLError as exc:
        raise StandardFileError(path, None, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _duplicate_keys(node: yaml.Node) -> list[Problem]:
    """YAML keeps the last of two equal keys silently; a standard must not."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                problems.append(
                    (_line(key), f"duplicate key '{key.value}' (first at line {seen[key.value]})")
                )
            elif isinstance(key, yaml.ScalarNode):
                seen[key.value] = _line(key)
            problems += _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item)
    return problems


def _locate(root: yaml.Node, loc: tuple[str | int, ...]) -> tuple[int, str]:
    """The line of the key (or list item) a validation `loc` points at, and its path.

    Where the key is missing, the line of the mapping that should hold it. Parts of `loc`
    that do not name data (pydantic's union members) end the walk.
    """
    node, line, path = root, _line(root), ""
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            path += f".{part}" if path else part
            found = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
            if not found:
                break
            key, node = found[-1]
            line = _line(key)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            path += f"[{part}]"
            node = node.value[part]
            line = _line(node)
        else:
            break
    return line, path


_COMPONENT_OF = {attr: (n, name) for n, name, attrs in COMPONENTS for attr in attrs}
_PATTERN_HINT = {
    CODE: "should be lowercase letters, digits and _, starting with a letter (e.g. land_title)",
    SERVICE_CODE: "should be lowercase letters, digits and - (e.g. ktp-el-baru)",
    AGENCY_CODE: "should be capital letters, digits, - and _ (e.g. DISDUKCAPIL)",
    UNIT_REF: "should name a unit as AGENCY.UNIT in capitals (e.g. DPMPTSP.FO)",
}


def _message(error: Any, path: str) -> str:
    kind = error["type"]
    if kind == "missing":
        component = _COMPONENT_OF.get(path)
        if component:
            return f"is required (component {component[0]}: {component[1].id})"
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling)"
    ctx = error.get("ctx", {})
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERN_HINT:
        return f"{error['input']!r} {_PATTERN_HINT[ctx['pattern']]}"
    if isinstance(ctx.get("error"), ValueError):
        return str(ctx["error"])
    return error["msg"]


def _problems(root: yaml.Node, exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        loc = tuple(error["loc"]) + (cause.loc if isinstance(cause, RuleError) else ())
        line, path = _locate(root, loc)
        if path in seen:  # one report per place: a union tries each member
            continue
        seen.add(path)
        message = _message(error, path)
        problems.append((line, f"{path}: {message}" if path else message))
    return problems


def _load(path: Path, model: type[M]) -> tuple[M, yaml.Node]:
    path = Path(path)
    root, data = _read(path)
    if root is None or not isinstance(data, dict):
        line = _line(root) if root is not None else 1
        raise StandardFileError(path, line, "the file must hold a mapping of keys to values")
    problems = _duplicate_keys(root)
    result = None
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        problems += _problems(root, exc)
    if problems:
        problems.sort(key=lambda p: p[0] or 0)
        raise StandardFileError(path, problems[0][0], problems[0][1], problems)
    assert result is not None
    return result, root


# --- public loaders ------------------------------------------------------------------------


def load_standard(path: Path) -> ServiceStandard:
    """One service standard file; StandardFileError on any problem."""
    return _load(Path(path), ServiceStandard)[0]


def load_standards(directory: Path) -> list[ServiceStandard]:
    """Every *.yaml and *.yml in `directory`, by file name; all problems in one error."""
    directory = Path(directory)
    if not directory.is_dir():
        raise StandardFilesError([StandardFileError(directory, None, "not a directory")])
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    standards: list[ServiceStandard] = []
    errors: list[StandardFileError] = []
    first_file: dict[str, Path] = {}
    for file in files:
        try:
            standard, root = _load(file, ServiceStandard)
        except StandardFileError as exc:
            errors += exc.each()
            continue
        if standard.code in first_file:
            line, _ = _locate(root, ("code",))
            reason = f"code: '{standard.code}' is already defined in {first_file[standard.code]}"
            errors.append(StandardFileError(file, line, reason))
            continue
        first_file[standard.code] = file
        standards.append(standard)
    if errors:
        raise StandardFilesError(errors)
    return standards


def load_agencies(path: Path) -> list[Agency]:
    """The agencies file (`agencies:` and a list); StandardFileError on any problem."""
    return _load(Path(path), AgencyFile)[0].agencies


def check_catalogue(standards: list[ServiceStandard], agencies: list[Agency]) -> list[str]:
    """What in the standards names an agency, unit, registry or service that the catalogue
    lacks; empty if none."""
    agency_codes = {a.code for a in agencies}
    unit_refs = {ref for a in agencies for ref in a.unit_refs()}
    registries = {r.code for a in agencies for r in a.registries}
    services = {s.code for s in standards}
    problems = []
    for standard in standards:
        if standard.agency not in agency_codes:
            problems.append(f"{standard.code}: agency '{standard.agency}' is not known")
        for i, step in enumerate(standard.procedure):
            if step.unit not in unit_refs:
                problems.append(f"{standard.code}: procedure[{i}].unit '{step.unit}' is not known")
        for i, req in enumerate(standard.requirements):
            if req.registry and req.registry not in registries:
                problems.append(
                    f"{standard.code}: requirements[{i}].registry '{req.registry}' is not known"
                )
            problems += [
                f"{standard.code}: requirements[{i}].services '{code}' is not known"
                for code in req.services
                if code not in services
            ]
    for agency in agencies:
        for registry in agency.registries:
            problems += [
                f"{agency.code}: registry {registry.code} service '{code}' is not known"
                for code in registry.services
                if code not in services
            ]
    return problems


def load_demo() -> tuple[list[Agency], list[ServiceStandard]]:
    """The demo catalogue of Kabupaten Suka Maju shipped with the package."""
    return load_agencies(DEMO_DIR / "agencies.yaml"), load_standards(DEMO_DIR / "services")
