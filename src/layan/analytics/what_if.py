"""The two questions staff put to the simulation, as pure functions of a fitted model.

- What would a change gain? The current procedure and the changed one, simulated on
  the same arrivals with the same seeds, side by side on one histogram.
- How far can the simulation be trusted? A past quarter simulated on its own arrivals
  and fitted from its own log, beside what actually happened (the backtest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from layan.analytics.simulation import ProcedureModel, Queue
from layan.analytics.simulation_changes import Change, apply_changes
from layan.analytics.simulation_fit import Fitted
from layan.analytics.simulation_results import (
    Backtest,
    Prediction,
    backtest,
    edges_for,
    replicate,
    summarise,
)


@dataclass(frozen=True)
class WhatIf:
    current: Prediction
    changed: Prediction
    model: ProcedureModel  # the changed procedure


def what_if(
    model: ProcedureModel,
    changes: Sequence[Change],
    *,
    replications: int,
    seed: int,
    queue: Queue = "fifo",
) -> WhatIf:
    """The current procedure beside the changed one (ValidationFailedError for a change
    that cannot be made)."""
    changed = apply_changes(model, changes)
    now = replicate(model, replications=replications, seed=seed, queue=queue)
    then = replicate(changed, replications=replications, seed=seed, queue=queue)
    edges = edges_for(*[[c.lead_days for c in run] for run in now + then])
    return WhatIf(summarise(now, edges), summarise(then, edges), changed)


def backtest_fitted(
    fitted: Fitted, *, replications: int, seed: int, queue: Queue = "fifo"
) -> Backtest:
    """The fitted period simulated beside its measured cases as they actually went."""
    runs = replicate(fitted.model, replications=replications, seed=seed, queue=queue)
    measured = fitted.cases.filter(pl.col("measured"))
    decided = measured.filter(pl.col("lead_s").is_not_null())
    leads = (decided["lead_s"] / fitted.model.day_seconds).to_list()
    on_time = (decided["lead_s"] <= decided["allowance_s"] + 1e-6).to_list()
    return backtest(runs, leads, on_time, measured.height - decided.height)
