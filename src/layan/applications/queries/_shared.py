"""Helpers the reads of applications share: who may see what, and the working-time clocks."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import exists

from layan.applications import rules
from layan.applications.models import Application, Task
from layan.catalogue import queries as catalogue
from layan.core.access import Principal
from layan.core.db import UnitOfWork
from layan.core.errors import Text


def _visible(principal: Principal):  # type: ignore[no-untyped-def]
    """Officers see applications of their agencies, or with a step in one of them."""
    if principal.reads_everything:
        return True
    agencies = principal.agencies
    return Application.agency_code.in_(agencies) | exists().where(
        Task.application_id == Application.id, Task.agency_code.in_(agencies)
    )


class _Clocks:
    """Calendars and standards looked up once per read, however many tasks share them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._units: dict[str, Any] = {}
        self._standards: dict[int, catalogue.PublishedStandard] = {}

    def unit(self, code: str) -> Any:
        if code not in self._units:
            self._units[code] = catalogue.get_unit(self.uow, code)
        return self._units[code]

    def standard(self, version_id: int) -> catalogue.PublishedStandard:
        if version_id not in self._standards:
            self._standards[version_id] = catalogue.get_standard_version(self.uow, version_id)
        return self._standards[version_id]

    def time_left(self, unit_code: str, version_id: int, due: datetime) -> tuple[float, Text]:
        """Working seconds to `due` in the unit's calendar, and the same as words."""
        calendar = catalogue.calendar_for_unit(self.uow, self.unit(unit_code))
        cuti = self.standard(version_id).standard.cuti_bersama_stops_clock
        now = self.uow.now()
        seconds = rules.seconds_left(calendar, now, due, cuti=cuti)
        return seconds, rules.working_time_left(
            seconds, self.hours_per_day(unit_code), overdue=due < now
        )

    def hours_per_day(self, unit_code: str) -> float:
        unit = self.unit(unit_code)
        opens, closes = time.fromisoformat(unit.opens), time.fromisoformat(unit.closes)
        return (closes.hour * 60 + closes.minute - opens.hour * 60 - opens.minute) / 60

    def step_name(self, version_id: int, step: str) -> Any:
        found = next(
            (s for s in self.standard(version_id).standard.procedure if s.code == step), None
        )
        return found.name if found else step
