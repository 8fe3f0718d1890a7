"""When citizens apply, and for what: the arrival pattern of a generated history.

Seen in counter statistics of Indonesian service offices and kept simple: Mondays are the
busiest and weekends nearly empty (online submissions only), mornings carry most of a
day, public holidays and cuti bersama see few, July's school intake lifts birth
certificates and children's ID cards, December is quiet, and online take-up grows year
on year. Pure: a seeded random source in, sorted instants out.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY = (1.25, 1.1, 1.0, 1.0, 0.8, 0.15, 0.1)  # Monday first
MONTH = (1.1, 1.0, 1.0, 0.9, 0.95, 1.05, 1.25, 1.1, 1.0, 1.0, 1.0, 0.8)
HOUR = (
    0.05,
    0.02,
    0.01,
    0.01,
    0.02,
    0.1,
    0.4,
    1.2,
    2.2,
    2.4,
    2.1,
    1.6,
    0.9,
    1.3,
    1.2,
    0.9,
    0.5,
    0.35,
    0.35,
    0.4,
    0.4,
    0.3,
    0.2,
    0.1,
)
DAY_OFF = 0.2  # a public holiday or cuti bersama, against a working day
GROWTH = 0.2  # more applications each year as online take-up grows
# Which service, in a regency's usual proportions (civil registration first).
MIX = {
    "ktp-el-baru": 22,
    "kartu-keluarga": 18,
    "skck": 16,
    "akta-kelahiran": 14,
    "kartu-identitas-anak": 10,
    "ktp-el-hilang": 6,
    "sip-nakes": 6,
    "izin-reklame": 5,
    "pbg": 3,
}
# Services the month of July lifts (school intake) and by how much more.
SCHOOL = {"akta-kelahiran": 1.6, "kartu-identitas-anak": 1.8}


@dataclass(frozen=True)
class Arrival:
    at: datetime  # UTC
    service: str


def day_weight(day: date, days_off: frozenset[date], first: date, service: str = "") -> float:
    weight = WEEKDAY[day.weekday()] * MONTH[day.month - 1]
    if day in days_off:
        weight *= DAY_OFF
    if day.month == 7:
        weight *= SCHOOL.get(service, 1.0)
    return weight * (1 + GROWTH * (day - first).days / 365)


def arrivals(
    rng: random.Random,
    count: int,
    first: date,
    last: date,
    *,
    days_off: frozenset[date] = frozenset(),
    services: Sequence[str] = tuple(MIX),
    tz: str = "Asia/Jakarta",
    now: datetime | None = None,
) -> list[Arrival]:
    """`count` applications from `first` to `last` (local dates), in time order, none after
    `now`; each service drawn by the mix (services not in `MIX` weigh 5)."""
    zone = ZoneInfo(tz)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weights = {s: MIX.get(s, 5) for s in services}
    per_service = dict(zip(services, _split(rng, count, weights), strict=True))
    found: list[Arrival] = []
    for service, n in per_service.items():
        chosen = rng.choices(days, [day_weight(d, days_off, first, service) for d in days], k=n)
        hours = rng.choices(range(24), HOUR, k=n)
        for day, hour in zip(chosen, hours, strict=True):
            local = datetime.combine(day, time(hour), tzinfo=zone)
            at = (local + timedelta(seconds=rng.randrange(3600))).astimezone(UTC)
            if now is not None and at > now:  # later today: earlier today instead
                at = now - timedelta(seconds=rng.randrange(1, 6 * 3600))
            found.append(Arrival(at, service))
    found.sort(key=lambda a: a.at)
    return found


def _split(rng: random.Random, count: int, weights: dict[str, float]) -> list[int]:
    """`count` split by the weights, the remainder given at random, so the total is exact."""
    total = sum(weights.values())
    shares = [int(count * w / total) for w in weights.values()]
    for i in rng.choices(range(len(shares)), list(weights.values()), k=count - sum(shares)):
        shares[i] += 1
    return shares
