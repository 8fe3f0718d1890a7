"""Working clocks as the rollups measure with them: an agency's standard hours for lead
times, a unit's own hours for its steps, cuti bersama stopping the clock as each service
says (as it does for that service's deadlines)."""

from __future__ import annotations

from datetime import datetime

from layan.catalogue import queries as catalogue
from layan.core.db import UnitOfWork
from layan.core.errors import NotFoundError
from layan.core.worktime import WorkingClock, clock_for


class DbClocks:
    """Clocks of agencies and units over the years `first`..`last` (and one either side),
    from the catalogue's calendars, made on demand."""

    def __init__(self, uow: UnitOfWork, first: int, last: int) -> None:
        self.uow, self.years = uow, range(first - 1, last + 2)
        self._clocks: dict[tuple[str, bool], WorkingClock] = {}
        self._cuti: dict[str, bool] = {}

    def _clock(self, key: str, cuti: bool = True) -> WorkingClock:
        clock = self._clocks.get((key, cuti))
        if clock is None:
            calendar = catalogue.calendar_for_agency(self.uow, key.partition(".")[0], self.years)
            if "." in key:
                try:
                    unit = catalogue.get_unit(self.uow, key)
                    calendar = catalogue.calendar_for_unit(self.uow, unit, self.years)
                except NotFoundError:
                    pass  # a unit since removed: its agency's standard hours
            clock = clock_for(calendar, self.years, collective_leave_stops_clock=cuti)
            self._clocks[(key, cuti)] = clock
        return clock

    def tz(self, agency: str) -> str:
        return self._clock(agency).calendar.tz

    def cuti(self, service: str) -> bool:
        """Whether cuti bersama stops the service's clock (yes for a service since removed)."""
        if service not in self._cuti:
            try:
                standard = catalogue.get_standard(self.uow, service).standard
                self._cuti[service] = standard.cuti_bersama_stops_clock
            except NotFoundError:
                self._cuti[service] = True
        return self._cuti[service]

    def working_seconds(self, key: str, start: datetime, end: datetime, cuti: bool = True) -> float:
        return max(self._clock(key, cuti).between(start, end), 0.0)

    def day_seconds(self, agency: str) -> float:
        return self._clock(agency).day_seconds
