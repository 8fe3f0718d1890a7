"""What an agency states of a month for its indicators: transactions served at the counter
outside Layan (digital take-up) and the cost of serving (cost per transaction).

Only the agency's admins (or a platform admin) enter them; every entry is an event in the
agency's ledger, so a changed figure is accountable like any other decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from layan.accounts import queries as accounts
from layan.analytics import rules
from layan.analytics.models import AgencyMonthFigures
from layan.analytics.rollup_rows import insert_into
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, Text, ValidationFailedError
from layan.core.events import record_agency_event

MOST_TRANSACTIONS = 100_000_000
MOST_COST = 10**15  # rupiah


@dataclass(frozen=True)
class MonthEntry:
    """What an admin typed: text as given, checked by `check_entry`."""

    month: str
    service: str  # "" for the agency as a whole
    counter_transactions: str
    cost_rupiah: str


@dataclass(frozen=True)
class Entered:
    agency: str
    service: str
    month: str
    counter_transactions: int | None
    cost_rupiah: int | None
    entered_at: datetime


def _error(field: str, id_text: str, en_text: str) -> FieldError:
    return FieldError(field, f"{field}.invalid", Text(id_text, en_text))


def _amount(text: str, field: str, most: int, errors: list[FieldError]) -> int | None:
    cleaned = text.strip().replace(".", "").replace(" ", "")
    if not cleaned:
        return None
    if not cleaned.isascii() or not cleaned.isdigit() or int(cleaned) > most:
        errors.append(
            _error(
                field,
                f"Isi bilangan bulat 0 sampai {most:,}".replace(",", "."),
                f"Give a whole number from 0 to {most:,}",
            )
        )
        return None
    return int(cleaned)


def check_entry(entry: MonthEntry, services: set[str]) -> tuple[str, str, int | None, int | None]:
    """The entry checked: (month, service, counter transactions, cost); every wrong field named."""
    errors: list[FieldError] = []
    try:
        month = rules.parse_month(entry.month)
    except ValueError:
        month = ""
        errors.append(_error("month", "Isi bulan YYYY-MM", "Give a month YYYY-MM"))
    service = entry.service.strip()
    if service and service not in services:
        errors.append(
            _error("service", "Bukan layanan instansi ini", "Not a service of this agency")
        )
    counter = _amount(entry.counter_transactions, "counter_transactions", MOST_TRANSACTIONS, errors)
    cost = _amount(entry.cost_rupiah, "cost_rupiah", MOST_COST, errors)
    if counter is None and cost is None and not errors:
        errors.append(
            _error(
                "counter_transactions",
                "Isi jumlah transaksi loket, biaya, atau keduanya",
                "Give the counter transactions, the cost, or both",
            )
        )
    if errors:
        raise ValidationFailedError(
            Text("Angka bulanan belum dapat disimpan", "The month's figures cannot be saved"),
            "invalid",
            errors,
        )
    return month, service, counter, cost


def _services_of(uow: UnitOfWork, agency: str) -> set[str]:
    return {p.standard.code for p in catalogue.list_standards(uow) if p.agency == agency}


def record_month_figures(
    db: Database, principal: Principal, agency: str | None, entry: MonthEntry
) -> Entered:
    """Keep (or correct) an agency's figures of a month; an admin of the agency only.

    A field left blank keeps what was entered before, so a month's cost can follow its
    counter figure later; two admins saving the same month at once both land, the later
    one standing.
    """
    with db.unit_of_work() as uow:
        agency = accounts.agency_for_admin(uow, principal, agency)
        month, service, counter, cost = check_entry(entry, _services_of(uow, agency))
        now = uow.now()
        before = uow.session.get(AgencyMonthFigures, (agency, service, month))
        if before is not None:
            counter = before.counter_transactions if counter is None else counter
            cost = before.cost_rupiah if cost is None else cost
        row = {
            "agency": agency,
            "service": service,
            "month": month,
            "counter_transactions": counter,
            "cost_rupiah": cost,
            "entered_by": principal.resource,
            "entered_at": now,
        }
        stmt = insert_into(uow, AgencyMonthFigures).values(row)
        keys = ("agency", "service", "month")
        uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={k: stmt.excluded[k] for k in row if k not in keys},
            )
        )
        record_agency_event(
            uow.session,
            agency,
            "month figures recorded",
            accounts.admin_actor(principal, agency),
            now,
            payload={
                "month": month,
                "service": service,
                "counter_transactions": counter,
                "cost_rupiah": cost,
            },
        )
        uow.commit()
        return Entered(agency, service, month, counter, cost, now)


def list_month_figures(
    uow: UnitOfWork, principal: Principal, agency: str | None
) -> tuple[str, list[Entered], list[str]]:
    """The agency an admin acts on, what it entered (newest month first), and its services."""
    agency = accounts.agency_for_admin(uow, principal, agency)
    rows = uow.session.execute(
        select(AgencyMonthFigures)
        .where(AgencyMonthFigures.agency == agency)
        .order_by(AgencyMonthFigures.month.desc(), AgencyMonthFigures.service)
    ).scalars()
    entered = [
        Entered(r.agency, r.service, r.month, r.counter_transactions, r.cost_rupiah, r.entered_at)
        for r in rows
    ]
    return agency, entered, sorted(_services_of(uow, agency))
