"""Layan's directly-follows graph beside pm4py's, on one realistic log of 2M events.

`python -m bench.dfg` builds the log (applications of several services, each step
scheduled, started and completed by an officer of its unit, some returned to the
applicant and resubmitted, timestamps in working hours over a year), writes it with
Layan's own XES writer, then in one run and on that one file measures:

- end to end: the file to the DFG, Layan's `layan analytics dfg --xes` path
  (`read_xes` + `performance_dfg`) beside pm4py's default importer (`pm4py.read_xes`)
  and `pm4py.discover_performance_dfg` after keeping only complete events;
- compute only: the DFG from a table each side has already read.

Every arc's count must be identical and its mean time equal to the second, or the run
fails. pm4py is AGPL: it is imported here only, never by the product.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from bench.dfg_log import SERVICES, write_log
from bench.results import machine, today, write_section
from layan.analytics.dfg import Dfg, performance_dfg
from layan.analytics.xes_read import read_xes

TARGET = 20.0


def _pm4py() -> Any:
    """pm4py, imported quietly (it greets on stdout) and without its progress bars."""
    os.environ["TQDM_DISABLE"] = "1"
    warnings.filterwarnings("ignore", message=".*r4pm.*")  # its optional Rust importer
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import pm4py
    return pm4py


@dataclass
class Timings:
    """Seconds per round, for each side and measure."""

    rounds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.rounds.setdefault(name, []).append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.rounds[name])


class Clocked:
    """Times a block into `timings` under `name`."""

    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *_exc: object) -> None:
        self.timings.add(self.name, time.perf_counter() - self.started)


def _pm4py_dfg(pm4py: Any, table: Any) -> tuple[dict[Any, Any], dict[str, int], dict[str, int]]:
    """pm4py's performance DFG of the complete events, as the contract's DFG counts them."""
    complete = table[table["lifecycle:transition"] == "complete"]
    return pm4py.discover_performance_dfg(complete)  # type: ignore[no-any-return]


def layan_round(path: Path, timings: Timings, runs: int) -> Dfg:
    """Layan reads the file and computes the DFG, then computes it again from its table;
    `runs` times, since a run takes seconds where pm4py's takes minutes."""
    for _ in range(runs):
        with Clocked(timings, "layan end to end"):
            with Clocked(timings, "layan read"):
                frame = read_xes(path).frame
            with Clocked(timings, "layan compute in file"):
                ours = performance_dfg(frame)
        with Clocked(timings, "layan compute"):
            performance_dfg(frame)
        del frame
        gc.collect()
    return ours


def pm4py_round(pm4py: Any, path: Path, timings: Timings) -> tuple[Any, dict[Any, int]]:
    """pm4py the same; with its frequency DFG of the same events, to check counts by."""
    with Clocked(timings, "pm4py end to end"):
        table = pm4py.read_xes(str(path))
        theirs = _pm4py_dfg(pm4py, table)
    with Clocked(timings, "pm4py compute"):
        _pm4py_dfg(pm4py, table)
    counts = pm4py.discover_dfg(table[table["lifecycle:transition"] == "complete"])[0]
    return theirs, counts


class DifferentGraphsError(Exception):
    """The two graphs disagree: the comparison means nothing."""


def compare(ours: Dfg, theirs: Any, counts: dict[Any, int]) -> tuple[int, float]:
    """Check every arc's count is identical and its mean equal to the second, and the
    start and end counts identical; (arcs, largest difference of a mean in seconds)."""
    performance, start, end = theirs
    mine = {(a.source, a.target): a for a in ours.arcs}
    if set(mine) != set(performance) or set(mine) != set(counts):
        raise DifferentGraphsError(f"arcs differ: {sorted(set(mine) ^ set(performance))}")
    worst = 0.0
    for key, arc in mine.items():
        if arc.count != counts[key]:
            raise DifferentGraphsError(f"{key}: count {arc.count} != {counts[key]}")
        gap = abs(arc.mean_seconds - float(performance[key]["mean"]))
        if round(arc.mean_seconds) != round(float(performance[key]["mean"])) or gap >= 1:
            raise DifferentGraphsError(f"{key}: mean {arc.mean_seconds} != {performance[key]}")
        worst = max(worst, gap)
    if ours.start != dict(start) or ours.end != dict(end):
        raise DifferentGraphsError(f"start/end differ: {ours.start} {start} {ours.end} {end}")
    return len(mine), worst


@dataclass(frozen=True)
class LogFacts:
    events: int
    complete: int
    cases: int
    megabytes: float
    write_seconds: float


def _facts(path: Path, events: int, seconds: float) -> LogFacts:
    frame = read_xes(path).frame
    complete = frame.filter(pl.col("lifecycle") == "complete").height
    size = path.stat().st_size / 1e6
    return LogFacts(events, complete, frame["case_id"].n_unique(), size, seconds)


def _row(label: str, ours: float, theirs: float, target: str) -> str:
    ratio = theirs / ours
    met = "" if not target else ("met" if ratio >= TARGET else "**not met**")
    return f"| {label} | {ours:.2f} s | {theirs:.2f} s | {ratio:.1f}x | {target} | {met} |"


