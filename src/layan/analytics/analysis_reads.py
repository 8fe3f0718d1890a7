"""What every analysis use case reads first: the service and the officer's access to it,
the period asked for, the event log of the period's cases, and the working clocks.

The rollups are brought up to date before the log is read, so every submitted case is
known to the selection (it selects cases by their submission, as the rollups keep it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from layan.analytics.analysis_access import Access, access_to, clock_book
from layan.analytics.analysis_inputs import Period, period_of
from layan.analytics.eventlog import Selection, read_log
from layan.analytics.rollups import fold_all
from layan.analytics.working_time import ClockBook
from layan.catalogue import queries as catalogue
from layan.catalogue.queries import PublishedStandard
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork


@dataclass(frozen=True)
class Asked:
    """The period a page or the API asked for, as it named its fields."""

    first: str | None = None
    last: str | None = None
    names: tuple[str, str] = ("from", "to")


LAST_90_DAYS = Asked()  # nothing asked: the default period


def today(uow: UnitOfWork, tz: str) -> date:
    return uow.now().astimezone(ZoneInfo(tz)).date()


def service_and_period(
    db: Database, principal: Principal, code: str, asked: Asked
) -> tuple[PublishedStandard, Access, Period]:
    """The service (404), the officer's access (403), and the period asked for (422)."""
    with db.unit_of_work(readonly=True) as uow:
        published, access = access_to(uow, principal, code)
        tz = catalogue.agency_tz(uow, published.agency)
        now = today(uow, tz)
    return published, access, period_of(asked.first, asked.last, now, tz, asked.names)


def read_logs(
    db: Database, codes: Iterable[str], since: datetime, until: datetime
) -> dict[str, pl.DataFrame]:
    """Each service's cases submitted in [since, until), as the rollups know them: what
    the worker has not folded yet is folded first (nothing is written when it has, and a
    backlog after an upgrade is left to the worker)."""
    fold_all(db, most_batches=4)
    with db.unit_of_work(readonly=True) as uow:
        return {
            code: read_log(uow, Selection(service=code, since=since, until=until)) for code in codes
        }


def book_for(
    db: Database,
    published: PublishedStandard,
    first: date,
    last: date,
    frames: Iterable[pl.DataFrame],
) -> ClockBook:
    """The clocks of the service and of every unit the frames name."""
    units = {u for frame in frames for u in frame["unit"].drop_nulls().unique().to_list()}
    with db.unit_of_work(readonly=True) as uow:
        return clock_book(uow, published, first, last, units)
