"""Open data: the dashboard's figures per agency, service and month, as CSV and JSON.

One row per agency, service and month with every counter the rollups keep and the rates
derived from them, so anyone can recompute what the pages show (and check it).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from layan.analytics import rules
from layan.analytics.figures import Scope, ikm_of, scope_filter, survey_totals
from layan.analytics.models import LeadTimes, ServiceMonth, SurveyMonth
from layan.core.db import UnitOfWork

COLUMNS = (
    "agency",
    "service",
    "month",
    "received",
    "completed",
    "approved",
    "on_time",
    "on_time_pct",
    "lead_time_p50_wd",
    "lead_time_p90_wd",
    "breached",
    "returned",
    "ikm",
    "ikm_n",
)
_RATES = frozenset({"on_time_pct", "lead_time_p50_wd", "lead_time_p90_wd", "ikm"})
_COUNTERS = ("received", "decided", "approved", "on_time", "breached", "returned")


def rows(uow: UnitOfWork, scope: Scope, first: str, last: str) -> list[dict[str, Any]]:
    """Every agency, service and month of the scope and period that has something."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    stmt = select(
        ServiceMonth.agency,
        ServiceMonth.service,
        ServiceMonth.month,
        *(getattr(ServiceMonth, n) for n in _COUNTERS),
    ).where(ServiceMonth.month.between(first, last), *scope_filter(ServiceMonth, scope))
    for agency, service, month, *values in uow.session.execute(stmt):
        c = dict(zip(_COUNTERS, values, strict=True))
        found[(agency, service, month)] = {
            "agency": agency, "service": service, "month": month,
            "received": c["received"], "completed": c["decided"], "approved": c["approved"],
            "on_time": c["on_time"], "on_time_pct": rules.share(c["on_time"], c["decided"]),
            "breached": c["breached"], "returned": c["returned"],
        }  # fmt: skip
    buckets: dict[tuple[str, str, str], dict[int, int]] = {}
    lead = select(
        LeadTimes.agency, LeadTimes.service, LeadTimes.month, LeadTimes.bucket, LeadTimes.count
    )
    lead = lead.where(LeadTimes.month.between(first, last), *scope_filter(LeadTimes, scope))
    for agency, service, month, bucket, count in uow.session.execute(lead):
        buckets.setdefault((agency, service, month), {})[bucket] = count
    keys = (SurveyMonth.agency, SurveyMonth.service, SurveyMonth.month)
    surveys = {k: ikm_of(v) for k, v in survey_totals(uow, scope, first, last, keys).items()}
    table = []
    for key in sorted(set(found) | set(surveys)):
        row = found.get(key) or dict(zip(("agency", "service", "month"), key, strict=True))
        row["lead_time_p50_wd"] = rules.percentile(buckets.get(key, {}), 0.5)
        row["lead_time_p90_wd"] = rules.percentile(buckets.get(key, {}), 0.9)
        row["ikm"], row["ikm_n"] = surveys.get(key, (None, 0))
        # A month with questionnaires and no applications counts zero of them; its
        # rates have nothing to be rates of.
        table.append({c: row.get(c, None if c in _RATES else 0) for c in COLUMNS})
    return table


def as_csv(table: list[dict[str, Any]]) -> str:
    """The rows as CSV (comma-separated, UTF-8, a header line; empty cells for no value)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()
