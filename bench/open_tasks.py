"""A million open tasks: `python -m bench.open_tasks [--tasks 1000000] [--backends ...]`.

The worst case for an officer's queue and for the SLA sweep: every open task in one
unit, waiting on one role. For each backend, the demo regency (catalogue and officers)
and then `--tasks` applications, each with one open task of the first step of `pbg`
(its unit and role), written in bulk. `--late` of them (default 1%) are past their
deadline, the rest due over the next 60 days. Then:

- the busiest officer's queue, first page (`GET /api/v1/tasks`), through one uvicorn
  worker on loopback with 8 in flight: p50 and p99, and the server's resident memory;
- the SLA sweep, in process, until it finds nothing: a routine run marks the late share;
- the same sweep with every task past its deadline (120 days later): the worst case,
  tasks marked per second.

Results go to the "open-tasks" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from bench.load import RunStats, http_request, run_requests
from bench.results import machine, today, write_section
from bench.run import SECRET, backend_urls, layan_server
from bench.scale import _rss_mb, _say
from layan import demo, migrations
from layan.applications.models import Application, Task
from layan.applications.rules import TaskStatus
from layan.applications.sweep import sweep_deadlines
from layan.catalogue import queries as catalogue
from layan.core import codes
from layan.core.blobs import BlobStore
from layan.core.db import Database

SERVICE = "pbg"
CHUNK = 20_000


@dataclass
class Result:
    backend: str
    version: str
    tasks: int
    late: int
    fill_seconds: float = 0.0
    runs: dict[str, RunStats] = field(default_factory=dict)
    rss_mb: float = 0.0
    routine: int = 0
    routine_seconds: float = 0.0
    worst: int = 0
    worst_seconds: float = 0.0


def tracking_numbers(count: int, seed: int) -> list[str]:
    """The bench's tracking numbers: valid ones (check character and all), the same for a
    seed, none twice."""
    rng = random.Random(seed)
    numbers: dict[str, None] = {}
    while len(numbers) < count:
        body = "".join(rng.choice(codes.ALPHABET) for _ in range(11))
        numbers[body + codes.check_char(body)] = None
    return list(numbers)


def fill(db: Database, count: int, late_share: float, seed: int) -> tuple[str, int]:
    """`count` applications of SERVICE, each with one open first-step task; the officer
    whose queue holds them all, and how many are late now."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with db.unit_of_work(readonly=True) as uow:
        published = catalogue.get_standard(uow, SERVICE)
        step = published.standard.groups()[0][0]
        unit = catalogue.unit_info(uow, step.unit)
    late = int(count * late_share)
    numbers = tracking_numbers(count, seed)
    for start in range(0, count, CHUNK):
        apps, tasks = [], []
        for i in range(start, min(start + CHUNK, count)):
            due = (
                now - timedelta(minutes=rng.randint(1, 60 * 24 * 5))
                if i < late
                else now + timedelta(minutes=rng.randint(60, 60 * 24 * 60))
            )
            apps.append(
                {
                    "id": i + 1,
                    "tracking_number": numbers[i],
                    "standard_version_id": published.version_id,
                    "service_code": SERVICE,
                    "agency_code": published.agency,
                    "status": "in_process",
                    "stage": 0,
                    "applicant_nik": "3201010101900001",
                    "applicant_name": "Bench",
                    "applicant_phone": "081234567890",
                    "applicant_email": "",
                    "data": {},
                    "flags": [],
                    "submitted_at": now - timedelta(days=1),
                    "due_at": due + timedelta(days=10),
                }
            )
            tasks.append(
                {
                    "application_id": i + 1,
                    "step_code": step.code,
                    "stage": 0,
                    "unit_id": unit.id,
                    "unit_code": step.unit,
                    "agency_code": unit.agency.code,
                    "role": step.role,
                    "status": TaskStatus.OPEN,
                    "created_at": now - timedelta(days=1),
                    "due_at": due,
                }
            )
        with db.unit_of_work() as uow:
            connection = uow.session.connection()
            connection.execute(insert(Application.__table__), apps)
            connection.execute(insert(Task.__table__), tasks)
            uow.commit()
    if not db.is_sqlite:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    officer = next(
        a.username for a in demo.demo_accounts() if a.unit == step.unit and a.role == step.role
    )
    return officer, late


def bench_backend(name: str, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="layan-open-") as tmp:
        work = Path(tmp)
        with backend_urls(name, work) as (url, _floor, version):
            _say(f"{name}: {version}")
            db = Database(url)
            migrations.upgrade(db.engine)
            demo.load_demo(db, BlobStore(work / "data" / "blobs"), SECRET, applications_count=0)
            started = time.monotonic()
            officer, late = fill(db, args.tasks, args.late, args.seed)
            result = Result(name, version, args.tasks, late)
            result.fill_seconds = time.monotonic() - started
            with db.unit_of_work(readonly=True) as uow:
                open_now = uow.session.scalar(
                    select(func.count()).where(Task.status.in_(TaskStatus.ACTIVE))
                )
            _say(f"  {open_now:,} open tasks written in {result.fill_seconds:,.0f} s")
            _measure_queue(url, work, officer, args, result)
            result.routine, result.routine_seconds = _sweep(db)
            _say(f"  routine sweep: {result.routine:,} marked in {result.routine_seconds:.2f} s")
            later = Database(url, clock=lambda: datetime.now(UTC) + timedelta(days=120))
            result.worst, result.worst_seconds = _sweep(later)
            _say(f"  worst case: {result.worst:,} marked in {result.worst_seconds:.1f} s")
            later.dispose()
            db.dispose()
    return result


