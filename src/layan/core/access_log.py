"""The access log: who read whose personal data, when, what and why (UU 27/2022).

One row per read of a whole case or of one of its documents by an officer, so the
citizen can see who has seen their data and an agency can list whose data an incident
touched. Reads by the applicant with their own PIN are not logged: the log answers
"who else has seen my data". A read is logged in its own small write unit of work right
after it succeeded, in the same request that shows the data; a refused read is never
logged as a read.

The log names officers (the law lets the citizen see who), never the citizen: the case
is named by its type and number, as in the event log (`application`, `complaint`). It
lives in the kernel beside the event log because every business package reads cases.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from layan.core.access import Principal
from layan.core.db import Base, Database, UnitOfWork, UTCDateTime


class AccessLogEntry(Base):
    """One read of a case's personal data by an officer."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_case", "case_type", "case_id"),
        Index("ix_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_type: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[str] = mapped_column(String(40))
    officer_id: Mapped[int] = mapped_column(Integer)
    officer_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(82))
    agency: Mapped[str | None] = mapped_column(String(40))
    what: Mapped[str] = mapped_column(String(80))
    # Long enough for a registry lookup's requirement and legal basis.
    why: Mapped[str] = mapped_column(String(300))


@dataclass(frozen=True)
class Reader:
    """The officer who read, in the role, unit and agency they read as."""

    officer_id: int
    name: str
    role: str
    unit: str | None = None
    agency: str | None = None


def reader_for(
    principal: Principal, *, unit_id: int | None = None, agencies: Collection[str] = ()
) -> Reader:
    """The grant a read is made under: the task's unit, else an agency of the case, else any."""
    grants = principal.grants
    grant = (
        (principal.grant_in(unit_id) if unit_id is not None else None)
        or next((g for g in grants if g.agency and g.agency in agencies), None)
        or next((g for g in grants if g.unit_id is None), None)
        or principal.home
        or (grants[0] if grants else None)
    )
    if grant is None:
        return Reader(principal.officer_id, principal.name, "officer")
    return Reader(principal.officer_id, principal.name, grant.role, grant.unit, grant.agency)


@dataclass(frozen=True)
class Read:
    """A read an officer just made, ready for the access log."""

    tracking_number: str
    what: str  # 'application', 'document:<slot>', 'complaint', 'attachment:<id>'
    why: str  # 'task <id>', 'complaint handling', 'supervision', 'audit', ...
    reader: Reader


def record_read(
    uow: UnitOfWork, *, case_type: str, case_id: str, reader: Reader, what: str, why: str
) -> AccessLogEntry:
    """Add one read to the log inside the caller's (writing) unit of work."""
    entry = AccessLogEntry(
        at=uow.now(),
        case_type=case_type,
        case_id=case_id,
        officer_id=reader.officer_id,
        officer_name=reader.name[:200],
        role=reader.role,
        unit=reader.unit,
        agency=reader.agency,
        what=what[:80],
        why=why[:300],
    )
    uow.session.add(entry)
    return entry


def log_read(db: Database, case_type: str, read: Read) -> None:
    """Log one officer's read that just succeeded, in its own write unit of work."""
    with db.unit_of_work() as uow:
        record_read(
            uow,
            case_type=case_type,
            case_id=read.tracking_number,
            reader=read.reader,
            what=read.what,
            why=read.why,
        )
        uow.commit()


def reads_of(session: Session, case_type: str, case_id: str) -> list[AccessLogEntry]:
    """Every logged read of one case, oldest first."""
    stmt = (
        select(AccessLogEntry)
        .where(AccessLogEntry.case_type == case_type, AccessLogEntry.case_id == case_id)
        .order_by(AccessLogEntry.at, AccessLogEntry.id)
    )
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class AccessEntry:
    """One read of a case by an officer, as the citizen whose case it is sees it."""

    at: datetime
    role: str
    unit: str | None
    agency: str | None
    officer: str
    what: str
    why: str


def shown_to_citizen(session: Session, case_type: str, case_id: str) -> list[AccessEntry]:
    """Every logged read of one case, oldest first, for the citizen who opened it."""
    return [
        AccessEntry(e.at, e.role, e.unit, e.agency, e.officer_name, e.what, e.why)
        for e in reads_of(session, case_type, case_id)
    ]


def reads_between(
    session: Session, case_type: str, start: datetime, end: datetime
) -> list[AccessLogEntry]:
    """Every logged read of cases of `case_type` at or after `start` and before `end`."""
    stmt = (
        select(AccessLogEntry)
        .where(
            AccessLogEntry.case_type == case_type,
            AccessLogEntry.at >= start,
            AccessLogEntry.at < end,
        )
        .order_by(AccessLogEntry.at, AccessLogEntry.id)
    )
    return list(session.execute(stmt).scalars())
