"""The `layan analytics` commands: rollups, and the event log in and out.

Commands call services and queries, never SQL. The names, options and the JSON of `dfg`
are a contract tools outside Layan rely on (docs/event-log.md): keep them as they are.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from layan.analytics import exports, imports, rollups
from layan.analytics.dfg import Dfg, performance_dfg
from layan.analytics.eventlog import Selection, read_log
from layan.analytics.xes_read import read_xes
from layan.cli_common import database_command, err, out
from layan.core.errors import ValidationFailedError
from layan.core.events import SYSTEM

analytics_app = typer.Typer(
    help="Rollups, event-log exports and imports, process analysis.", no_args_is_help=True
)


def _refreshed(db) -> int:  # type: ignore[no-untyped-def]
    """Fold everything the event log gained into the rollups (and the cases they know),
    waiting for a worker's batch in flight."""
    return rollups.fold_all(db, wait=True)


@analytics_app.command("refresh")
def refresh() -> None:
    """Fold what the event log gained since the last run into the rollups."""
    with database_command() as db:
        total = _refreshed(db)
    out.print(f"{total} event(s) folded into the rollups")


@analytics_app.command("rebuild")
def rebuild() -> None:
    """Empty the rollups and fold the whole event log again."""
    with database_command() as db, Progress(console=out, transient=True) as progress:
        task = progress.add_task("Folding the event log", total=None)
        total = rollups.rebuild_rollups(db, progress=lambda n: progress.advance(task, n))
    out.print(f"rollups rebuilt from {total} event(s)")


@analytics_app.command("export-xes")
def export_xes(
    to_file: Annotated[Path, typer.Option("--out", help="The XES file to write.")],
    service: Annotated[str | None, typer.Option(help="Only this service's applications.")] = None,
    first: Annotated[
        str | None,
        typer.Option("--from", help="Submitted on or after this day (YYYY-MM-DD, local)."),
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Submitted on or before this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write applications' events as an XES (IEEE 1849) log, one trace per application."""
    days = _day(first, "--from"), _day(last, "--to")
    with database_command() as db:
        period = exports.Period(*days)
        _refreshed(db)
        done = exports.export_xes(db, to_file, service, period)
    out.print(f"{done.cases} case(s), {done.events} event(s) written to {to_file}")


@analytics_app.command("export-ocel")
def export_ocel(
    to_file: Annotated[Path, typer.Option("--out", help="The OCEL 2.0 JSON file to write.")],
) -> None:
    """Write every application's events as an OCEL 2.0 JSON log (applications, tasks, units)."""
    with database_command() as db:
        _refreshed(db)
        done = exports.export_ocel(db, to_file)
    out.print(f"{done.cases} application(s), {done.events} event(s) written to {to_file}")


@analytics_app.command("dfg")
def dfg(
    xes: Annotated[Path | None, typer.Option(help="Read the log from this XES file.")] = None,
    service: Annotated[str | None, typer.Option(help="Layan's own log of this service.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the graph as JSON.")] = False,
) -> None:
    """The performance directly-follows graph of a log: arcs with counts and times."""
    if (xes is None) == (service is None):
        raise typer.BadParameter("give either --xes FILE or --service CODE")
    if xes is not None:
        graph = _file_dfg(xes)
    else:
        with database_command() as db:
            _refreshed(db)
            with db.unit_of_work(readonly=True) as uow:
                graph = performance_dfg(read_log(uow, Selection(service=service)))
    if as_json:
        typer.echo(json.dumps(graph.to_json(), ensure_ascii=False))
    else:
        _print_dfg(graph)


@analytics_app.command("import-xes")
def import_xes(
    file: Annotated[Path, typer.Argument(help="The XES log to import.")],
    agency: Annotated[str, typer.Option(help="The agency whose log it is.")],
    name: Annotated[str | None, typer.Option(help="A name for the log (the file's).")] = None,
) -> None:
    """Import an agency's XES log from an older system, for analysis beside Layan's own."""
    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}")
    with database_command() as db:
        done = imports.import_xes(db, file, agency=agency, actor=SYSTEM, name=name)
    out.print(f"imported log {done.id}: {done.cases} case(s), {done.events} event(s)")


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} takes a day as YYYY-MM-DD, not {text!r}") from None


def _file_dfg(path: Path) -> Dfg:
    """The DFG of an XES file; a file that does not read ends the command with 1."""
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    try:
        return performance_dfg(read_xes(path).frame)
    except ValidationFailedError as exc:
        for problem in exc.errors:
            err.print(f"[red]{problem.field}: {problem.text.en}[/red]")
        raise typer.Exit(1) from None


def _duration(seconds: float) -> str:
    """Seconds as days, hours, minutes and seconds, the way a reader says them."""
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    return " ".join(f"{n}{unit}" for n, unit in parts if n) or "0s"


def _print_dfg(graph: Dfg) -> None:
    table = Table("from", "to", "count", "mean", "median", title="Directly-follows graph")
    for arc in sorted(graph.arcs, key=lambda a: (-a.count, a.source, a.target)):
        table.add_row(
            arc.source,
            arc.target,
            str(arc.count),
            _duration(arc.mean_seconds),
            _duration(arc.median_seconds),
        )
    out.print(table)
    for label, counts in (("Cases start at", graph.start), ("Cases end at", graph.end)):
        out.print(f"{label}: " + ", ".join(f"{a} ({n})" for a, n in counts.items()))
