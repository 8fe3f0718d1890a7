"""The dashboard's figures, read from the rollups: a few hundred rows whatever the history.

The tables a page shows beside them (agencies or services, steps) are in `breakdowns`.

A scope is the whole platform, one agency, or one service; a period is a run of whole
months (the rollups' grain). Every figure comes with the n it stands on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from layan.analytics import rules
from layan.analytics.models import (
    AgencyMonthFigures,
    ComplaintMonth,
    LeadTimes,
    ServiceMonth,
    SurveyMonth,
)
from layan.core.db import UnitOfWork
from layan.surveys import rules as survey_rules

ELEMENTS = survey_rules.ELEMENT_KEYS


@dataclass(frozen=True)
class Scope:
    agency: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class MonthFigures:
    month: str
    received: int
    completed: int
    on_time_pct: float | None
    lead_time_wd: dict[str, float | None]
    backlog: int
    ikm: float | None
    ikm_n: int


@dataclass(frozen=True)
class ComplaintFigures:
    received: int
    resolved: int
    resolved_on_time: int
    on_time_pct: float | None
    breached: int


@dataclass(frozen=True)
class Figures:
    scope: Scope
    first: str
    last: str
    received: int
    completed: int
    on_time: int
    on_time_pct: float | None
    lead_time_wd: dict[str, float | None]
    backlog: int
    breached: int
    ikm: float | None
    ikm_n: int
    months: list[MonthFigures]
    kpis: rules.Kpis
    complaints: ComplaintFigures | None
    steps: list[Any] = field(default_factory=list)  # breakdowns.StepFigures, for the pages

    def to_json(self) -> dict[str, Any]:
        """The API's answer: the contract's fields, then what the pages show besides."""
        return {
            "agency": self.scope.agency,
            "service": self.scope.service,
            "from": self.first,
            "to": self.last,
            "received": self.received,
            "completed": self.completed,
            "on_time_pct": self.on_time_pct,
            "lead_time_wd": self.lead_time_wd,
            "backlog": self.backlog,
            "ikm": self.ikm,
            "ikm_n": self.ikm_n,
            "months": [m.__dict__ for m in self.months],
            "on_time_n": self.completed,
            "breached": self.breached,
            "kpis": self.kpis.__dict__,
            "complaints": self.complaints.__dict__ if self.complaints else None,
        }


def scope_filter(model: Any, scope: Scope) -> list[Any]:
    """The conditions that keep a rollup's rows to the scope."""
    conditions = []
    if scope.agency:
        conditions.append(model.agency == scope.agency)
    if scope.service:
        conditions.append(model.service == scope.service)
    return conditions


def _service_months(uow: UnitOfWork, scope: Scope, last: str) -> dict[str, dict[str, int]]:
    """Per month up to `last` (all of history: the backlog needs it), the counters summed."""
    names = ("received", "decided", "on_time", "breached", "cohort_decided")
    stmt = (
        select(ServiceMonth.month, *(func.sum(getattr(ServiceMonth, n)) for n in names))
        .where(ServiceMonth.month <= last, *scope_filter(ServiceMonth, scope))
        .group_by(ServiceMonth.month)
    )
    return {
        row[0]: dict(zip(names, (int(v or 0) for v in row[1:]), strict=True))
        for row in uow.session.execute(stmt)
    }


def _lead_times(uow: UnitOfWork, scope: Scope, first: str, last: str) -> dict[str, dict[int, int]]:
    stmt = (
        select(LeadTimes.month, LeadTimes.bucket, func.sum(LeadTimes.count))
        .where(LeadTimes.month.between(first, last), *scope_filter(LeadTimes, scope))
        .group_by(LeadTimes.month, LeadTimes.bucket)
    )
    found: dict[str, dict[int, int]] = {}
    for month, bucket, count in uow.session.execute(stmt):
        found.setdefault(month, {})[int(bucket)] = int(count)
    return found


def survey_totals(
    uow: UnitOfWork, scope: Scope, first: str, last: str, keys: Sequence[Any]
) -> dict[tuple[Any, ...], list[int]]:
    """Questionnaires of the scope and period grouped by `keys` (rollup columns): for each
    group, the count, then each element's sum and number of answers."""
    columns = [SurveyMonth.responses]
    for key in ELEMENTS:
        columns += [getattr(SurveyMonth, f"{key}_sum"), getattr(SurveyMonth, f"{key}_n")]
    stmt = (
        select(*keys, *(func.sum(c) for c in columns))
        .where(SurveyMonth.month.between(first, last), *scope_filter(SurveyMonth, scope))
        .group_by(*keys)
    )
    width = len(keys)
    return {
        tuple(row[:width]): [int(v or 0) for v in row[width:]] for row in uow.session.execute(stmt)
    }


