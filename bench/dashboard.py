"""The public dashboard with a million applications stored: `python -m bench.dashboard`.

For each backend: a database with the demo regency and `--count` applications of
generated history (`layan.demo_history`, generated once into a SQLite file kept in
bench/out/ and reused by later runs of the same count and schema; PostgreSQL gets a copy
of it through `layan db copy`), then Layan and the floor app
(bench/floor_app.py) under uvicorn on 127.0.0.1, and:

- dashboard reads: `GET /api/v1/dashboard` for the platform, every agency and every
  service over several periods, and the `/kinerja` pages, beside the floor's one-row GET
  in the same run (target: the API's p99 under 200 ms);
- rollups against intake: a burst of full submissions through the API, then the worker's
  fold of the events they made, timed in process; the fold must run faster than intake
  makes events (target: at least 1x).

Results go to the "dashboard" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.load import RunStats, http_request, run_requests
from bench.results import machine, today, write_section
from bench.run import (
    FLOOR,
    LAYAN,
    SECRET,
    _server_env,
    backend_urls,
    build_submissions,
    intake_requests,
)
from bench.servers import ROOT, ServerStartError, UvicornServer
from layan import demo, demo_history, migrations, transfer
from layan.analytics.models import ServiceMonth
from layan.analytics.rollups import fold_all
from layan.catalogue import queries as catalogue
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import Event

OUT = ROOT / "bench" / "out"
TARGET_P99_MS = 200.0
# Months back from the data's last month: a quarter, a year, two years; and the default.
PERIODS = (3, 12, 24, None)


@dataclass
class Result:
    name: str
    version: str
    count: int
    made: str  # how the database came to be: generated, reused, copied
    events: int
    runs: dict[str, RunStats] = field(default_factory=dict)
    intake_rate: float = 0.0  # events made per second by intake
    fold_rate: float = 0.0  # events folded per second


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# What shapes a stored history: the schema, the rollups' rules and fold, the generator.
SHAPED_BY = (
    "src/layan/migrations/versions/*.py",
    "src/layan/analytics/rules.py",
    "src/layan/analytics/fold.py",
    "src/layan/demo_history/*.py",
)


def _head() -> str:
    """The fingerprint of what shapes the history: a kept database is reused only while
    every file of SHAPED_BY is unchanged."""
    digest = hashlib.sha256()
    for pattern in SHAPED_BY:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _generate(url: str, data: Path, count: int, seed: int) -> float:
    db = Database(url)
    try:
        migrations.upgrade(db.engine)
        demo.load_demo(db, BlobStore(data / "blobs"), SECRET, applications_count=0)
        started = time.monotonic()
        done = [0]

        def progress(n: int) -> None:
            done[0] += n
            if done[0] % 50_000 < n:
                _say(f"    {done[0]:,} applications")

        demo_history.load_history(
            db, BlobStore(data / "blobs"), count, seed=seed, progress=progress
        )
        return time.monotonic() - started
    finally:
        db.dispose()


def prepare(name: str, url: str, data: Path, count: int, seed: int) -> str:
    """The database with its history, generated once into bench/out/ (SQLite) and reused;
    PostgreSQL gets a copy of it (`layan db copy`). How it was made, for the results."""
    kept = OUT / f"dashboard-{count}-{seed}-{_head()}.db"
    made = "reused"
    if not kept.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        seconds = _generate(f"sqlite:///{kept}", data, count, seed)
        _checkpoint(kept)
        made = f"generated in {seconds:,.0f} s"
    if name == "sqlite":
        shutil.copyfile(kept, Path(url.removeprefix("sqlite:///")))
        return made
    source, target = Database(f"sqlite:///{kept}"), Database(url)
    try:
        started = time.monotonic()
        transfer.copy_database(source, target)
        return f"copied in {time.monotonic() - started:,.0f} s"
    finally:
        source.dispose()
        target.dispose()


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def dashboard_requests(
    url: str, rng: random.Random, count: int
) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """API reads over every scope and period, in a shuffled order (read again and again,
    so most are answered from the figures kept since the rollups last moved); API reads
    each of its own scope and period (never kept before: every one adds up the rollups);
    and page reads."""
    db = Database(url)
    try:
        with db.unit_of_work(readonly=True) as uow:
            scopes = [""] + [f"agency={a.code}&" for a in catalogue.list_agencies(uow)]
            scopes += [f"service={p.standard.code}&" for p in catalogue.list_standards(uow)]
            agencies = [a.code for a in catalogue.list_agencies(uow)]
            last = uow.session.execute(select(func.max(ServiceMonth.month))).scalar()
    finally:
        db.dispose()
    api = []
    for scope in scopes:
        for months in PERIODS:
            period = f"from={_months_before(last, months - 1)}&to={last}" if months else ""
            api.append(http_request("GET", f"/api/v1/dashboard?{scope}{period}"))
    pages = [http_request("GET", "/kinerja")] + [
        http_request("GET", f"/kinerja/{a}") for a in agencies
    ]
    months = [_months_before(last, back) for back in range(36)]
    asked = {
        (scope, first, end)
        for scope in scopes
        for first in months
        for end in months
        if first <= end
    }
    cold = [
        http_request("GET", f"/api/v1/dashboard?{scope}from={first}&to={end}")
        for scope, first, end in rng.sample(sorted(asked), min(count, len(asked)))
    ]
    return (
        [rng.choice(api) for _ in range(count)],
        cold,
        [rng.choice(pages) for _ in range(count // 4)],
    )


def _months_before(month: str, count: int) -> str:
    year, number = (int(p) for p in month.split("-"))
    back = year * 12 + number - 1 - count
    return f"{back // 12:04d}-{back % 12 + 1:02d}"


def _run(server: UvicornServer, label: str, requests: list[bytes], concurrency: int) -> RunStats:
    cpu = server.cpu_seconds()
    stats = run_requests(label, server.base_url, requests, concurrency=concurrency, cap_seconds=120)
    stats.server_cpu = server.cpu_seconds() - cpu
    _say(
        f"  {label:<28} {stats.ok:>5}/{stats.planned:<5} {stats.throughput:8.1f} req/s  "
        f"p50 {stats.p50:7.1f} ms  p99 {stats.p99:7.1f} ms  errors {stats.errors}"
    )
    if stats.first_error:
        _say(f"    first error: {stats.first_error}")
    return stats


def _fold_rate(url: str) -> tuple[int, float]:
    """Fold everything not yet folded, in process; events folded and seconds taken."""
    db = Database(url)
    try:
        started = time.monotonic()
        total = fold_all(db, wait=True)
        return total, time.monotonic() - started
    finally:
        db.dispose()


def _events(url: str) -> int:
    db = Database(url)
    try:
        with db.unit_of_work(readonly=True) as uow:
            return int(uow.session.execute(select(func.count(Event.id))).scalar_one())
    finally:
        db.dispose()


def bench_backend(name: str, args: argparse.Namespace) -> Result:
    _say(f"{name}: preparing {args.count:,} applications of history")
    with (
        tempfile.TemporaryDirectory(prefix=f"layan-dash-{name}-") as tmp,
        backend_urls(name, Path(tmp)) as (layan_url, floor_url, version),
    ):
        work = Path(tmp)
        made = prepare(name, layan_url, work / "data", args.count, args.seed)
        result = Result(name, version, args.count, made, _events(layan_url))
        layan_env = {
            "LAYAN_DATABASE_URL": layan_url,
            "LAYAN_DATA_DIR": str(work / "data"),
            "LAYAN_SECRET_KEY": SECRET,
        }
        floor_env = _server_env({"BENCH_FLOOR_DATABASE_URL": floor_url})
        servers = {
            LAYAN: UvicornServer(
                "Layan", "layan.main:create_app", _server_env(layan_env), work / "layan.log"
            ),
            FLOOR: UvicornServer("floor", "bench.floor_app:create_app", floor_env, work / "f.log"),
        }
        try:
            for server in servers.values():
                server.start()
            _measure(result, servers, layan_url, args)
        finally:
            for server in servers.values():
                server.stop()
        return result


def _measure(
    result: Result, servers: dict[str, UvicornServer], url: str, args: argparse.Namespace
) -> None:
    rng = random.Random(args.seed)
    api, cold, pages = dashboard_requests(url, rng, args.requests)
    db = Database(url)
    try:
        submissions = build_submissions(db, args.intake + 50, args.seed)
    finally:
        db.dispose()
    seeded = run_requests(
        "floor seed",
        servers[FLOOR].base_url,
        intake_requests(FLOOR, submissions[:50]),
        concurrency=4,
        cap_seconds=60,
        keep_bodies=True,
    )
    keys = [body["key"] for body in seeded.json_bodies()]
    reads = {
        "dashboard API": (LAYAN, api),
        "floor GET": (FLOOR, [http_request("GET", f"/items/{rng.choice(keys)}") for _ in api]),
    }
    _run(servers[LAYAN], "warm-up", api[: len(api) // 5], args.concurrency)
    for round_no in range(args.rounds):
        labels = list(reads) if round_no % 2 == 0 else list(reversed(reads))
        for label in labels:
            target, requests = reads[label]
            stats = _run(servers[target], f"{label} ({round_no + 1})", requests, args.concurrency)
            kept = result.runs.get(label)
            if kept is None or stats.p99 > kept.p99:
                result.runs[label] = stats  # the slowest round: the target is a ceiling
    result.runs["cold"] = _run(servers[LAYAN], "dashboard API, cold", cold, args.concurrency)
    result.runs["pages"] = _run(servers[LAYAN], "/kinerja pages", pages, args.concurrency)
    _intake_against_fold(result, servers[LAYAN], url, submissions[50:], args)


def _intake_against_fold(
    result: Result, server: UvicornServer, url: str, submissions, args
) -> None:  # type: ignore[no-untyped-def]
    _fold_rate(url)  # everything before the burst is folded first
    before = _events(url)
    stats = _run(server, "intake burst", intake_requests(LAYAN, submissions), args.concurrency)
    made = _events(url) - before
    result.intake_rate = made / stats.seconds if stats.seconds else 0.0
    folded, seconds = _fold_rate(url)
    result.fold_rate = folded / seconds if seconds else 0.0
    result.runs["intake"] = stats
    _say(f"  intake made {made} events at {result.intake_rate:,.0f}/s")
    _say(f"  the worker folded {folded} at {result.fold_rate:,.0f}/s")


def render(results: list[Result], command: str, elapsed: float) -> str:
    lines = [
        "## The dashboard with a million applications",
        "",
        "Written by `python -m bench.dashboard`.",
        "",
        f"- Date: {today()}",
        f"- Command: `{command}` ({elapsed:.0f} s in all)",
        f"- Machine: {machine()}",
        "- Data: the demo regency and generated history (`layan demo load --history N`); every "
        "request reads rollups, never the event log",
        "- Load: one uvicorn worker per server, 8 in flight; API reads over the platform, every "
        "agency and every service, for the data's last 3, 12 and 24 months and the default "
        "period; the slowest of the "
        "rounds is kept for each; the floor is one SELECT by key on a bare FastAPI app",
        "- API: reads of the same scopes and periods again and again (most answered from "
        "the figures kept since the rollups last moved); cold: every read of its own scope "
        "and period (from and to anywhere in the data's last 36 months), never kept before, "
        "so each adds up the rollups. The target holds for both",
        "",
        "| backend | applications | events | database | API p50 ms | API p99 ms "
        "| cold p50 ms | cold p99 ms | floor p50 ms | floor p99 ms | cold p50 ratio "
        "| pages p99 ms | target p99 < 200 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | --- |",
    ]
    for r in results:
        api, cold, floor = r.runs["dashboard API"], r.runs["cold"], r.runs["floor GET"]
        met = (
            "met"
            if max(api.p99, cold.p99) < TARGET_P99_MS and api.errors + cold.errors == 0
            else "**not met**"
        )
        lines.append(
            f"| {r.version} | {r.count:,} | {r.events:,} | {r.made} | {api.p50:.1f} "
            f"| {api.p99:.1f} | {cold.p50:.1f} | {cold.p99:.1f} | {floor.p50:.1f} "
            f"| {floor.p99:.1f} | {cold.p50 / floor.p50:.1f}x | {r.runs['pages'].p99:.1f} | {met} |"
        )
    lines += [
        "",
        "Rollups against intake: a burst of full submissions through the API, then the "
        "worker's fold of the events they made (in process). The fold must outrun intake.",
        "",
        "| backend | intake req/s | events made/s | events folded/s | headroom | target >= 1x |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        headroom = r.fold_rate / r.intake_rate if r.intake_rate else 0.0
        lines.append(
            f"| {r.version} | {r.runs['intake'].throughput:,.1f} | {r.intake_rate:,.0f} | "
            f"{r.fold_rate:,.0f} | {headroom:.1f}x | {'met' if headroom >= 1 else '**not met**'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=1_000_000, help="applications of history")
    p.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    p.add_argument("--requests", type=int, default=2000, help="dashboard reads per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--intake", type=int, default=1000, help="submissions in the intake burst")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    started = time.monotonic()
    results = []
    try:
        for name in args.backends:
            results.append(bench_backend(name, args))
    except ServerStartError as exc:
        _say(f"bench: {exc}")
        return 2
    command = " ".join(["python -m bench.dashboard", *(argv or sys.argv[1:])])
    write_section("dashboard", render(results, command, time.monotonic() - started))
    _say(f"wrote bench/RESULTS.md in {time.monotonic() - started:.0f} s")
    return 1 if any(r.runs["dashboard API"].errors + r.runs["cold"].errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
