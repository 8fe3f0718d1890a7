"""Costs against data size: `python -m bench.scale [--counts 10000 100000] [--database postgresql]`.

For each count: a database (SQLite, or a PostgreSQL server started for the run) with the
demo regency and that many applications of generated history (`layan.demo_history`), then

- tracking lookups (`GET /api/v1/applications/{number}`, no PIN) and an officer's queue,
  first page (`GET /api/v1/tasks`, the officer with the most open tasks), through one
  uvicorn worker on loopback with 8 in flight: p50 and p99;
- the server's resident memory after those reads;
- the SLA sweep with every open task past its deadline, in process: tasks marked per s;
- `layan audit verify` over the whole log, in process: events per second.

Costs that an index can keep flat should stay flat as the count grows. Results go to the
"scale" section of bench/RESULTS.md ("scale-postgresql" for PostgreSQL, where the history's
events also fill a year of the event log's monthly partitions).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.dashboard import _generate
from bench.load import RunStats, http_request, run_requests
from bench.results import machine, today, write_section
from bench.run import backend_urls, layan_server
from layan import demo
from layan.applications.models import Application, Task
from layan.applications.rules import TaskStatus
from layan.applications.sweep import sweep_deadlines
from layan.audit import verify_audit_chain
from layan.core import partitions
from layan.core.db import Database


@dataclass
class Result:
    count: int
    events: int = 0
    open_tasks: int = 0
    runs: dict[str, RunStats] = field(default_factory=dict)
    rss_mb: float = 0.0
    swept: int = 0
    sweep_seconds: float = 0.0
    verified: int = 0
    verify_seconds: float = 0.0
    version: str = ""
    months: int = 0  # the event log's monthly partitions (PostgreSQL)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _busiest_officer(db: Database) -> str:
    """The demo officer holding the step role of the unit with the most open tasks."""
    with db.unit_of_work(readonly=True) as uow:
        unit, role = uow.session.execute(
            select(Task.unit_code, Task.role)
            .where(Task.status == TaskStatus.OPEN)
            .group_by(Task.unit_code, Task.role)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    return next(a.username for a in demo.demo_accounts() if a.unit == unit and a.role == role)


def bench_count(count: int, args: argparse.Namespace) -> Result:
    _say(f"{count:,} applications on {args.database}")
    result = Result(count)
    with (
        tempfile.TemporaryDirectory(prefix="layan-scale-") as tmp,
        backend_urls(args.database, Path(tmp)) as (url, _floor, version),
    ):
        work = Path(tmp)
        result.version = version
        seconds = _generate(url, work / "data", count, args.seed)
        _say(f"  generated in {seconds:,.0f} s")
        db = Database(url)
        rng = random.Random(args.seed)
        with db.unit_of_work(readonly=True) as uow:
            numbers = list(uow.session.execute(select(Application.tracking_number)).scalars())
            result.open_tasks = uow.session.scalar(
                select(func.count()).where(Task.status.in_(TaskStatus.ACTIVE))
            )
        officer = _busiest_officer(db)
        server = layan_server(url, work)
        try:
            server.start()
            token = httpx.post(
                f"{server.base_url}/api/v1/auth/token",
                data={"username": officer, "password": demo.PASSWORD},
            ).json()["access_token"]
            lookups = [
                http_request("GET", f"/api/v1/applications/{rng.choice(numbers)}")
                for _ in range(args.requests)
            ]
            queue = [
                http_request("GET", "/api/v1/tasks").replace(
                    b"\r\n\r\n", f"\r\nAuthorization: Bearer {token}\r\n\r\n".encode(), 1
                )
                for _ in range(args.requests // 4)
            ]
            for label, requests in (("lookups", lookups), ("queue", queue)):
                run_requests(
                    "warm-up", server.base_url, requests[:100], concurrency=8, cap_seconds=60
                )
                stats = run_requests(
                    label, server.base_url, requests, concurrency=8, cap_seconds=120
                )
                result.runs[label] = stats
                _say(f"  {label}: p50 {stats.p50:.1f} ms, p99 {stats.p99:.1f} ms")
                if stats.first_error:
                    _say(f"    first error: {stats.first_error}")
            # The officer alone: the page's own cost, without queueing behind others.
            alone = run_requests("queue", server.base_url, queue, concurrency=1, cap_seconds=120)
            result.runs["queue-alone"] = alone
            _say(f"  queue, 1 in flight: p50 {alone.p50:.1f} ms, p99 {alone.p99:.1f} ms")
            result.rss_mb = _rss_mb(server.process.pid)  # type: ignore[union-attr]
        finally:
            server.stop()
        later = Database(url, clock=lambda: db.clock() + timedelta(days=120))
        started = time.perf_counter()
        while (marked := sweep_deadlines(later)) > 0:
            result.swept += marked
        result.sweep_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result.verified, problems = verify_audit_chain(db)
        result.verify_seconds = time.perf_counter() - started
        if problems:
            raise RuntimeError(f"the audit chain does not verify: {problems[:1]}")
        result.events = result.verified
        with db.engine.connect() as conn:
            result.months = len(partitions.months(conn)) if partitions.is_partitioned(conn) else 0
        later.dispose()
        db.dispose()
    _say(
        f"  sweep: {result.swept:,} marked in {result.sweep_seconds:.1f} s; audit verify: "
        f"{result.verified:,} events in {result.verify_seconds:.1f} s; RSS {result.rss_mb:.0f} MB"
    )
    return result


def render(results: list[Result], command: str, elapsed: float) -> str:
    postgres = results[0].version.startswith("PostgreSQL")
    lines = [
        f"## Costs against data size ({'PostgreSQL' if postgres else 'SQLite'})",
        "",
        "Written by `python -m bench.scale`.",
        "",
        f"- Date: {today()}",
        f"- Command: `{command}` ({elapsed:.0f} s in all)",
        f"- Machine: {machine()}",
        "- Data: the demo regency and generated history; lookups by random tracking number "
        "without the PIN and the first page of the busiest officer's queue, through one "
        "uvicorn worker with 8 in flight (and the queue with 1 in flight); the sweep with "
        "every open task past its deadline and `audit verify` in process; RSS of the "
        "server process after the reads",
        f"- Database: {results[0].version}"
        + (
            f"; the event log partitioned by month ({results[-1].months} partitions at "
            f"{results[-1].count:,} applications)"
            if postgres
            else ""
        ),
        "- Not measured here: 1,000,000 applications of history (the dashboard bench has "
        "them); a million open tasks on both databases are in their own section "
        "(`python -m bench.open_tasks`)",
        "",
        "| applications | events | open tasks | lookup p50 ms | lookup p99 ms | queue p50 ms "
        "| queue p99 ms | queue p50 ms, 1 in flight | server RSS MB | sweep: tasks marked/s "
        "| audit verify: events/s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        look, queue = r.runs["lookups"], r.runs["queue"]
        sweep_rate = r.swept / r.sweep_seconds if r.sweep_seconds else 0.0
        verify_rate = r.verified / r.verify_seconds if r.verify_seconds else 0.0
        lines.append(
            f"| {r.count:,} | {r.events:,} | {r.open_tasks:,} | {look.p50:.1f} | {look.p99:.1f} "
            f"| {queue.p50:.1f} | {queue.p99:.1f} | {r.runs['queue-alone'].p50:.1f} "
            f"| {r.rss_mb:.0f} | {sweep_rate:,.0f} "
            f"| {verify_rate:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = p.parse_args(argv)
    started = time.monotonic()
    results = [bench_count(count, args) for count in args.counts]
    command = " ".join(["python -m bench.scale", *(argv or sys.argv[1:])])
    section = "scale" if args.database == "sqlite" else f"scale-{args.database}"
    write_section(section, render(results, command, time.monotonic() - started))
    _say(f"wrote bench/RESULTS.md in {time.monotonic() - started:.0f} s")
    errors = sum(r.runs[k].errors for r in results for k in r.runs)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
