"""The arithmetic of performance figures: months, lead-time buckets, percentiles, rates,
and when a sample is too small to be shown as a finding. Pure: no database, no web.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from layan.core.errors import FieldError, Text, ValidationFailedError

# Lead times are counted in tenths of a working day, a bucket named by its upper edge:
# to the tenth up to 5 working days (most services end there), to the half day up to 20,
# to the whole day up to 100; the last bucket holds every longer one, so a percentile
# that lands there reads "100 or more". Finer where it matters to a citizen, and few
# enough buckets that a year of a whole platform adds up in milliseconds.
BUCKETS_PER_DAY = 10
LAST_BUCKET = 100 * BUCKETS_PER_DAY
_STEPS = ((50, 1), (200, 5), (LAST_BUCKET, 10))  # (up to, in tenths; step, in tenths)
# Below this many cases a rate or a median is shown greyed with its n, never bold and
# never compared: one late case out of four is not a finding (GOV.UK's guidance, and the
# SKM rule of showing n beside every index).
MIN_SAMPLE = 30

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(moment: datetime, tz: str) -> str:
    """The month a moment falls in, in the agency's own zone: "2026-06"."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.year:04d}-{local.month:02d}"


def month_of_date(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> str:
    """A month as given ("2026-06"); ValueError when it is not one."""
    if not isinstance(text, str) or not MONTH_RE.match(text.strip()):
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return text.strip()


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included (empty when last comes first)."""
    year, month = (int(p) for p in parse_month(first).split("-"))
    end = parse_month(last)
    found = []
    while (current := f"{year:04d}-{month:02d}") <= end:
        found.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


# A dashboard reads at most ten years at once: more is an export's job, not a page's.
MOST_MONTHS = 120
DEFAULT_MONTHS = 12
_DAY_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-\d{2})?$")


def _bad_period(name: str, id_text: str, en_text: str) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Periode tidak sah", "Invalid period"),
        "invalid",
        [FieldError(name, f"{name}.invalid", Text(f"{name}: {id_text}", f"{name}: {en_text}"))],
    )


def _month_param(name: str, text: str) -> str:
    found = _DAY_RE.match(text.strip())
    if not found:
        raise _bad_period(
            name,
            "isi bulan YYYY-MM (atau tanggal YYYY-MM-DD)",
            "give a month YYYY-MM (or a date YYYY-MM-DD)",
        )
    if found.group(3):
        try:
            date.fromisoformat(text.strip())
        except ValueError:
            raise _bad_period(name, "tanggal ini tidak ada", "no such date") from None
    return f"{found.group(1)}-{found.group(2)}"


def period(
    first: str | None, last: str | None, today: date, names: tuple[str, str] = ("from", "to")
) -> tuple[str, str]:
    """The months a dashboard reads: as asked (a month, or the month of a date), else the
    twelve months up to this one. Refused, naming the field, when it cannot be read,
    ends before it begins, or is longer than MOST_MONTHS."""
    end = _month_param(names[1], last) if last and last.strip() else month_of_date(today)
    if first and first.strip():
        start = _month_param(names[0], first)
    else:
        year, month = (int(p) for p in end.split("-"))
        back = year * 12 + month - 1 - (DEFAULT_MONTHS - 1)
        start = f"{back // 12:04d}-{back % 12 + 1:02d}"
    if start > end:
        raise _bad_period(
            names[0], "periode berakhir sebelum dimulai", "the period ends before it begins"
        )
    if len(months_between(start, end)) > MOST_MONTHS:
        raise _bad_period(
            names[0], f"paling panjang {MOST_MONTHS} bulan", f"at most {MOST_MONTHS} months"
        )
    return start, end


def bucket_of(lead_days: float) -> int:
    """The histogram bucket of a lead time in working days: the upper edge, in tenths of
    a working day, of the step that holds it (rounded up)."""
    if not math.isfinite(lead_days):
        raise ValueError(f"a lead time must be a finite number: {lead_days}")
    tenths = math.ceil(round(max(lead_days, 0.0) * BUCKETS_PER_DAY, 6))
    for up_to, step in _STEPS:
        if tenths <= up_to:
            return -(-tenths // step) * step
    return LAST_BUCKET


def percentile(buckets: Mapping[int, int], q: float) -> float | None:
    """The lead time (working days) within which at least `q` of the cases were decided.

    Read off the histogram as the upper edge of the bucket where the running count
    reaches q of the total: "p50 = 3.2" means half were decided within 3.2 working days.
    None when there is nothing to count.
    """
    if not 0 < q <= 1:
        raise ValueError(f"a percentile is a share in (0, 1]: {q}")
    total = sum(buckets.values())
    if total <= 0:
        return None
    needed, running = q * total, 0
    for bucket in sorted(buckets):
        running += buckets[bucket]
        if running >= needed - 1e-9:
            return bucket / BUCKETS_PER_DAY
    return max(buckets) / BUCKETS_PER_DAY


def share(part: int, whole: int) -> float | None:
    """part/whole as a percentage with one decimal; None when there is no whole."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def small_sample(n: int) -> bool:
    return n < MIN_SAMPLE


@dataclass(frozen=True)
class Kpis:
    """GOV.UK's four performance indicators, where Layan has what they need."""

    completion_rate: float | None  # of the period's applications, the share decided
    digital_take_up: float | None  # online / (online + counter), where counter is recorded
    satisfaction: float | None  # the IKM
    cost_per_transaction: int | None  # rupiah, where the agency entered its costs


def kpis(
    *,
    received: int,
    cohort_decided: int,
    ikm: float | None,
    online_and_counter: tuple[int, int] | None = None,
    cost_and_transactions: tuple[int, int] | None = None,
) -> Kpis:
    """The four indicators from a period's totals. Digital take-up and cost per
    transaction count only the agency-months the agency entered figures for (online
    applications of those months beside their counter transactions, their cost beside
    all their transactions); without any, they are None."""
    take_up = None
    if online_and_counter is not None:
        online, counter = online_and_counter
        take_up = share(online, online + counter)
    per_transaction = None
    if cost_and_transactions is not None and cost_and_transactions[1] > 0:
        per_transaction = round(cost_and_transactions[0] / cost_and_transactions[1])
    return Kpis(share(cohort_decided, received), take_up, ikm, per_transaction)


def merged_buckets(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(bucket, count) rows of several months and services added into one histogram."""
    merged: dict[int, int] = {}
    for bucket, count in rows:
        merged[bucket] = merged.get(bucket, 0) + count
    return merged
