"""What the simulation predicts, over several replications, and how it compares to reality.

One replication is one possible quarter: the same arrivals, different draws of who
needed which step, how long officers took and who was returned. Each figure is given as
its mean over the replications with the lowest and highest seen, so staff see how much
it depends on luck. Replication r runs with seed `seed + r`, so the current procedure
and a changed one are compared on the same draws (common random numbers), and the same
request gives the same answer. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from layan.analytics.simulation import CaseResult, ProcedureModel, Queue, quantile, simulate

BIN_WIDTHS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
MAX_BINS = 20
Runs = list[list[CaseResult]]


@dataclass(frozen=True)
class Spread:
    """A figure's mean over the replications, with the lowest and highest seen."""

    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Bin:
    """Cases whose lead time was in [low, high) working days, as a percent of cases."""

    low: float
    high: float
    share: float


@dataclass(frozen=True)
class Prediction:
    replications: int
    cases: int  # cases measured in each replication
    p50: Spread  # lead time, working days
    p90: Spread
    on_time: Spread  # percent
    histogram: tuple[Bin, ...]


@dataclass(frozen=True)
class Observed:
    """What actually happened to the same cases."""

    decided: int
    still_open: int
    p50: float | None
    p90: float | None
    on_time: float | None
    histogram: tuple[Bin, ...]


@dataclass(frozen=True)
class Backtest:
    predicted: Prediction
    actual: Observed
    p50_error: float | None  # predicted minus actual, working days
    p90_error: float | None
    on_time_error: float | None  # percentage points


def replicate(
    model: ProcedureModel, *, replications: int, seed: int, queue: Queue = "fifo"
) -> Runs:
    return [simulate(model, seed=seed + r, queue=queue) for r in range(replications)]


def _spread(values: Sequence[float | None]) -> Spread:
    known = [v for v in values if v is not None]
    if not known:
        return Spread(None, None, None)
    return Spread(sum(known) / len(known), min(known), max(known))


def on_time_share(flags: Sequence[bool]) -> float | None:
    return 100.0 * sum(flags) / len(flags) if flags else None


def edges_for(*samples: Sequence[float]) -> tuple[float, ...]:
    """Bin edges shared by every sample: round widths, at most `MAX_BINS` bins."""
    top = max((max(s) for s in samples if s), default=0.0)
    width = next((w for w in BIN_WIDTHS if top / w < MAX_BINS), BIN_WIDTHS[-1])
    count = max(int(math.floor(top / width)) + 1, 1)
    return tuple(round(i * width, 6) for i in range(count + 1))


def histogram(leads: Sequence[float], edges: Sequence[float]) -> tuple[Bin, ...]:
    """Each bin's share of `leads`; the last bin also holds anything beyond it."""
    counts = [0] * (len(edges) - 1)
    for lead in leads:
        index = next((i for i in range(len(counts)) if lead < edges[i + 1]), len(counts) - 1)
        counts[index] += 1
    total = len(leads) or 1
    return tuple(
        Bin(edges[i], edges[i + 1], 100.0 * count / total) for i, count in enumerate(counts)
    )


def summarise(runs: Runs, edges: Sequence[float]) -> Prediction:
    """The replications' figures, and their histogram (each bin averaged over them)."""
    leads = [[c.lead_days for c in run] for run in runs]
    bins = [histogram(run, edges) for run in leads]
    averaged = (
        tuple(
            Bin(edges[i], edges[i + 1], sum(b[i].share for b in bins) / len(bins))
            for i in range(len(edges) - 1)
        )
        if bins
        else ()
    )
    return Prediction(
        replications=len(runs),
        cases=len(runs[0]) if runs else 0,
        p50=_spread([quantile(run, 0.5) for run in leads]),
        p90=_spread([quantile(run, 0.9) for run in leads]),
        on_time=_spread([on_time_share([c.on_time for c in run]) for run in runs]),
        histogram=averaged,
    )


def observed(
    leads: Sequence[float], on_time: Sequence[bool], still_open: int, edges: Sequence[float]
) -> Observed:
    """The actual figures of decided cases (lead times in working days)."""
    return Observed(
        decided=len(leads),
        still_open=still_open,
        p50=quantile(leads, 0.5),
        p90=quantile(leads, 0.9),
        on_time=on_time_share(on_time),
        histogram=histogram(leads, edges) if leads else (),
    )


def _error(predicted: float | None, actual: float | None) -> float | None:
    return None if predicted is None or actual is None else predicted - actual


def backtest(
    runs: Runs, leads: Sequence[float], on_time: Sequence[bool], still_open: int
) -> Backtest:
    """The simulated quarter beside the real one, on the same histogram."""
    edges = edges_for(leads, *[[c.lead_days for c in run] for run in runs])
    predicted = summarise(runs, edges)
    actual = observed(leads, on_time, still_open, edges)
    return Backtest(
        predicted,
        actual,
        _error(predicted.p50.mean, actual.p50),
        _error(predicted.p90.mean, actual.p90),
        _error(predicted.on_time.mean, actual.on_time),
    )
