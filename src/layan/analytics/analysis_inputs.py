"""What staff may ask of an analysis, checked before any work: the period, the number of
replications, the queue discipline, and the procedure changes to try.

Each refusal is a ValidationFailedError naming the field as the caller wrote it (`from`,
`to`, `replications`, `changes[1].steps`), so the page and the API say the same thing.
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from layan.analytics.simulation import Queue
from layan.analytics.simulation_changes import (
    AddOfficers,
    Change,
    MergeSteps,
    ParallelSteps,
    RemoveStep,
)
from layan.core.errors import FieldError, Text, ValidationFailedError

DEFAULT_DAYS = 90
MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)
MAX_REPLICATIONS = 50
MAX_CHANGES = 20
MAX_SEED = 2**31 - 1
QUEUES = ("fifo", "deadline")
KINDS = ("remove", "merge", "parallel", "add_officers")


def invalid(field: str, text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Permintaan analisis tidak sah", "Invalid analysis request"),
        "invalid",
        [FieldError(field, f"{field.split('[')[0]}.invalid", text)],
    )


@dataclass(frozen=True)
class Period:
    """Cases submitted from `first` to `last` (local dates, both included)."""

    first: date
    last: date
    tz: str

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time(), ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(
            self.last + timedelta(days=1), time(), ZoneInfo(self.tz)
        ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _date(text: str | None, field: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise invalid(
            field,
            Text(f"{field} harus tanggal TTTT-BB-HH", f"{field} must be a date YYYY-MM-DD"),
        ) from None


def period_of(
    first: str | None,
    last: str | None,
    today: date,
    tz: str,
    names: tuple[str, str] = ("from", "to"),
) -> Period:
    """The period asked for (by default the last 90 days up to today); errors name the
    fields as the caller calls them (`from` and `to` in the API)."""
    start_name, end_name = names
    end = _date(last, end_name) or today
    start = _date(first, start_name) or end - timedelta(days=DEFAULT_DAYS - 1)
    if not EARLIEST <= end <= today:
        raise invalid(
            end_name,
            Text(
                f"{end_name} harus antara {EARLIEST} dan hari ini",
                f"{end_name} must be {EARLIEST} to today",
            ),
        )
    if not EARLIEST <= start <= end:
        raise invalid(
            start_name,
            Text(
                f"{start_name} harus sebelum atau sama dengan {end_name}",
                f"{start_name} must not be after {end_name}",
            ),
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid(
            start_name,
            Text(f"Periode paling lama {MAX_DAYS} hari", f"The period is at most {MAX_DAYS} days"),
        )
    return Period(start, end, tz)


def last_full_quarter(today: date, tz: str) -> Period:
    """The calendar quarter before the one `today` falls in."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = quarter_start - timedelta(days=1)
    return Period(date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last, tz)


def replications_of(value: Any, default: int) -> int:
    return _whole(value, "replications", 1, MAX_REPLICATIONS, default)


def seed_of(value: Any, default: int) -> int:
    return _whole(value, "seed", 0, MAX_SEED, default)


def queue_of(value: Any) -> Queue:
    if value in (None, ""):
        return "fifo"
    if value not in QUEUES:
        raise invalid(
            "queue", Text("queue harus fifo atau deadline", "queue must be fifo or deadline")
        )
    return cast(Queue, value)


def _whole(value: Any, field: str, low: int, high: int, default: int | None) -> int:
    """A whole number in [low, high]; `default` when not given (None: it must be)."""
    if (value is None or value == "") and default is not None:
        return default
    text = str(value if value is not None else "").strip()
    if (
        isinstance(value, bool)
        or not (text.isascii() and text.isdigit())
        or len(text) > 9  # before int(): a number of thousands of digits is refused too
        or not low <= int(text) <= high
    ):
        raise invalid(
            field,
            Text(
                f"{field} harus bilangan bulat {low} sampai {high}",
                f"{field} must be a whole number {low} to {high}",
            ),
        )
    return int(text)


def _steps(item: Mapping[str, Any], field: str) -> tuple[str, ...]:
    steps = item.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) and s for s in steps):
        raise invalid(
            f"{field}.steps",
            Text("steps harus daftar kode langkah", "steps must be a list of step codes"),
        )
    return tuple(steps)


def _text(item: Mapping[str, Any], key: str, field: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise invalid(f"{field}.{key}", Text(f"{key} wajib diisi", f"{key} is required"))
    return value.strip()


def change_of(item: Any, field: str) -> Change:
    """One change as the API and the form give it: `{"kind": ..., ...}`."""
    if not isinstance(item, Mapping):
        raise invalid(field, Text("Perubahan harus objek JSON", "A change must be a JSON object"))
    kind = item.get("kind")
    if kind == "remove":
        return RemoveStep(_text(item, "step", field))
    if kind == "merge":
        return MergeSteps(_steps(item, field))
    if kind == "parallel":
        return ParallelSteps(_steps(item, field))
    if kind == "add_officers":
        count = _whole(item.get("count"), f"{field}.count", 1, 100, None)
        return AddOfficers(_text(item, "unit", field), _text(item, "role", field), count)
    kinds = ", ".join(KINDS)
    raise invalid(
        f"{field}.kind", Text(f"kind harus salah satu dari {kinds}", f"kind must be one of {kinds}")
    )


def changes_of(items: Any) -> list[Change]:
    """The changes to try, in order (at most `MAX_CHANGES`)."""
    if items is None:
        return []
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise invalid("changes", Text("changes harus daftar", "changes must be a list"))
    if len(items) > MAX_CHANGES:
        raise invalid(
            "changes",
            Text(f"Paling banyak {MAX_CHANGES} perubahan", f"At most {MAX_CHANGES} changes"),
        )
    return [change_of(item, f"changes[{i}]") for i, item in enumerate(items)]


def change_as_dict(change: Change) -> dict[str, Any]:
    """A change as the API takes it (the inverse of `change_of`)."""
    if isinstance(change, RemoveStep):
        return {"kind": "remove", "step": change.step}
    if isinstance(change, MergeSteps):
        return {"kind": "merge", "steps": list(change.steps)}
    if isinstance(change, ParallelSteps):
        return {"kind": "parallel", "steps": list(change.steps)}
    return {"kind": "add_officers", "unit": change.unit, "role": change.role, "count": change.count}