def _setting(facts: LogFacts, command: str, total: float, loads: tuple[float, float]) -> str:
    versions = {n: metadata.version(n) for n in ("polars", "pm4py", "lxml", "pandas")}
    return f"""- Date: {today()}
- Command: `{command}` ({total:.0f} s in all; load average {loads[0]:.1f} at the start
  and {loads[1]:.1f} at the end: the machine is shared, and Layan's two threads feel a busy
  core far more than pm4py's one)
- Machine: {machine()}
- polars {versions["polars"]}; pm4py {versions["pm4py"]} with its default XES importer
  (`iterparse` over lxml {versions["lxml"]}; its optional Rust importer `r4pm` is not
  installed), pandas {versions["pandas"]}
- Log: {facts.events:,} events ({facts.complete:,} of them complete) of {facts.cases:,}
  applications of {len(SERVICES)} services: each step scheduled, started and completed,
  8% of first checks returned to the applicant and resubmitted (`bench/dfg_log.py`);
  {facts.megabytes:,.0f} MB of XES written by Layan's own writer in
  {facts.write_seconds:.0f} s"""


def report(
    facts: LogFacts,
    timings: Timings,
    checked: tuple[int, float],
    command: str,
    total: float,
    loads: tuple[float, float],
) -> str:
    """The section of bench/RESULTS.md."""
    med, rounds = timings.median, len(timings.rounds["pm4py end to end"])
    runs = len(timings.rounds["layan end to end"]) // rounds
    end_to_end = _row(
        "end to end: the XES file to the DFG",
        med("layan end to end"),
        med("pm4py end to end"),
        f">= {TARGET:.0f}x",
    )
    compute = _row(
        "compute only: the DFG from a table already read",
        med("layan compute"),
        med("pm4py compute"),
        "",
    )
    spread = "\n".join(
        f"| {name} | {' / '.join(f'{s:.2f}' for s in values)} |"
        for name, values in timings.rounds.items()
    )
    return f"""## Directly-follows graph beside pm4py

Written by `python -m bench.dfg`.

{_setting(facts, command, total, loads)}

| measure (median) | Layan | pm4py | ratio | target | met |
| --- | ---: | ---: | ---: | --- | --- |
{end_to_end}
{compute}

Each of {rounds} rounds runs Layan {runs} times (seconds each) and pm4py once (minutes), on
the same file; the figures are the medians of all runs of each side. Layan's end to end is
the path of `layan analytics dfg --xes FILE`: `read_xes` (the fast reader, Polars over the
file split at its double quotes: {med("layan read"):.2f} s) then `performance_dfg`
({med("layan compute in file"):.2f} s). pm4py's is `pm4py.read_xes`, keeping the rows
whose `lifecycle:transition` is `complete`, then `pm4py.discover_performance_dfg`; its
compute only is that filter and that call.

**Same graph, checked every round:** {checked[0]} arcs; every count identical (against
`pm4py.discover_dfg` of the same complete events), every mean time equal to the second
(largest difference {checked[1]:.1e} s), the cases' start and end activities counted
identically. The run fails, writing nothing here, when they differ.

| seconds, each run | |
| --- | --- |
{spread}
"""


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


def measure(
    pm4py: Any, path: Path, rounds: int, runs: int
) -> tuple[Timings, tuple[int, float]] | None:
    """Rounds of both sides on one file, each round's graphs compared; None when they
    differ."""
    timings = Timings()
    checked = (0, 0.0)
    for number in range(1, rounds + 1):
        ours = layan_round(path, timings, runs)
        theirs, counts = pm4py_round(pm4py, path, timings)
        gc.collect()
        try:
            checked = compare(ours, theirs, counts)
        except DifferentGraphsError as exc:
            _say(f"round {number}: Layan's and pm4py's graphs differ: {exc}")
            return None
        done = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in timings.rounds.items())
        _say(f"round {number}: {done}")
    return timings, checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="events in the log")
    parser.add_argument("--rounds", type=int, default=3, help="rounds measured (median)")
    parser.add_argument("--layan-runs", type=int, default=3, help="Layan's runs per round")
    args = parser.parse_args(argv)
    started, load = time.perf_counter(), os.getloadavg()[0]
    pm4py = _pm4py()
    with tempfile.TemporaryDirectory(prefix="layan-dfg-") as folder:
        path = Path(folder) / "layan.xes"
        written, seconds = write_log(path, args.events)
        facts = _facts(path, written, seconds)
        _say(f"{facts.events:,} events, {facts.megabytes:,.0f} MB written in {seconds:.0f} s")
        measured = measure(pm4py, path, args.rounds, args.layan_runs)
    if measured is None:
        return 1
    command = "python -m bench.dfg" + (f" {' '.join(argv)}" if argv else "")
    loads = (load, os.getloadavg()[0])
    body = report(facts, *measured, command, time.perf_counter() - started, loads)
    write_section("dfg", body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
