"""The synthetic log the DFG benchmark reads: applications as Layan's procedure logs them.

Several services of several agencies, each application submitted at a random moment of a
year, each step of its procedure scheduled, taken by an officer of its unit after a wait
and decided after some work (both exponential around the step's own means); 8% of first
checks are returned to the applicant, who resubmits about two days later, and the step is
worked again. Decisions that end an application share the last step's timestamp, as
they do in Layan (one transaction), so the log has the ties real logs have.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from layan.analytics.eventlog import SCHEMA
from layan.analytics.xes import write_xes


@dataclass(frozen=True)
class Step:
    code: str
    unit: str
    role: str
    wait_hours: float  # mean time in the queue before an officer takes it
    work_hours: float  # mean time from taken to decided


@dataclass(frozen=True)
class Service:
    code: str
    agency: str
    steps: tuple[Step, ...]
    weight: int


def _step(code: str, unit: str, role: str, wait: float, work: float) -> Step:
    return Step(code, unit, role, wait, work)


SERVICES = (
    Service(
        "ktp-el-baru",
        "DISDUKCAPIL",
        (
            _step("verifikasi_berkas", "DISDUKCAPIL.LOKET", "front_desk", 1.0, 0.3),
            _step("perekaman", "DISDUKCAPIL.PENDAFTARAN", "processor", 6.0, 0.5),
            _step("pencetakan", "DISDUKCAPIL.PENDAFTARAN", "processor", 20.0, 0.2),
            _step("tanda_tangan", "DISDUKCAPIL.KABID", "approver", 4.0, 0.1),
        ),
        5,
    ),
    Service(
        "akta-kelahiran",
        "DISDUKCAPIL",
        (
            _step("verifikasi_berkas", "DISDUKCAPIL.LOKET", "front_desk", 1.5, 0.3),
            _step("pencatatan", "DISDUKCAPIL.PENDAFTARAN", "processor", 8.0, 0.6),
            _step("tanda_tangan", "DISDUKCAPIL.KABID", "approver", 3.0, 0.1),
        ),
        4,
    ),
    Service(
        "skck",
        "POLRES",
        (
            _step("verifikasi_berkas", "POLRES.SPKT", "front_desk", 2.0, 0.4),
            _step("pemeriksaan", "POLRES.INTELKAM", "processor", 24.0, 1.0),
            _step("tanda_tangan", "POLRES.KASAT", "approver", 6.0, 0.1),
        ),
        3,
    ),
    Service(
        "pbg",
        "DPMPTSP",
        (
            _step("verifikasi_berkas", "DPMPTSP.FO", "front_desk", 4.0, 0.5),
            _step("kajian_teknis", "DPUPR.TEKNIS", "processor", 72.0, 8.0),
            _step("retribusi", "BAPENDA.PENETAPAN", "processor", 24.0, 1.0),
            _step("tanda_tangan", "DPMPTSP.KADIS", "approver", 12.0, 0.2),
        ),
        1,
    ),
    Service(
        "sip-nakes",
        "DINKES",
        (
            _step("verifikasi_berkas", "DPMPTSP.FO", "front_desk", 3.0, 0.4),
            _step("rekomendasi", "DINKES.SDMK", "processor", 30.0, 2.0),
            _step("tanda_tangan", "DPMPTSP.KADIS", "approver", 8.0, 0.1),
        ),
        2,
    ),
)
YEAR = datetime(2025, 1, 1, 0, 30, tzinfo=UTC)  # 07:30 in Jakarta, 1 January 2025
OPEN_HOURS = 8.5  # 07:30 to 16:00 WIB
Row = tuple[Any, ...]  # the service, then the columns of eventlog.SCHEMA


def _row(service: str, case: str, activity: str, lifecycle: str, at: datetime, **who: Any) -> Row:
    """One event: who acted (resource, role, unit, agency), the task and outcome if any."""
    return (
        service,
        case,
        activity,
        lifecycle,
        at,
        who.get("resource"),
        who.get("role"),
        who.get("unit"),
        who.get("agency"),
        who.get("task"),
        who.get("outcome"),
    )


class CaseMaker:
    """The events of synthetic applications, as Layan's procedure logs them."""

    def __init__(self, seed: int = 1849) -> None:
        self.rng = random.Random(seed)
        self.weights = [s.weight for s in SERVICES]
        self.number = 0

    def _later(self, at: datetime, mean_hours: float) -> datetime:
        seconds = self.rng.expovariate(1.0 / (mean_hours * 3600.0))
        return at + timedelta(milliseconds=round(seconds * 1000))

    def _submitted(self) -> datetime:
        """A moment in opening hours on a weekday of the year."""
        while (day := YEAR + timedelta(days=self.rng.randrange(365))).weekday() >= 5:
            pass
        return day + timedelta(milliseconds=self.rng.randrange(int(OPEN_HOURS * 3600_000)))

    def case(self) -> list[Row]:
        """One application: submitted, its steps worked (one may be returned), decided."""
        self.number += 1
        service = self.rng.choices(SERVICES, self.weights)[0]
        case, at = f"LYN{self.number:09d}", self._submitted()
        citizen = {"resource": "citizen", "role": "applicant", "agency": service.agency}
        rows = [_row(service.code, case, "submit", "complete", at, **citizen)]
        for task, step in enumerate(service.steps, start=self.number * 10):
            at = self._work(rows, service, case, step, task, at)
        system = {"resource": "system", "role": "system", "agency": service.agency}
        rows.append(
            _row(service.code, case, "approve", "complete", at, **system, outcome="approve")
        )
        return rows

    def _work(
        self, rows: list[Row], service: Service, case: str, step: Step, task: int, at: datetime
    ) -> datetime:
        """A step scheduled, taken and decided; a returned one comes back resubmitted and is
        worked again as a new task."""
        unit = {"unit": step.unit, "agency": step.unit.partition(".")[0], "task": task}
        officer = {"resource": f"officer:{self.rng.randrange(40)}", "role": step.role, **unit}
        started = self._later(at, step.wait_hours)
        done = self._later(started, step.work_hours)
        returned = step.role == "front_desk" and self.rng.random() < 0.08
        outcome = "return" if returned else "approve"
        rows += [
            _row(
                service.code,
                case,
                step.code,
                "schedule",
                at,
                resource="system",
                role="system",
                **unit,
            ),
            _row(service.code, case, step.code, "start", started, **officer),
            _row(service.code, case, step.code, "complete", done, **officer, outcome=outcome),
        ]
        if not returned:
            return done
        rows.append(
            _row(service.code, case, "return", "complete", done, **officer, outcome="return")
        )
        back = self._later(done, 48.0)
        citizen = {"resource": "citizen", "role": "applicant", "agency": service.agency}
        rows.append(_row(service.code, case, "resubmit", "complete", back, **citizen))
        return self._work(rows, service, case, step, task + 5, back)


FRAME_SCHEMA = {"service": pl.String, **SCHEMA}


def synthetic_chunks(events: int, chunk: int = 200_000) -> Iterator[pl.DataFrame]:
    """Frames of whole cases, about `chunk` events each, `events` events in all."""
    maker, rows, made = CaseMaker(), [], 0
    while made < events:
        case = maker.case()
        rows += case
        made += len(case)
        if len(rows) >= chunk or made >= events:
            yield pl.DataFrame(rows, schema=FRAME_SCHEMA, orient="row")
            rows = []


def write_log(path: Path, events: int) -> tuple[int, float]:
    """Write the synthetic log to `path` with Layan's XES writer; (events, seconds)."""
    started = time.perf_counter()
    with path.open("wb") as out:
        written = write_xes(synthetic_chunks(events), out)
    return written, time.perf_counter() - started
