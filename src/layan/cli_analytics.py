"""The `layan analytics` commands: rollups, and the event log in and out.

Commands call services and queries, never SQL.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress

from layan.analytics import rollups

analytics_app = typer.Typer(
    help="Rollups, event-log exports and imports, process analysis.", no_args_is_help=True
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _command():  # type: ignore[no-untyped-def]
    from layan.cli import _command as command

    return command()


@analytics_app.command("refresh")
def refresh() -> None:
    """Fold what the event log gained since the last run into the rollups."""
    with _command() as db:
        total = 0
        while (done := rollups.refresh_rollups(db)).events or done.surveys:
            total += done.events
    out.print(f"{total} event(s) folded into the rollups")


@analytics_app.command("rebuild")
def rebuild() -> None:
    """Empty the rollups and fold the whole event log again."""
    with _command() as db, Progress(console=out, transient=True) as progress:
        task = progress.add_task("Folding the event log", total=None)
        total = rollups.rebuild_rollups(db, progress=lambda n: progress.advance(task, n))
    out.print(f"rollups rebuilt from {total} event(s)")
