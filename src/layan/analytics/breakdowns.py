"""The tables a dashboard page shows beside its figures: one line per agency or service
(never ranked), and each step of the scope's services at each unit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from layan.analytics import rules
from layan.analytics.figures import Scope, ikm_of, lead_of, scope_filter, survey_totals
from layan.analytics.models import LeadTimes, ServiceMonth, StepMonth, SurveyMonth
from layan.core.db import UnitOfWork


@dataclass(frozen=True)
class StepFigures:
    """One step at one unit over the period: its queue, its delays, its breaches."""

    agency: str
    unit: str
    service: str
    step: str
    completed: int
    late: int
    breached: int
    returned: int
    mean_wait_hours: float | None
    mean_work_hours: float | None


def steps(uow: UnitOfWork, scope: Scope, first: str, last: str) -> list[StepFigures]:
    """Every step of the scope's services at every unit: where cases waited and breached.

    For an agency, the steps of its own services and the steps its units did for others'.
    """
    names = (
        "completed",
        "late",
        "breached",
        "returned",
        "waited",
        "wait_seconds",
        "worked",
        "work_seconds",
    )
    stmt = select(
        StepMonth.agency,
        StepMonth.unit,
        StepMonth.service,
        StepMonth.step,
        *(func.sum(getattr(StepMonth, n)) for n in names),
    ).where(StepMonth.month.between(first, last))
    if scope.service:
        stmt = stmt.where(StepMonth.service == scope.service)
    elif scope.agency:
        owned = select(ServiceMonth.service).where(ServiceMonth.agency == scope.agency)
        stmt = stmt.where((StepMonth.agency == scope.agency) | StepMonth.service.in_(owned))
    stmt = stmt.group_by(StepMonth.agency, StepMonth.unit, StepMonth.service, StepMonth.step)
    found = []
    for row in uow.session.execute(stmt):
        completed, late, breached, returned, waited, wait, worked, work = (v or 0 for v in row[4:])
        found.append(
            StepFigures(
                row[0],
                row[1],
                row[2],
                row[3],
                int(completed),
                int(late),
                int(breached),
                int(returned),
                round(wait / waited / 3600, 1) if waited else None,
                round(work / worked / 3600, 1) if worked else None,
            )
        )
    return sorted(found, key=lambda s: (-s.breached, -s.late, s.service, s.step, s.unit))


@dataclass(frozen=True)
class Row:
    """One agency's or service's line in a table of the period: never ranked, listed by name."""

    key: str
    agency: str
    received: int
    completed: int
    on_time_pct: float | None
    lead_time_wd: dict[str, float | None]
    backlog: int
    ikm: float | None
    ikm_n: int

    @classmethod
    def empty(cls, key: str, agency: str) -> Row:
        """A line with nothing in the period: listed all the same."""
        return cls(key, agency, 0, 0, None, {"p50": None, "p90": None}, 0, None, 0)


def table(uow: UnitOfWork, by: str, scope: Scope, first: str, last: str) -> list[Row]:
    """The period's figures per agency (`by="agency"`) or per service (`by="service"`),
    in four grouped reads however many there are."""
    group = getattr(ServiceMonth, by)
    owner = ServiceMonth.agency  # a service's agency; an agency's own code
    sums = (ServiceMonth.received, ServiceMonth.decided, ServiceMonth.on_time)
    period = (
        select(group, owner, *(func.sum(c) for c in sums))
        .where(ServiceMonth.month.between(first, last), *scope_filter(ServiceMonth, scope))
        .group_by(group, owner)
    )
    counted = {
        key: [int(v or 0) for v in values] for key, _, *values in uow.session.execute(period)
    }
    history = (
        select(group, owner, func.sum(ServiceMonth.received - ServiceMonth.decided))
        .where(ServiceMonth.month <= last, *scope_filter(ServiceMonth, scope))
        .group_by(group, owner)
    )
    owners, backlogs = {}, {}
    for key, agency, backlog in uow.session.execute(history):
        owners[key], backlogs[key] = agency, int(backlog or 0)
    buckets: dict[str, dict[int, int]] = {}
    lead = (
        select(getattr(LeadTimes, by), LeadTimes.bucket, func.sum(LeadTimes.count))
        .where(LeadTimes.month.between(first, last), *scope_filter(LeadTimes, scope))
        .group_by(getattr(LeadTimes, by), LeadTimes.bucket)
    )
    for key, bucket, count in uow.session.execute(lead):
        buckets.setdefault(key, {})[int(bucket)] = int(count)
    ikms = _ikms_by(uow, by, scope, first, last)
    rows = []
    for key in sorted(set(backlogs) | set(ikms)):
        received, decided, on_time = counted.get(key, [0, 0, 0])
        rows.append(
            Row(
                key,
                owners.get(key, key),
                received,
                decided,
                rules.share(on_time, decided),
                lead_of(buckets.get(key, {})),
                backlogs.get(key, 0),
                *ikms.get(key, (None, 0)),
            )
        )
    return rows


def _ikms_by(
    uow: UnitOfWork, by: str, scope: Scope, first: str, last: str
) -> dict[str, tuple[float | None, int]]:
    totals = survey_totals(uow, scope, first, last, [getattr(SurveyMonth, by)])
    # Walk-in questionnaires name no service: they count for their agency only.
    return {key[0]: ikm_of(values) for key, values in totals.items() if key[0]}
