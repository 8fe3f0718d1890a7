"""The background loop: missed deadlines marked and escalated, the outbox's messages
derived from the event log and sent, the event log folded into the dashboard's rollups,
and codes, sessions and failed-attempt counts that ended forgotten.

`layan worker` runs it on its own; `layan serve` runs it in a thread beside the server
unless told not to. Several workers may run at once: the sweeps and the outbox lock rows
with SKIP LOCKED and the rollups and the outbox skip a cursor another worker holds.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date

from layan.analytics.rollups import fold_all
from layan.applications.sweep import sweep_deadlines
from layan.complaints.service import sweep_complaint_deadlines
from layan.core import partitions
from layan.core.db import Database
from layan.core.throttle import forget_expired
from layan.documents import wallet
from layan.notify.service import Channels, Gateway, Notifier, Outbound, run_outbox
from layan.settings import Settings

log = logging.getLogger("layan.worker")


@dataclass(frozen=True)
class Round:
    marked: int  # deadlines marked missed (and escalated)
    folded: int  # events folded into the rollups
    made: int = 0  # messages derived from new events
    sent: int = 0  # messages tried


def notifier_for(settings: Settings) -> Notifier:
    """The outbox's ways out, as the settings name them."""
    gateways = {
        name: Gateway(url, token)
        for name, url, token in (
            ("sms", settings.sms_gateway_url, settings.sms_gateway_token),
            ("whatsapp", settings.whatsapp_gateway_url, settings.whatsapp_gateway_token),
        )
        if url
    }
    return Notifier(
        Outbound(settings.public_url, settings.secret_key, test=settings.notify_test),
        Channels(
            settings.smtp_url,
            settings.smtp_from,
            settings.outbox_dir,
            gateways,
            test=settings.notify_test,
            lease_seconds=settings.notify_lease_seconds,
        ),
    )


def sweep(db: Database) -> int:
    """Mark missed deadlines, keep the event log's months ready and forget what has
    expired; the deadlines marked."""
    marked = sweep_deadlines(db) + sweep_complaint_deadlines(db)
    keep_months_ready(db)
    forget_expired(db)  # failed-attempt counts that no longer lock anything
    wallet.forget_expired(db)  # wallet codes and sessions that ended
    return marked


def keep_months_ready(db: Database) -> list[date]:
    """On PostgreSQL, the event log's partitions for this month and the next ones, and a
    month of its own for any event that fell into the default partition."""
    if db.is_sqlite:
        return []
    with db.unit_of_work() as uow:
        added = partitions.keep_ready(uow.session.connection(), uow.now())
        uow.commit()
    if added:
        log.info("event log months added: %s", ", ".join(f"{m:%Y-%m}" for m in added))
    return added


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


def send(db: Database, notifier: Notifier) -> int:
    """Derive the messages of new events and send what is due; messages tried."""
    done = run_outbox(db, notifier)
    return done.claimed


def run_once(db: Database, notifier: Notifier) -> Round:
    marked = sweep(db)  # a missed deadline's message goes out in this round
    done = run_outbox(db, notifier)
    return Round(marked, fold(db), done.made, done.claimed)


def run_forever(
    db: Database,
    notifier: Notifier,
    *,
    sweep_seconds: float,
    rollup_seconds: float,
    stop: threading.Event | None = None,
) -> None:
    """Send and fold every `rollup_seconds` and sweep every `sweep_seconds` until `stop`.

    A failed round is logged and tried again next time: the server keeps serving.
    """
    stop = stop or threading.Event()
    next_sweep = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_sweep:
            _guarded(sweep, db, "deadline sweep")
            next_sweep = time.monotonic() + sweep_seconds
        _guarded(lambda db: send(db, notifier), db, "outbox")
        _guarded(fold, db, "rollups")
        stop.wait(rollup_seconds)


def _guarded(step, db: Database, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        done = step(db)
        if done:
            log.info("%s: %s", name, done)
    except Exception:
        log.exception("%s failed", name)
