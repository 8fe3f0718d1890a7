"""The changes staff can try on a procedure model before trying them on citizens.

- remove a step (it is no longer done at all);
- merge steps: one station does them all, with one queue, at the place, unit and role
  of the first of them in the procedure; its working time is the sum of theirs;
- parallelise steps: their stations run side by side in one stage, at the place of the
  first of them;
- add officers to a unit for a role.

Changes apply in the order given; one that names a step an earlier change removed or
merged away is refused, naming the change. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from layan.analytics.simulation import Part, ProcedureModel, Station
from layan.core.errors import FieldError, Text, ValidationFailedError

MAX_ADDED_OFFICERS = 100


@dataclass(frozen=True)
class RemoveStep:
    step: str


@dataclass(frozen=True)
class MergeSteps:
    steps: tuple[str, ...]


@dataclass(frozen=True)
class ParallelSteps:
    steps: tuple[str, ...]


@dataclass(frozen=True)
class AddOfficers:
    unit: str
    role: str
    count: int


Change = RemoveStep | MergeSteps | ParallelSteps | AddOfficers
Stages = list[list[Station]]


def refused(field: str, text: Text) -> ValidationFailedError:
    """A change that cannot be made, naming the field that says so."""
    return ValidationFailedError(
        Text("Perubahan prosedur tidak dapat diterapkan", "The procedure change cannot be made"),
        "invalid",
        [FieldError(field, "change.invalid", text)],
    )


def _where(stages: Stages, step: str, field: str) -> tuple[int, int]:
    """The stage and station that do `step`; refused when none does (any more)."""
    for s, stage in enumerate(stages):
        for t, station in enumerate(stage):
            if any(p.code == step for p in station.parts):
                return s, t
    raise refused(
        field,
        Text(
            f"Langkah '{step}' tidak ada dalam prosedur (atau sudah dihapus atau digabung)",
            f"Step '{step}' is not in the procedure (or was already removed or merged)",
        ),
    )


def _tidy(stages: Stages) -> Stages:
    """Stations without parts, and stages without stations, are gone."""
    kept = [[s for s in stage if s.parts] for stage in stages]
    return [stage for stage in kept if stage]


def _distinct(steps: Sequence[str], field: str) -> list[str]:
    unique = list(dict.fromkeys(steps))
    if len(unique) < 2:
        raise refused(
            field,
            Text("Pilih sedikitnya dua langkah berbeda", "Choose at least two different steps"),
        )
    return unique


def _remove(stages: Stages, change: RemoveStep, field: str) -> Stages:
    s, t = _where(stages, change.step, f"{field}.step")
    station = stages[s][t]
    parts = tuple(p for p in station.parts if p.code != change.step)
    stages[s][t] = replace(station, parts=parts)
    stages = _tidy(stages)
    if not stages:
        raise refused(
            f"{field}.step",
            Text(
                "Prosedur memerlukan sedikitnya satu langkah", "A procedure needs at least one step"
            ),
        )
    return stages


def _merge(stages: Stages, change: MergeSteps, field: str) -> Stages:
    places = sorted(
        {
            _where(stages, step, f"{field}.steps")
            for step in _distinct(change.steps, f"{field}.steps")
        }
    )
    first_s, first_t = places[0]
    parts: list[Part] = []
    for s, t in places:
        parts.extend(stages[s][t].parts)
    host = stages[first_s][first_t]
    merging = [stages[s][t] for s, t in places]
    merged = replace(
        host,
        code="+".join(p.code for p in parts),
        parts=tuple(parts),
        sla=sum(m.sla for m in merging),  # one deadline for all their work
    )
    for s, t in places:
        stages[s][t] = replace(stages[s][t], parts=())
    stages[first_s][first_t] = merged
    return _tidy(stages)


def _parallel(stages: Stages, change: ParallelSteps, field: str) -> Stages:
    places = sorted(
        {
            _where(stages, step, f"{field}.steps")
            for step in _distinct(change.steps, f"{field}.steps")
        }
    )
    first_s = places[0][0]
    moved = [stages[s][t] for s, t in places if s != first_s]
    for s, t in places:
        if s != first_s:
            stages[s][t] = replace(stages[s][t], parts=())
    stages[first_s] = [*stages[first_s], *moved]
    return _tidy(stages)


def _officers(model: ProcedureModel, change: AddOfficers, field: str) -> dict[tuple[str, str], int]:
    key = (change.unit, change.role)
    used = {(s.unit, s.role) for s in model.stations()}
    if key not in used:
        raise refused(
            f"{field}.unit",
            Text(
                f"Tidak ada langkah yang dikerjakan unit {change.unit} dengan peran {change.role}",
                f"No step is done by unit {change.unit} with role {change.role}",
            ),
        )
    if not 1 <= change.count <= MAX_ADDED_OFFICERS:
        raise refused(
            f"{field}.count",
            Text(
                f"Jumlah petugas tambahan harus 1 sampai {MAX_ADDED_OFFICERS}",
                f"Officers to add must be 1 to {MAX_ADDED_OFFICERS}",
            ),
        )
    officers = dict(model.officers)
    officers[key] = max(officers.get(key, 0), 1) + change.count
    return officers


def apply_changes(model: ProcedureModel, changes: Sequence[Change]) -> ProcedureModel:
    """The model with the changes made in order; ValidationFailedError names a bad one."""
    for i, change in enumerate(changes):
        field = f"changes[{i}]"
        stages = [list(stage) for stage in model.stages]
        if isinstance(change, AddOfficers):
            model = replace(model, officers=_officers(model, change, field))
            continue
        if isinstance(change, RemoveStep):
            stages = _remove(stages, change, field)
        elif isinstance(change, MergeSteps):
            stages = _merge(stages, change, field)
        else:
            stages = _parallel(stages, change, field)
        model = replace(model, stages=tuple(tuple(stage) for stage in stages))
    return model
