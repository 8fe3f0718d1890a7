"""The `layan demo` commands: the demo regency, its accounts and citizen, and generated
history."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from layan import demo, demo_history, demo_story
from layan.cli_common import database_command, err, load_settings, open_database, out
from layan.core.blobs import BlobStore
from layan.main import issuer_for
from layan.settings import Settings

demo_app = typer.Typer(help="The demo regency.", no_args_is_help=True)


def load_demo(settings: Settings, count: int = 300) -> bool:
    """Load the demo regency into an empty database; whether it was loaded."""
    db = open_database(settings)
    try:
        with out.status("Loading the demo regency..."):
            loaded = demo.load_demo(
                db,
                BlobStore(settings.blob_dir),
                settings.secret_key,
                applications_count=count,
                issuer=issuer_for(settings),
            )
        if loaded:
            out.print(
                f"Demo loaded: {demo.application_count(db)} applications. "
                "Accounts: `layan demo accounts`."
            )
        return loaded
    finally:
        db.dispose()


@demo_app.command("accounts")
def demo_accounts(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the demo accounts: username, password, role, unit, agency."""
    rows = demo.demo_accounts()
    if as_json:
        sys.stdout.write(
            json.dumps(
                [
                    {
                        "username": a.username,
                        "password": a.password,
                        "role": a.role,
                        "unit": a.unit,
                        "agency": a.agency,
                    }
                    for a in rows
                ],
                indent=2,
            )
            + "\n"
        )
        return
    table = Table("username", "password", "role", "unit", "agency")
    for a in rows:
        table.add_row(a.username, a.password, a.role, a.unit or "-", a.agency or "-")
    out.print(table)


@demo_app.command("citizens")
def demo_citizens(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The demo citizen whose documents are reused: her NIK and email (for the wallet) and
    her applications with their PINs."""
    settings = load_settings()
    with database_command(settings) as db:
        cases = demo_story.citizen_cases(db, settings.secret_key)
    who = demo_story.CITIZEN
    if as_json:
        body = {
            "nik": who.nik,
            "name": who.name,
            "email": who.email,
            "applications": [c.__dict__ for c in cases],
        }
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
        return
    out.print(f"{who.name}, NIK {who.nik}, email {who.email} (wallet: /dompet)")
    table = Table("service", "tracking number", "PIN", "status", "documents")
    for c in cases:
        table.add_row(c.service, c.tracking_number, c.pin, c.status, " ".join(c.outputs))
    out.print(table)


@demo_app.command("load")
def demo_load(
    applications: Annotated[int, typer.Option(help="Past applications to simulate.")] = 300,
    history: Annotated[
        int,
        typer.Option(
            min=0,
            max=1_000_000,
            help="Also generate this many applications of history over the past years.",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="The history's random seed.")] = 11,
) -> None:
    """Fill an empty database with the demo regency, and optionally years of history."""
    settings = load_settings()
    load_demo(settings, applications)
    if history:
        load_history(settings, history, seed)


# A year of a small regency's applications, so the public dashboard has trends to show.
DEMO_HISTORY = 5000


def load_history(settings: Settings, count: int, seed: int) -> None:
    """Generate `count` applications of history in bulk, with a progress bar."""
    with (
        database_command(settings) as db,
        Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=out) as bar,
    ):
        task = bar.add_task("Generating history", total=count)
        try:
            done = demo_history.load_history(
                db,
                BlobStore(settings.blob_dir),
                count,
                seed=seed,
                progress=lambda n: bar.advance(task, n),
            )
        except demo_history.HistoryExistsError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    written = ", ".join(f"{n:,} {table}" for table, n in done.written.items())
    out.print(
        f"History: {done.applications:,} applications from {done.first:%Y-%m-%d} "
        f"to {done.last:%Y-%m-%d} ({done.officers} officers); wrote {written}"
    )
