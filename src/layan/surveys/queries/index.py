"""The index (IKM) of a scope and period, beside the people served."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from layan.applications import queries as applications
from layan.core.db import UnitOfWork
from layan.surveys import rules
from layan.surveys.models import SurveyResponse
from layan.surveys.queries._shared import _SCORES, Scope, _period, _utc_bounds, resolve_scope


@dataclass(frozen=True)
class IkmReport:
    """The index of one scope and period, with the counts a report shows beside it."""

    scope: Scope
    start: date
    end: date
    result: rules.IkmResult
    served: int
    sample_size_required: int
    sample_size_met: bool


def _score_rows(uow: UnitOfWork, scope: Scope, start: date, end: date) -> Iterator[dict[str, Any]]:
    stmt = select(*_SCORES).where(
        scope.condition(), SurveyResponse.answered_on >= start, SurveyResponse.answered_on <= end
    )
    result = uow.session.execute(stmt.execution_options(yield_per=2000))
    try:
        for row in result:
            yield dict(zip(rules.ELEMENT_KEYS, row, strict=True))
    finally:
        result.close()


def people_served(uow: UnitOfWork, scope: Scope, start: date, end: date) -> int:
    """Applications of the scope that reached a final status in the period.

    Walk-in and paper respondents are not counted as served: Layan does not see those
    visits, so they can add to the responses but not to the population.
    """
    since, until = _utc_bounds(scope, start, end)
    return applications.finished_count(uow, **{scope.kind: scope.code}, start=since, end=until)


def ikm_report(
    uow: UnitOfWork,
    *,
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    legacy: bool = False,
    served: int | None = None,
) -> IkmReport:
    """The IKM of exactly one unit, service or agency over a period of local dates.

    `served` overrides the people served (e.g. counted at the counter outside Layan);
    by default it is `people_served`. The sample size is Krejcie-Morgan's for it.
    """
    scope = resolve_scope(uow, unit=unit, service=service, agency=agency)
    start, end = _period(uow, scope, start, end)
    return scope_report(uow, scope, start, end, legacy=legacy, served=served)


def scope_report(
    uow: UnitOfWork,
    scope: Scope,
    start: date,
    end: date,
    *,
    legacy: bool = False,
    served: int | None = None,
) -> IkmReport:
    """The index of a scope already resolved, over the local dates [start, end]."""
    result = rules.compute_ikm(_score_rows(uow, scope, start, end), legacy=legacy)
    population = people_served(uow, scope, start, end) if served is None else served
    return IkmReport(
        scope,
        start,
        end,
        result,
        population,
        rules.sample_size(population),
        rules.sample_size_met(result.responses, population),
    )
