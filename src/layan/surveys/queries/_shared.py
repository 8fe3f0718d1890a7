"""What the reads of the survey share: the score columns, and scopes and periods.

A scope is one unit (AGENCY.UNIT), one service, or one whole agency; a period is local
dates, inclusive, in the scope's agency's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement

from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.surveys import rules
from layan.surveys.models import SurveyResponse

SCOPES = ("unit", "service", "agency")
_SCORES = tuple(getattr(SurveyResponse, key) for key in rules.ELEMENT_KEYS)


@dataclass(frozen=True)
class Scope:
    """What an index is for: one unit (AGENCY.UNIT), one service, or one whole agency."""

    kind: str
    code: str
    agency: str
    tz: str

    def condition(self) -> ColumnElement[bool]:
        column = {
            "unit": SurveyResponse.unit_code,
            "service": SurveyResponse.service_code,
            "agency": SurveyResponse.agency_code,
        }[self.kind]
        return column == self.code


def _scope_invalid(fields: list[str], text: Text) -> ValidationFailedError:
    return ValidationFailedError(
        Text("Cakupan indeks tidak sah", "Invalid scope for the index"),
        "invalid",
        [FieldError(name, "scope.one_required", text) for name in fields],
    )


def resolve_scope(
    uow: UnitOfWork,
    *,
    unit: str | None = None,
    service: str | None = None,
    agency: str | None = None,
) -> Scope:
    """The one scope given; 422 naming the fields unless exactly one, 404 if it is unknown."""
    given = {k: v for k, v in {"unit": unit, "service": service, "agency": agency}.items() if v}
    if len(given) != 1:
        text = Text(
            "Isi tepat satu dari unit, service, atau agency",
            "Give exactly one of unit, service or agency",
        )
        raise _scope_invalid(sorted(given) or list(SCOPES), text)
    kind, code = next(iter(given.items()))
    if kind == "unit":
        found = catalogue.get_unit(uow, code)
        return Scope("unit", found.full_code, found.agency.code, found.agency.tz)
    if kind == "service":
        published = catalogue.get_standard(uow, code)
        tz = catalogue.agency_tz(uow, published.agency)
        return Scope("service", code, published.agency, tz)
    found_agency = catalogue.find_agency(uow, code)
    if found_agency is None:
        raise NotFoundError(
            Text(f"Instansi {code} tidak dikenal", f"Unknown agency {code}"), "agency.not_found"
        )
    return Scope("agency", found_agency.code, found_agency.code, found_agency.tz)


def local_today(uow: UnitOfWork, tz: str) -> date:
    """Today in a time zone, by the unit of work's clock."""
    return uow.now().astimezone(ZoneInfo(tz)).date()


def _period(
    uow: UnitOfWork, scope: Scope, start: date | None, end: date | None
) -> tuple[date, date]:
    """The period asked for; by default the current year up to today, in the agency's zone."""
    today = local_today(uow, scope.tz)
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        text = Text(
            "Tanggal awal harus sebelum atau sama dengan tanggal akhir",
            "The start date must be on or before the end date",
        )
        raise ValidationFailedError(
            Text("Periode tidak sah", "Invalid period"),
            "invalid",
            [FieldError("from", "period.order", text), FieldError("to", "period.order", text)],
        )
    return start, end


def _utc_bounds(scope: Scope, start: date, end: date) -> tuple[datetime, datetime]:
    """The local days [start, end] as UTC moments [from, until)."""
    zone = ZoneInfo(scope.tz)
    since = datetime.combine(start, time(0), zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return since, until
