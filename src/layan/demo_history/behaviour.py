"""How officers and applicants behave in a generated history: how long a step takes, how
often it is sent back or refused, how long an applicant takes to fix a return, and how
they rate the service. Pure and seeded; the numbers are plausible, not measured.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from layan.catalogue.standard import Step
from layan.surveys.rules import ELEMENT_KEYS

HOUR = 3600.0
WORKING_DAY = 8.5 * HOUR
# An officer's own time on a step (median, in working seconds) by the step's role.
TOUCH = {"front_desk": 0.2 * HOUR, "processor": 0.6 * HOUR, "approver": 0.15 * HOUR}
SPREAD = 0.6  # lognormal sigma: most near the median, a long tail
# How long a task waits before its officer looks at the queue even when free (working
# seconds, median): the front desk at once, back offices between other work, officials
# sign in one or two sittings a day.
PICKUP = {"front_desk": 0.15 * HOUR, "processor": 1.0 * HOUR, "approver": 2.5 * HOUR}
# Share of decisions that send the application back to the applicant, or refuse it.
RETURNS = {"front_desk": 0.08, "processor": 0.04, "approver": 0.01}
REFUSALS = {"front_desk": 0.005, "processor": 0.01, "approver": 0.03}
NEVER_BACK = 0.12  # applicants who never fix a returned application
ANSWERS_SURVEY = 0.45
COMPLAINS = 0.01  # of ended cases; more when the service time ran out
COMPLAINS_WHEN_LATE = 0.08


def _lognormal(rng: random.Random, median: float, sigma: float = SPREAD) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


@dataclass(frozen=True)
class StepTime:
    """How a step takes its time: the officer's touch (a queue holds the task until an
    officer is free) and the waiting on others it may add (a site visit, a committee),
    both in the unit's working seconds."""

    touch: float
    hold: float


def step_time(rng: random.Random, step: Step) -> StepTime:
    touch = _lognormal(rng, TOUCH.get(step.role, 0.3 * HOUR))
    # A step whose service time is in days waits on more than its officer: most of it.
    hold = _lognormal(rng, 0.35 * step.sla.days * WORKING_DAY, 0.5) if step.sla.days else 0.0
    return StepTime(touch, hold)


def pickup(rng: random.Random, step: Step) -> float:
    return _lognormal(rng, PICKUP.get(step.role, HOUR), 0.9)


def outcome(rng: random.Random, step: Step, may_return: bool) -> str:
    roll = rng.random()
    if roll < REFUSALS.get(step.role, 0.01):
        return "reject"
    if may_return and roll < REFUSALS.get(step.role, 0.01) + RETURNS.get(step.role, 0.03):
        return "return"
    return "approve"


def applicant_delay(rng: random.Random) -> float | None:
    """Calendar seconds until the applicant sends a fixed application; None for never."""
    if rng.random() < NEVER_BACK:
        return None
    return max(_lognormal(rng, 30 * HOUR, 1.0), 0.25 * HOUR)


REASONS = (
    "Dokumen kurang jelas; mohon unggah ulang yang terbaca",
    "Data pada formulir berbeda dengan dokumen",
    "Lampiran belum lengkap",
)
REFUSAL = ("Persyaratan tidak terpenuhi", "UU 25/2009 Pasal 18")


def scores(rng: random.Random, *, late: bool, refused: bool) -> dict[str, int]:
    """A questionnaire: mostly satisfied; a late case rates time low, a refusal rates lower."""
    found = {}
    for key in ELEMENT_KEYS:
        weights = (2, 8, 45, 45)
        if (key == "time" and late) or refused:
            weights = (10, 30, 45, 15)
        found[key] = rng.choices((1, 2, 3, 4), weights=weights)[0]
    return found


def complains(rng: random.Random, *, late: bool) -> bool:
    return rng.random() < (COMPLAINS_WHEN_LATE if late else COMPLAINS)
