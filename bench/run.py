"""Layan against its floor, on SQLite and on PostgreSQL: `python -m bench.run`.

For each backend: prepare Layan's database (migrations, the demo catalogue and officers),
serve Layan and the floor app (bench/floor_app.py) with one uvicorn worker each on
127.0.0.1, warm both up, then measure intake (full submissions) and lookups (tracking by
number) against the floor's POST and GET, alternating which server goes first in each
round. The medians go to bench/RESULTS.md; figures below target are profiled in process.

Exit codes: 0 done; 1 some request failed (the figures are written but not to be
trusted); 2 a server (uvicorn or PostgreSQL) failed to start; 3 the figures are written
but profiling them failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

from sqlalchemy import create_engine, text

from bench import report
from bench.load import RunStats, http_request, multipart, run_requests
from bench.results import write_section
from bench.servers import ROOT, ServerStartError, UvicornServer
from layan import demo, migrations
from layan.catalogue import queries as catalogue
from layan.core.blobs import BlobStore
from layan.core.db import Database

SECRET = "layan-benchmark-secret-key-of-at-least-32-characters"
# New KTP-el on the grounds of age: the family card (KK) is the only document it asks for.
SERVICE = "ktp-el-baru"
OVERRIDES: dict[str, object] = {"basis": "usia_17"}
LAYAN, FLOOR = "layan", "floor"
INTAKE, LOOKUPS = "intake", "lookups"
PROFILED_SUBMISSIONS = 300


@dataclass(frozen=True)
class Config:
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    intake: int = 1500
    lookups: int = 5000
    warmup_intake: int = 100
    warmup_lookups: int = 300
    concurrency: int = 8
    rounds: int = 3
    cap_seconds: float = 90.0
    budget_seconds: float = 450.0
    seed: int = 2026
    output: Path = ROOT / "bench" / "RESULTS.md"
    profile: bool = True


@dataclass(frozen=True)
class Submission:
    """One valid application for SERVICE: its JSON part and its one document."""

    application: str
    slot: str
    filename: str
    content_type: str
    content: bytes


@dataclass
class BackendResult:
    name: str
    version: str
    runs: dict[tuple[str, str], list[RunStats]] = field(default_factory=dict)
    profiles: list[report.Profile] = field(default_factory=list)
    solo: dict[str, RunStats] = field(default_factory=dict)
    profile_error: str = ""

    def add(self, target: str, metric: str, stats: RunStats) -> None:
        self.runs.setdefault((target, metric), []).append(stats)


class Budget:
    """Spreads the time left over the runs left, so the whole benchmark stays bounded.

    A Layan run weighs WEIGHT[LAYAN], a floor run (several times faster) WEIGHT[FLOOR];
    a run that ends early leaves its time to the runs after it.
    """

    WEIGHT = {LAYAN: 4.0, FLOOR: 1.0}

    def __init__(self, seconds: float, weight: float, cap: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.weight_left = weight
        self.cap = cap

    def next_cap(self, target: str) -> float:
        weight = self.WEIGHT[target]
        left = max(self.deadline - time.monotonic(), 0.0)
        share = left * weight / max(self.weight_left, weight)
        self.weight_left -= weight
        return max(3.0, min(self.cap, share))


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def build_submissions(db: Database, count: int, seed: int) -> list[Submission]:
    """`count` distinct valid submissions of SERVICE, each with exactly one document."""
    with db.unit_of_work(readonly=True) as uow:
        standard = catalogue.get_standard(uow, SERVICE).standard
    rng = random.Random(seed)
    out: list[Submission] = []
    for _ in range(count):
        applicant, data, files = demo.sample_submission(standard, rng)
        data.update(OVERRIDES)
        slots = [s.code for s in standard.document_slots(data)]
        if len(slots) != 1:
            raise RuntimeError(f"{SERVICE} with {OVERRIDES} asks for {slots}, not one document")
        upload = files[slots[0]]
        who = {k: v for k, v in asdict(applicant).items() if k in ("nik", "name", "phone", "email")}
        application = {"service_code": SERVICE, "applicant": who, "data": data}
        out.append(
            Submission(
                json.dumps(application),
                slots[0],
                upload.filename,
                upload.content_type,
                upload.content,
            )
        )
    return out


def prepare_layan(url: str, data_dir: Path, count: int, seed: int) -> list[Submission]:
    """Migrate, load the demo catalogue and officers (no applications), and make payloads."""
    db = Database(url)
    try:
        migrations.upgrade(db.engine)
        demo.load_demo(db, BlobStore(data_dir / "blobs"), SECRET, applications_count=0)
        return build_submissions(db, count, seed)
    finally:
        db.dispose()


def intake_requests(target: str, submissions: Sequence[Submission]) -> list[bytes]:
    out = []
    for s in submissions:
        slot = s.slot if target == LAYAN else "document"
        body, content_type = multipart(
            ("application", s.application), (slot, s.filename, s.content_type, s.content)
        )
        path = "/api/v1/applications" if target == LAYAN else "/items"
        out.append(http_request("POST", path, body=body, content_type=content_type))
    return out


def lookup_requests(
    target: str, keys: Sequence[str], count: int, rng: random.Random
) -> list[bytes]:
    if not keys:
        raise RuntimeError(f"no {target} records to look up: every intake request failed")
    order = list(keys)
    rng.shuffle(order)
    prefix = "/api/v1/applications/" if target == LAYAN else "/items/"
    return [http_request("GET", prefix + order[i % len(order)]) for i in range(count)]


def _server_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYAN_", "BENCH_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])  # this tree's code
    env.update(extra)
    return env


def layan_server(url: str, work: Path) -> UvicornServer:
    """Layan under uvicorn on `url`, its data in `work`/data and its log in `work`."""
    env = {
        "LAYAN_DATABASE_URL": url,
        "LAYAN_DATA_DIR": str(work / "data"),
        "LAYAN_SECRET_KEY": SECRET,
    }
    return UvicornServer("Layan", "layan.main:create_app", _server_env(env), work / "layan.log")


class Bench:
    """One backend's servers and the runs against them."""

    def __init__(self, cfg: Config, budget: Budget, result: BackendResult) -> None:
        self.cfg = cfg
        self.budget = budget
        self.result = result
        self.servers: dict[str, UvicornServer] = {}
        self.keys: dict[str, list[str]] = {LAYAN: [], FLOOR: []}
        self.rng = random.Random(cfg.seed)
        self.solo_batch: list[Submission] = []

    def run(
        self,
        target: str,
        metric: str,
        requests: Sequence[bytes],
        record: bool,
        concurrency: int | None = None,
    ) -> RunStats:
        server = self.servers[target]
        cpu = server.cpu_seconds()
        stats = run_requests(
            f"{target} {metric}",
            server.base_url,
            requests,
            concurrency=concurrency or self.cfg.concurrency,
            cap_seconds=self.budget.next_cap(target),
            keep_bodies=metric.startswith(INTAKE),
        )
        stats.server_cpu = server.cpu_seconds() - cpu
        if metric.startswith(INTAKE):
            field_name = "tracking_number" if target == LAYAN else "key"
            self.keys[target] += [body[field_name] for body in stats.json_bodies()]
        if record:
            self.result.add(target, metric, stats)
        _say(
            f"  {self.result.name:<10} {target:<5} {metric:<7} {stats.ok:>5}/{stats.planned:<5} "
            f"{stats.throughput:8.1f} req/s  p50 {stats.p50:6.1f} ms  p99 {stats.p99:6.1f} ms  "
            f"errors {stats.errors}  client CPU {stats.client_cpu / stats.seconds:4.0%}"
            f"{'  (time cap)' if stats.capped else ''}"
        )
        if stats.first_error:
            _say(f"    first error: {stats.first_error}")
        return stats

    def measure(self, submissions: list[Submission]) -> None:
        cfg = self.cfg
        batches = iter(
            submissions[i : i + n]
            for i, n in _slices([cfg.warmup_intake] + [cfg.intake] * cfg.rounds + [solo(cfg)[0]])
        )
        warm = next(batches)
        for target in (LAYAN, FLOOR):
            self.run(target, INTAKE, intake_requests(target, warm), record=False)
        for target in (LAYAN, FLOOR):
            requests = lookup_requests(target, self.keys[target], cfg.warmup_lookups, self.rng)
            self.run(target, LOOKUPS, requests, record=False)
        for round_no in range(cfg.rounds):
            order = (LAYAN, FLOOR) if round_no % 2 == 0 else (FLOOR, LAYAN)
            batch = next(batches)
            for target in order:
                self.run(target, INTAKE, intake_requests(target, batch), record=True)
            for target in order:
                requests = lookup_requests(target, self.keys[target], cfg.lookups, self.rng)
                self.run(target, LOOKUPS, requests, record=True)
        self.solo_batch = next(batches)

    def measure_solo(self, metrics: Sequence[str]) -> None:
        """Layan with one request in flight: what concurrency itself costs it."""
        intake, lookups = solo(self.cfg)
        for metric in metrics:
            if metric == INTAKE:
                requests = intake_requests(LAYAN, self.solo_batch[:intake])
            else:
                requests = lookup_requests(LAYAN, self.keys[LAYAN], lookups, self.rng)
            self.result.solo[metric] = self.run(
                LAYAN, f"{metric}, 1 in flight", requests, record=False, concurrency=1
            )


