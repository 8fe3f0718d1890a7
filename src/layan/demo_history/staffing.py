"""How many officers each unit needs for a generated history, and making them.

A unit gets enough officers of each role to carry its average load at about 80% of
their working hours, so queues build on busy mornings and clear by the afternoon; the
busiest unit of all is kept tighter (about 93%), so the history has a real bottleneck to
find, as most regencies do.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable

from layan import demo
from layan.accounts import queries as account_queries
from layan.accounts import service as accounts
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.db import Database
from layan.demo_history import behaviour

UTILISATION = 0.8
BOTTLENECK = 0.93
SAMPLES = 60  # sampled applications per service to learn how often each step occurs


def _step_share(published: PublishedStandard, rng: random.Random) -> dict[tuple[str, str], float]:
    """How many times per application each (unit, role) works on it, on average."""
    found: dict[tuple[str, str], float] = defaultdict(float)
    for _ in range(SAMPLES):
        _who, data, _files = demo.sample_submission(published.standard, rng)
        for stage in published.standard.stages(data):
            for step in stage:
                rework = 1 + behaviour.RETURNS.get(step.role, 0.03)
                found[(step.unit, step.role)] += rework / SAMPLES
    return found


def needed_staff(
    standards: Iterable[PublishedStandard],
    per_day: dict[str, float],
    rng: random.Random,
) -> dict[tuple[str, str], int]:
    """Officers per (unit, role) for `per_day` applications of each service a working day."""
    hours: dict[tuple[str, str], float] = defaultdict(float)
    for published in standards:
        rate = per_day.get(published.standard.code, 0.0)
        for (unit, role), share in _step_share(published, rng).items():
            touch = behaviour.TOUCH.get(role, 0.3 * behaviour.HOUR) / behaviour.HOUR
            mean = touch * math.exp(behaviour.SPREAD**2 / 2)
            hours[(unit, role)] += rate * share * mean
    busiest = max(hours, key=lambda key: hours[key], default=None)
    return {
        key: max(1, math.ceil(load / (8.5 * (BOTTLENECK if key == busiest else UTILISATION))))
        for key, load in hours.items()
    }


def ensure_staff(
    db: Database, needed: dict[tuple[str, str], int]
) -> dict[tuple[str, str], list[int]]:
    """Give every unit the officers it needs (demo password), keeping those it has;
    the officer ids per (unit, role)."""
    staff = _staff(db, needed)
    for (unit, role), count in sorted(needed.items()):
        have = staff.get((unit, role), [])
        for k in range(len(have) + 1, count + 1):
            username = f"{unit.replace('.', '-')}-{role.replace('_', '')}-{k:02d}".lower()
            officer_id = accounts.create_officer(
                db.unit_of_work(),
                username=username,
                name=f"Petugas {unit.split('.')[1].title()} {k}",
                password=demo.PASSWORD,
                roles=[accounts.RoleInUnit(role, unit)],
            )
            staff.setdefault((unit, role), []).append(officer_id)
    return staff


def _staff(db: Database, needed: dict[tuple[str, str], int]) -> dict[tuple[str, str], list[int]]:
    with db.unit_of_work(readonly=True) as uow:
        units = {code: catalogue.get_unit(uow, code) for code, _role in needed}
        by_unit = account_queries.officers_in_units(uow, [u.id for u in units.values()])
    found: dict[tuple[str, str], list[int]] = {}
    for code, unit in units.items():
        for officer in by_unit.get(unit.id, []):
            for role in officer.roles:
                if officer.active:
                    found.setdefault((code, role), []).append(officer.id)
    return found
