"""The background loop: missed deadlines marked and escalated, the event log folded into
the dashboard's rollups, and codes, sessions and failed-attempt counts that ended forgotten.

`layan worker` runs it on its own; `layan serve` runs it in a thread beside the server
unless told not to. Several workers may run at once: the sweeps lock rows with
SKIP LOCKED and the rollups skip a cursor another worker holds.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from layan.analytics.rollups import fold_all
from layan.applications.service import sweep_deadlines
from layan.complaints.service import sweep_complaint_deadlines
from layan.core.db import Database
from layan.core.throttle import forget_expired
from layan.documents import wallet

log = logging.getLogger("layan.worker")


@dataclass(frozen=True)
class Round:
    marked: int  # deadlines marked missed (and escalated)
    folded: int  # events folded into the rollups


def sweep(db: Database) -> int:
    """Mark missed deadlines and forget what has expired; the deadlines marked."""
    marked = sweep_deadlines(db) + sweep_complaint_deadlines(db)
    forget_expired(db)  # failed-attempt counts that no longer lock anything
    wallet.forget_expired(db)  # wallet codes and sessions that ended
    return marked


# Batches of the rollups' fold per round: after an upgrade or a rebuild the backlog is
# folded over several rounds, so the deadline sweep keeps its turn.
FOLD_BATCHES = 20


def fold(db: Database) -> int:
    """Fold what the event log gained into the rollups (a round's share); events folded."""
    return fold_all(db, most_batches=FOLD_BATCHES)


def say_what_was_done() -> None:
    """Print each round's work (deadlines marked, events folded) and every failure."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def run_once(db: Database) -> Round:
    return Round(sweep(db), fold(db))


def run_forever(
    db: Database,
    *,
    sweep_seconds: float,
    rollup_seconds: float,
    stop: threading.Event | None = None,
) -> None:
    """Fold every `rollup_seconds` and sweep every `sweep_seconds` until `stop` is set.

    A failed round is logged and tried again next time: the server keeps serving.
    """
    stop = stop or threading.Event()
    next_sweep = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_sweep:
            _guarded(sweep, db, "deadline sweep")
            next_sweep = time.monotonic() + sweep_seconds
        _guarded(fold, db, "rollups")
        stop.wait(rollup_seconds)


def _guarded(step, db: Database, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        done = step(db)
        if done:
            log.info("%s: %s", name, done)
    except Exception:
        log.exception("%s failed", name)
