"""Medians of the runs, targets, and bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import RunStats
    from bench.run import BackendResult, Config

INTAKE, LOOKUPS = "intake", "lookups"
# metric: (least share of the floor's throughput, most Layan p99 in ms or None)
TARGETS: dict[str, tuple[float, float | None]] = {INTAKE: (0.60, None), LOOKUPS: (0.70, 50.0)}
LABELS = {INTAKE: "intake (POST, one document)", LOOKUPS: "lookups (GET by number)"}


@dataclass(frozen=True)
class Profile:
    """Where one request kind spends its CPU time in process.

    `rows`: Layan's own functions by inclusive share; `hot`: any function by self share;
    each as (function, inclusive share, self share). `packages`: self share by package.
    """

    metric: str
    title: str
    requests: int
    seconds: float
    rows: list[tuple[str, float, float]]
    hot: list[tuple[str, float, float]]
    packages: list[tuple[str, float]]
    note: str = ""
    direct_ms: float = float("nan")
    direct_call: str = ""


@dataclass(frozen=True)
class Side:
    throughput: float
    p50: float
    p99: float
    cpu_ms: float
    errors: int
    rounds: list[float]
    capped: bool


@dataclass(frozen=True)
class Summary:
    metric: str
    layan: Side
    floor: Side

    @property
    def ratio(self) -> float:
        return self.layan.throughput / self.floor.throughput if self.floor.throughput else 0.0

    @property
    def target(self) -> str:
        share, p99 = TARGETS[self.metric]
        text = f">= {share:.0%} of floor"
        return text + (f", Layan p99 < {p99:.0f} ms" if p99 is not None else "")

    @property
    def met(self) -> bool:
        share, p99 = TARGETS[self.metric]
        return (
            self.ratio >= share
            and (p99 is None or self.layan.p99 < p99)
            and self.layan.errors == 0
            and self.floor.errors == 0
        )


def _side(runs: list[RunStats]) -> Side:
    return Side(
        throughput=statistics.median(r.throughput for r in runs),
        p50=statistics.median(r.p50 for r in runs),
        p99=statistics.median(r.p99 for r in runs),
        cpu_ms=statistics.median(r.server_cpu_ms for r in runs),
        errors=sum(r.errors for r in runs),
        rounds=[r.throughput for r in runs],
        capped=any(r.capped for r in runs),
    )


def summarise(result: BackendResult) -> list[Summary]:
    return [
        Summary(m, _side(result.runs[("layan", m)]), _side(result.runs[("floor", m)]))
        for m in (INTAKE, LOOKUPS)
        if ("layan", m) in result.runs and ("floor", m) in result.runs
    ]


def below_target(result: BackendResult) -> bool:
    return any(not s.met for s in summarise(result))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _versions(*names: str) -> str:
    out = []
    for name in names:
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(out)


def _f(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"  # NaN check


HOW_TO_READ = """\
Each figure is measured against a **floor**: a bare FastAPI app (bench/floor_app.py) on the
same database, server and load, whose POST does one INSERT and whose GET does one SELECT by
key. The floor is what a request costs with no domain work (HTTP, multipart parsing,
FastAPI, one SQLAlchemy round trip), so the **ratio** Layan/floor says how much of the
stack's capacity Layan's own work leaves, and it moves far less with the machine than raw
req/s. Both servers run one uvicorn worker on one core while the load generator uses the
other; a run sends a fixed number of requests with 8 in flight (a time cap stops a run
that would overrun, marked *capped*). Layan and the floor alternate within each round
(which goes first swaps every round), and the tables give the median over rounds.
Latencies are client-side, from sending the request to reading the whole response, so at
8 in flight they include queueing in the server: p50 is close to 8 / throughput.
*Server CPU/req* is the server process's user+system CPU time divided by the requests,
the cost of one request independent of queueing. Any non-2xx answer counts as an error,
and a figure with errors does not meet its target. On a small shared machine single rounds
can differ by a quarter or more (see *req/s per round*): trust a change only when it is
larger than that spread, or rerun."""


def _backend_section(result: BackendResult) -> list[str]:
    lines = [f"### {result.name}: {result.version}", ""]
    summaries = summarise(result)
    lines += [
        "| metric | Layan req/s | floor req/s | ratio | target | met |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for s in summaries:
        lines.append(
            f"| {LABELS[s.metric]} | {_f(s.layan.throughput)} | {_f(s.floor.throughput)} | "
            f"{s.ratio:.0%} | {s.target} | {'met' if s.met else '**not met**'} |"
        )
    lines += [
        "",
        "| metric | server | req/s per round | p50 ms | p99 ms | server CPU/req ms | errors |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        for name, side in (("Layan", s.layan), ("floor", s.floor)):
            rounds = " / ".join(_f(r) for r in side.rounds) + (" (capped)" if side.capped else "")
            lines.append(
                f"| {s.metric} | {name} | {rounds} | {_f(side.p50)} | {_f(side.p99)} | "
                f"{_f(side.cpu_ms, 2)} | {side.errors} |"
            )
    for s in summaries:
        for runs in (result.runs[("layan", s.metric)], result.runs[("floor", s.metric)]):
            errored = next((r for r in runs if r.first_error), None)
            if errored:
                lines += ["", f"First error of {errored.label}: `{errored.first_error[:200]}`"]
    lines.append("")
    return lines


def _profile_section(results: list[BackendResult], cfg: Config) -> list[str]:
    profiled = [(r, p) for r in results for p in r.profiles]
    failed = [r for r in results if r.profile_error]
    if not profiled and not failed:
        return []
    lines = [
        "### Where the time goes",
        "",
        "Figures below target were profiled in process: the same app on the same database,",
        "the same requests sent one at a time through `fastapi.testclient.TestClient`, with",
        "cProfile in every thread the app uses, timed by that thread's CPU clock (the test",
        "client's own work is left out). *Incl.* is the share of the request's CPU time spent",
        "in a function and what it calls, *self* in its own code. The profiler inflates",
        "Python-heavy code against C and I/O, so read the shares as a ranking. Layan was",
        "also run once more over HTTP with a single request in flight, to see what",
        "concurrency itself costs it.",
        "",
    ]
    for result in failed:
        lines += [f"**{result.name}: profiling failed**: `{result.profile_error[:300]}`", ""]
    for result, prof in profiled:
        per_request = prof.seconds * 1000 / max(prof.requests, 1)
        summary = next((s for s in summarise(result) if s.metric == prof.metric), None)
        lines += [f"#### {result.name}: {prof.title}", ""]
        if summary is not None:
            lines += [
                f"CPU per request: Layan's server spent {_f(summary.layan.cpu_ms, 2)} ms under "
                f"load, the floor's {_f(summary.floor.cpu_ms, 2)} ms. The domain call alone "
                f"(`{prof.direct_call}`, one thread, no profiler) costs "
                f"{_f(prof.direct_ms, 2)} ms; the rest, about "
                f"{_f(summary.layan.cpu_ms - prof.direct_ms, 2)} ms, is HTTP, parsing, FastAPI "
                "and the hand-offs between threads, which grow with every database round trip.",
                "",
            ]
        alone = result.solo.get(prof.metric)
        if summary is not None and alone is not None and alone.ok:
            extra = summary.layan.cpu_ms - alone.server_cpu_ms
            lines += [
                f"Concurrency: with one request in flight Layan served {_f(alone.throughput)} "
                f"req/s at {_f(alone.server_cpu_ms, 2)} ms of CPU per request (p99 "
                f"{_f(alone.p99)} ms); with {cfg.concurrency} in flight, "
                f"{_f(summary.layan.throughput)} req/s at {_f(summary.layan.cpu_ms, 2)} ms "
                f"(p99 {_f(summary.layan.p99)} ms). "
                + (
                    f"So about {extra / summary.layan.cpu_ms:.0%} of a request's CPU under load "
                    "goes to running requests side by side in the thread pool (switching, the "
                    "GIL, waiting on locks) rather than to the request itself."
                    if extra / summary.layan.cpu_ms >= 0.1
                    else "Running requests side by side costs little here; the gap to the "
                    "floor is in the request's own work."
                ),
                "",
            ]
        lines += [
            f"Profiled: {prof.requests} requests, {per_request:.2f} ms of CPU each under the "
            "profiler.",
            "",
            "By part of the stack (self time): "
            + ", ".join(f"{name} {share:.0%}" for name, share in prof.packages)
            + ".",
            "",
            "Layan's functions, by inclusive share:",
            "",
            "| function | incl. | self |",
            "| --- | ---: | ---: |",
        ]
        lines += [f"| `{fn}` | {incl:.0%} | {own:.0%} |" for fn, incl, own in prof.rows]
        lines += [
            "",
            "Hottest code anywhere, by self share:",
            "",
            "| function | incl. | self |",
            "| --- | ---: | ---: |",
        ]
        lines += [f"| `{fn}` | {incl:.0%} | {own:.0%} |" for fn, incl, own in prof.hot]
        if prof.note:
            lines += ["", prof.note]
        lines.append("")
    return lines


def render(results: list[BackendResult], cfg: Config, command: str, elapsed: float) -> str:
    from bench.run import OVERRIDES, SERVICE

    versions: dict[str, Any] = {r.name: r.version for r in results}
    lines = [
        "## Intake and lookups beside a bare floor",
        "",
        "Written by `python -m bench.run`.",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Command: `{command}` ({elapsed:.0f} s in all)",
        f"- Machine: {os.cpu_count()} CPUs ({_cpu_model()}), {_ram()} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        + (f", {versions['postgresql']}" if "postgresql" in versions else ""),
        "- " + _versions("fastapi", "starlette", "uvicorn", "SQLAlchemy", "psycopg", "pydantic"),
        f"- Load: {cfg.intake} submissions and {cfg.lookups} lookups per run, "
        f"{cfg.concurrency} in flight, {cfg.rounds} rounds after a warm-up of "
        f"{cfg.warmup_intake} submissions and {cfg.warmup_lookups} lookups per server; "
        "one uvicorn worker per server (h11, asyncio, access log off)",
        f"- Intake: service `{SERVICE}` with "
        + ", ".join(f"`{k}={v}`" for k, v in OVERRIDES.items())
        + ", so each submission carries exactly one document (the family card, a 45-byte PDF); "
        "lookups ask for the status by tracking number without the PIN",
        "",
        "### How to read",
        "",
        HOW_TO_READ,
        "",
    ]
    for result in results:
        lines += _backend_section(result)
    lines += _profile_section(results, cfg)
    return "\n".join(lines).rstrip() + "\n"