def solo(cfg: Config) -> tuple[int, int]:
    """Submissions and lookups of the one-in-flight runs (only when below target)."""
    return (cfg.intake // 3, cfg.lookups // 2) if cfg.profile else (0, 0)


def _slices(sizes: Sequence[int]) -> Iterator[tuple[int, int]]:
    start = 0
    for size in sizes:
        yield start, size
        start += size


@contextlib.contextmanager
def backend_urls(name: str, workdir: Path) -> Iterator[tuple[str, str, str]]:
    """Layan's and the floor's database URLs on `name`, and the server's version."""
    if name == "sqlite":
        import sqlite3

        yield (
            f"sqlite:///{workdir / 'layan.db'}",
            f"sqlite:///{workdir / 'floor.db'}",
            f"SQLite {sqlite3.sqlite_version} (file, WAL)",
        )
        return
    from tests.pgserver import PostgresServer

    pg = PostgresServer()
    try:
        try:
            base = pg.start()
        except Exception as exc:
            raise ServerStartError(f"PostgreSQL did not start: {exc}") from exc
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE layan_bench"))
            conn.execute(text("CREATE DATABASE floor_bench"))
            version = conn.execute(text("SHOW server_version")).scalar_one()
        admin.dispose()
        yield f"{base}/layan_bench", f"{base}/floor_bench", f"PostgreSQL {version}"
    finally:
        with contextlib.suppress(Exception):
            pg.stop()


def bench_backend(name: str, cfg: Config, budget: Budget) -> BackendResult:
    _say(f"{name}: preparing")
    with (
        tempfile.TemporaryDirectory(prefix=f"layan-bench-{name}-") as tmp,
        backend_urls(name, Path(tmp)) as (layan_url, floor_url, version),
    ):
        workdir = Path(tmp)
        total = cfg.warmup_intake + cfg.intake * cfg.rounds + solo(cfg)[0]
        submissions = prepare_layan(layan_url, workdir / "data", total, cfg.seed)
        result = BackendResult(name, version)
        bench = Bench(cfg, budget, result)
        bench.servers = {
            LAYAN: UvicornServer(
                "Layan",
                "layan.main:create_app",
                _server_env(
                    {
                        "LAYAN_DATABASE_URL": layan_url,
                        "LAYAN_DATA_DIR": str(workdir / "data"),
                        "LAYAN_SECRET_KEY": SECRET,
                    }
                ),
                workdir / "layan.log",
            ),
            FLOOR: UvicornServer(
                "floor",
                "bench.floor_app:create_app",
                _server_env({"BENCH_FLOOR_DATABASE_URL": floor_url}),
                workdir / "floor.log",
            ),
        }
        try:
            for server in bench.servers.values():
                server.start()
            _say(
                f"{name}: Layan at {bench.servers[LAYAN].base_url}, floor at "
                f"{bench.servers[FLOOR].base_url}"
            )
            bench.measure(submissions)
            if cfg.profile and report.below_target(result):
                bench.measure_solo([s.metric for s in report.summarise(result) if not s.met])
        finally:
            for server in bench.servers.values():
                server.stop()
        if cfg.profile and report.below_target(result):
            _say(f"{name}: below target, profiling in process")
            below = [s.metric for s in report.summarise(result) if not s.met]
            try:
                from bench import profile

                result.profiles = profile.profile_backend(
                    layan_url,
                    workdir / "data",
                    SECRET,
                    submissions[:PROFILED_SUBMISSIONS],
                    bench.keys[LAYAN],
                    below,
                )
            except Exception as exc:  # the figures stand; say why the profile is missing
                result.profile_error = f"{type(exc).__name__}: {exc}"
                _say(f"{name}: profiling failed: {result.profile_error}")
    return result


def _parse(argv: Sequence[str]) -> Config:
    d = Config()
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--backends", default=",".join(d.backends), help="sqlite,postgresql")
    p.add_argument("--intake", type=int, default=d.intake, help="submissions per run")
    p.add_argument("--lookups", type=int, default=d.lookups, help="lookups per run")
    p.add_argument("--warmup-intake", type=int, default=d.warmup_intake)
    p.add_argument("--warmup-lookups", type=int, default=d.warmup_lookups)
    p.add_argument("--concurrency", type=int, default=d.concurrency)
    p.add_argument("--rounds", type=int, default=d.rounds, help="runs of each pair")
    p.add_argument("--cap-seconds", type=float, default=d.cap_seconds, help="time cap per run")
    p.add_argument(
        "--budget-seconds",
        type=float,
        default=d.budget_seconds,
        help="time for all the runs together (setup and profiling come on top)",
    )
    p.add_argument("--output", type=Path, default=d.output)
    p.add_argument("--no-profile", action="store_true", help="skip profiling below target")
    a = p.parse_args(argv)
    backends = tuple(b.strip() for b in a.backends.split(",") if b.strip())
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        p.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return Config(
        backends=backends,
        intake=a.intake,
        lookups=a.lookups,
        warmup_intake=a.warmup_intake,
        warmup_lookups=a.warmup_lookups,
        concurrency=a.concurrency,
        rounds=max(1, a.rounds),
        cap_seconds=a.cap_seconds,
        budget_seconds=a.budget_seconds,
        output=a.output,
        profile=not a.no_profile,
    )


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so every `finally` stops what it started


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cfg = _parse(args)
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    per_metric = (1 + cfg.rounds) * sum(Budget.WEIGHT.values()) + Budget.WEIGHT[LAYAN]
    weight = len(cfg.backends) * 2 * per_metric
    budget = Budget(cfg.budget_seconds, weight, cfg.cap_seconds)
    results: list[BackendResult] = []
    try:
        for name in cfg.backends:
            results.append(bench_backend(name, cfg, budget))
    except ServerStartError as exc:
        sys.stderr.write(f"bench: a server failed to start: {exc}\n")
        return 2
    command = " ".join(["python -m bench.run", *args])
    rendered = report.render(results, cfg, command, time.monotonic() - started)
    write_section("intake", rendered, cfg.output)
    _say(f"wrote {cfg.output} in {time.monotonic() - started:.0f} s")
    errors = sum(s.errors for r in results for runs_ in r.runs.values() for s in runs_)
    if errors:
        sys.stderr.write(f"bench: {errors} request(s) failed; see {cfg.output}\n")
        return 1
    if any(r.profile_error for r in results):
        sys.stderr.write(f"bench: profiling failed; see {cfg.output}\n")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