def ikm_of(totals: Sequence[int]) -> tuple[float | None, int]:
    """The IKM and its n from `survey_totals` of one group."""
    if not totals or not totals[0]:
        return None, 0
    sums = {key: totals[1 + 2 * i] for i, key in enumerate(ELEMENTS)}
    answered = {key: totals[2 + 2 * i] for i, key in enumerate(ELEMENTS)}
    result = survey_rules.ikm_from_totals(totals[0], sums, answered)
    return (None if result.ikm is None else float(result.ikm)), result.responses


def _added(rows: Sequence[Sequence[int]]) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)] if rows else []


def lead_of(buckets: dict[int, int]) -> dict[str, float | None]:
    return {"p50": rules.percentile(buckets, 0.5), "p90": rules.percentile(buckets, 0.9)}


def dashboard(uow: UnitOfWork, scope: Scope, first: str, last: str) -> Figures:
    """The figures of a scope over the months `first`..`last` (both included)."""
    months = rules.months_between(first, last)
    counted = _service_months(uow, scope, last)
    leads = _lead_times(uow, scope, first, last)
    answers = {
        k[0]: v for k, v in survey_totals(uow, scope, first, last, [SurveyMonth.month]).items()
    }
    backlog = sum(c["received"] - c["decided"] for m, c in counted.items() if m < first)
    shown = []
    for month in months:
        c = counted.get(month, dict.fromkeys(("received", "decided", "on_time"), 0))
        backlog += c["received"] - c["decided"]
        ikm, ikm_n = ikm_of(answers.get(month, []))
        shown.append(
            MonthFigures(
                month,
                c["received"],
                c["decided"],
                rules.share(c["on_time"], c["decided"]),
                lead_of(leads.get(month, {})),
                backlog,
                ikm,
                ikm_n,
            )
        )
    inside = [counted[m] for m in months if m in counted]
    total = {
        k: sum(c.get(k, 0) for c in inside)
        for k in ("received", "decided", "on_time", "breached", "cohort_decided")
    }
    ikm, ikm_n = ikm_of(_added([answers[m] for m in months if m in answers]))
    take_up, cost = _entered(uow, scope, first, last)
    return Figures(
        scope=scope,
        first=first,
        last=last,
        received=total["received"],
        completed=total["decided"],
        on_time=total["on_time"],
        on_time_pct=rules.share(total["on_time"], total["decided"]),
        lead_time_wd=lead_of(rules.merged_buckets(b for m in leads.values() for b in m.items())),
        backlog=backlog,
        breached=total["breached"],
        ikm=ikm,
        ikm_n=ikm_n,
        months=shown,
        kpis=rules.kpis(
            received=total["received"],
            cohort_decided=total["cohort_decided"],
            ikm=ikm,
            online_and_counter=take_up,
            cost_and_transactions=cost,
        ),
        complaints=None if scope.service else _complaints(uow, scope, first, last),
    )


def _entered(
    uow: UnitOfWork, scope: Scope, first: str, last: str
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """What the agencies entered for the period, beside what Layan counted in the same
    agency-months: (online, counter) for take-up and (cost, transactions) for cost per
    transaction; None where nothing was entered. An agency's (or the platform's) figures
    use whole-agency entries, a service's its own."""
    entries = select(
        AgencyMonthFigures.agency,
        AgencyMonthFigures.month,
        AgencyMonthFigures.counter_transactions,
        AgencyMonthFigures.cost_rupiah,
    ).where(
        AgencyMonthFigures.month.between(first, last),
        AgencyMonthFigures.service == (scope.service or ""),
    )
    if scope.agency:
        entries = entries.where(AgencyMonthFigures.agency == scope.agency)
    rows = uow.session.execute(entries).all()
    if not rows:
        return None, None
    online = select(ServiceMonth.agency, ServiceMonth.month, func.sum(ServiceMonth.received))
    online = online.where(
        ServiceMonth.month.between(first, last), *scope_filter(ServiceMonth, scope)
    ).group_by(ServiceMonth.agency, ServiceMonth.month)
    counted = {(a, m): int(n or 0) for a, m, n in uow.session.execute(online)}
    with_counter = [(counted.get((a, m), 0), c) for a, m, c, _ in rows if c is not None]
    with_cost = [
        (cost, counted.get((a, m), 0) + (c or 0)) for a, m, c, cost in rows if cost is not None
    ]
    take_up = (
        (sum(o for o, _ in with_counter), sum(c for _, c in with_counter)) if with_counter else None
    )
    cost = (sum(c for c, _ in with_cost), sum(t for _, t in with_cost)) if with_cost else None
    return take_up, cost


def _complaints(uow: UnitOfWork, scope: Scope, first: str, last: str) -> ComplaintFigures:
    names = ("received", "resolved", "resolved_on_time", "breached")
    stmt = select(*(func.sum(getattr(ComplaintMonth, n)) for n in names)).where(
        ComplaintMonth.month.between(first, last),
        *scope_filter(ComplaintMonth, Scope(scope.agency)),
    )
    values = [int(v or 0) for v in uow.session.execute(stmt).one()]
    received, resolved, on_time, breached = values
    return ComplaintFigures(received, resolved, on_time, rules.share(on_time, resolved), breached)