def _measure_queue(
    url: str, work: Path, officer: str, args: argparse.Namespace, result: Result
) -> None:
    server = layan_server(url, work)
    try:
        server.start()
        token = httpx.post(
            f"{server.base_url}/api/v1/auth/token",
            data={"username": officer, "password": demo.PASSWORD},
        ).json()["access_token"]
        queue = [
            http_request("GET", "/api/v1/tasks").replace(
                b"\r\n\r\n", f"\r\nAuthorization: Bearer {token}\r\n\r\n".encode(), 1
            )
            for _ in range(args.requests)
        ]
        rng = random.Random(args.seed)
        numbers = tracking_numbers(result.tasks, args.seed)
        lookups = [
            http_request("GET", f"/api/v1/applications/{rng.choice(numbers)}")
            for _ in range(args.requests)
        ]
        run_requests("warm-up", server.base_url, lookups[:50], concurrency=8, cap_seconds=60)
        stats = run_requests("lookups", server.base_url, lookups, concurrency=8, cap_seconds=120)
        result.runs["lookups"] = stats
        _say(
            f"  lookups, 8 in flight: p50 {stats.p50:.1f} ms, p99 {stats.p99:.1f} ms, "
            f"errors {stats.errors}"
        )
        if stats.first_error:
            _say(f"    first error: {stats.first_error}")
        run_requests("warm-up", server.base_url, queue[:50], concurrency=8, cap_seconds=60)
        for flight in (1, 8):
            stats = run_requests(
                "queue", server.base_url, queue, concurrency=flight, cap_seconds=120
            )
            result.runs[f"queue-{flight}"] = stats
            _say(
                f"  queue, {flight} in flight: p50 {stats.p50:.1f} ms, p99 {stats.p99:.1f} ms, "
                f"{stats.throughput:.0f} req/s, errors {stats.errors}"
            )
            if stats.first_error:
                _say(f"    first error: {stats.first_error}")
        result.rss_mb = _rss_mb(server.process.pid)  # type: ignore[union-attr]
    finally:
        server.stop()


def _sweep(db: Database) -> tuple[int, float]:
    started, marked = time.perf_counter(), 0
    while (done := sweep_deadlines(db)) > 0:
        marked += done
    return marked, time.perf_counter() - started


def render(results: list[Result], command: str, elapsed: float) -> str:
    lines = [
        "## A million open tasks in one queue",
        "",
        "Written by `python -m bench.open_tasks`.",
        "",
        f"- Date: {today()}",
        f"- Command: `{command}` ({elapsed:.0f} s in all)",
        f"- Machine: {machine()}",
        "- Data: the demo regency, then that many applications each with one open task of "
        f"`{SERVICE}`'s first step, all in one unit for one role (the worst case for a "
        "queue); the queue's first page (50 tasks, the default) through one uvicorn worker, "
        "one officer alone (1 in flight) and under load (8 in flight); tracking lookups of "
        "those applications (no history behind them) with 8 in flight; the routine sweep "
        "marks the late share, the worst case every task (120 days later); RSS of the "
        "server process after the reads",
        "- Targets: queue first page p50 < 20 ms at 1M open tasks; sweep of 1M open "
        "tasks < 10 s; RSS < 250 MB per worker",
        "",
        "| database | open tasks | late | lookup p99 ms | queue p50 ms (1 in flight) | p99 ms "
        "| queue p50 ms (8 in flight) | p99 ms | req/s | server RSS MB | routine sweep s "
        "| worst case: all late, s | worst case marks/s (tasks and applications) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for r in results:
        alone, busy = r.runs["queue-1"], r.runs["queue-8"]
        rate = r.worst / r.worst_seconds if r.worst_seconds else 0.0
        lines.append(
            f"| {r.version} | {r.tasks:,} | {r.late:,} | {r.runs['lookups'].p99:.1f} "
            f"| {alone.p50:.1f} | {alone.p99:.1f} "
            f"| {busy.p50:.1f} | {busy.p99:.1f} | {busy.throughput:,.0f} | {r.rss_mb:.0f} "
            f"| {r.routine_seconds:.2f} | {r.worst_seconds:,.0f} | {rate:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tasks", type=int, default=1_000_000)
    p.add_argument("--late", type=float, default=0.01, help="share past its deadline")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--output", type=Path, default=None, help="write here, not RESULTS.md")
    args = p.parse_args(argv)
    started = time.monotonic()
    results = [bench_backend(name, args) for name in args.backends.split(",")]
    command = " ".join(["python -m bench.open_tasks", *(argv or sys.argv[1:])])
    section = render(results, command, time.monotonic() - started)
    if args.output:
        args.output.write_text(section)
    else:
        write_section("open-tasks", section)
    _say(f"done in {time.monotonic() - started:.0f} s")
    errors = sum(r.runs[k].errors for r in results for k in r.runs)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
