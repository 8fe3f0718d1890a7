"""The `layan` command: serve, work the deadlines, import services, verify the audit chain.

Commands call services, never SQL.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from layan import demo, migrations
from layan.accounts import service as account_service
from layan.applications.service import sweep_deadlines
from layan.audit import verify_audit_chain
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.catalogue import service as catalogue_service
from layan.catalogue.bpmn import standard_to_bpmn
from layan.complaints.service import sweep_complaint_deadlines
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import DomainError, ValidationFailedError
from layan.settings import Settings

app = typer.Typer(help="Layan: public services online, measured in public.", no_args_is_help=True)
services_app = typer.Typer(help="Service standards: import, export.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo regency.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Holidays, cuti bersama and closures for a year.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
officers_app = typer.Typer(help="Officers and their roles.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(calendar_app, name="calendar")
app.add_typer(db_app, name="db")
app.add_typer(officers_app, name="officers")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(2) from None


def _database(settings: Settings) -> Database:
    db = Database(settings.database_url)
    migrations.upgrade(db.engine)
    return db


@app.command()
def serve(
    demo_data: Annotated[
        bool, typer.Option("--demo", help="Load the demo regency if empty.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    sweep: Annotated[
        bool, typer.Option(help="Also sweep deadlines in this process (no separate worker).")
    ] = True,
) -> None:
    """Start the web server (and, with --demo, fill an empty database with demo data)."""
    import uvicorn

    settings = _settings()
    if demo_data:
        _load_demo(settings)
    if sweep:
        threading.Thread(target=_sweep_forever, args=(settings,), daemon=True).start()
    out.print(f"Layan at http://{host}:{port}  (database: {settings.database_url.split('@')[-1]})")
    uvicorn.run(
        "layan.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def _load_demo(settings: Settings, count: int = 300) -> None:
    db = _database(settings)
    try:
        with out.status("Loading the demo regency..."):
            loaded = demo.load_demo(
                db, BlobStore(settings.blob_dir), settings.secret_key, applications_count=count
            )
        if loaded:
            out.print(
                f"Demo loaded: {demo.application_count(db)} applications. "
                "Accounts: `layan demo accounts`."
            )
    finally:
        db.dispose()


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Sweep once and exit.")] = False,
) -> None:
    """Mark missed deadlines and escalate them, every LAYAN_SWEEP_SECONDS."""
    settings = _settings()
    if once:
        db = _database(settings)
        marked = sweep_deadlines(db) + sweep_complaint_deadlines(db)
        out.print(f"sweep: {marked} deadline(s) marked")
        return
    _sweep_forever(settings)


def _sweep_forever(settings: Settings) -> None:
    db = _database(settings)
    while True:
        try:
            marked = sweep_deadlines(db) + sweep_complaint_deadlines(db)
            if marked:
                out.print(f"sweep: {marked} deadline(s) marked")
        except Exception:  # a failed sweep is retried next round; the server keeps serving
            logging.getLogger("layan.worker").exception("deadline sweep failed")
        time.sleep(settings.sweep_seconds)


@officers_app.command("add")
def officers_add(
    username: str,
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[
        str,
        typer.Option(
            help="front_desk, processor, approver, supervisor, "
            "complaint_handler, agency_admin, platform_admin "
            "or auditor"
        ),
    ],
    unit: Annotated[str | None, typer.Option(help="AGENCY.UNIT; none for platform roles.")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an officer (the first agency admin, or a platform admin or auditor)."""
    db = _database(_settings())
    if len(password) < account_service.MIN_PASSWORD:
        err.print(f"[red]password: at least {account_service.MIN_PASSWORD} characters[/red]")
        raise typer.Exit(1)
    try:
        officer_id = account_service.create_officer(
            db.unit_of_work(),
            username=username,
            name=name,
            password=password,
            roles=[account_service.RoleInUnit(role, unit)],
        )
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    out.print(f"officer {username} created (id {officer_id})")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database up to the latest migration."""
    _database(_settings()).dispose()
    out.print("database is up to date")


@services_app.command("import")
def services_import(directory: Path) -> None:
    """Validate every standard in DIRECTORY and publish them all, or none."""
    db = _database(_settings())
    try:
        versions = catalogue_service.import_standards(db.unit_of_work(), directory)
    except standards.StandardFilesError as exc:
        for problem in exc.errors:
            err.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from None
    except ValidationFailedError as exc:
        err.print(f"[red]{exc.text.en}[/red]")
        for f in exc.errors:
            err.print(f"  {f.field}: {f.text.en}")
        raise typer.Exit(1) from None
    for code, version in sorted(versions.items()):
        out.print(f"{code}: version {version}")


@services_app.command("export-bpmn")
def services_export_bpmn(code: str) -> None:
    """Print the procedure of service CODE as BPMN 2.0 XML."""
    db = _database(_settings())
    try:
        with db.unit_of_work(readonly=True) as uow:
            published = catalogue.get_standard(uow, code)
    except DomainError as exc:
        err.print(f"[red]{exc.text.en}[/red]")
        raise typer.Exit(1) from None
    sys.stdout.write(standard_to_bpmn(published.standard))


@audit_app.command("verify")
def audit_verify() -> None:
    """Re-hash every ledger; exit 1 naming the first bad event of each broken ledger."""
    db = _database(_settings())
    checked, problems = verify_audit_chain(db)
    if problems:
        for p in problems:
            err.print(
                f"[red]BROKEN[/red] ledger {p.ledger} at seq {p.seq} "
                f"(event id {p.event_id}): {p.reason}"
            )
        raise typer.Exit(1)
    out.print(f"OK: {checked} events verified, every ledger intact")


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


@demo_app.command("load")
def demo_load(
    applications: Annotated[int, typer.Option(help="Past applications to simulate.")] = 300,
) -> None:
    """Fill an empty database with the demo regency."""
    _load_demo(_settings(), applications)


def _calendar_change(day: date, kind: str, action: str, name: str, agency: str | None) -> None:
    db = _database(_settings())
    try:
        catalogue_service.change_calendar_day(
            db.unit_of_work(), day=day, kind=kind, action=action, name=name, agency_code=agency
        )
    except ValidationFailedError as exc:
        for f in exc.errors:
            err.print(f"[red]{f.field}: {f.text.en}[/red]")
        raise typer.Exit(1) from None
    out.print(
        f"{action} {kind} {day.isoformat()} ({agency or 'national'}); "
        "deadlines already given stay as given"
    )


_Day = Annotated[datetime, typer.Argument(formats=["%Y-%m-%d"], help="YYYY-MM-DD")]
_Kind = Annotated[str, typer.Option(help="holiday, collective_leave or closure")]
_Agency = Annotated[str | None, typer.Option(help="Agency code; national when omitted.")]


@calendar_app.command("add")
def calendar_add(
    day: _Day,
    name: Annotated[str, typer.Option()] = "",
    kind: _Kind = "holiday",
    agency: _Agency = None,
) -> None:
    """Add a day off (holiday, cuti bersama, or an agency's closure)."""
    _calendar_change(day.date(), kind, "add", name, agency)


@calendar_app.command("remove")
def calendar_remove(day: _Day, kind: _Kind = "holiday", agency: _Agency = None) -> None:
    """Make a listed day off a working day again (e.g. a holiday moved by decree)."""
    _calendar_change(day.date(), kind, "remove", "", agency)


@calendar_app.command("list")
def calendar_list(year: int, agency: _Agency = None) -> None:
    """The days off of a year as the calendar now counts them."""
    db = _database(_settings())
    with db.unit_of_work(readonly=True) as uow:
        calendar = (
            catalogue.calendar_for_agency(uow, agency)
            if agency
            else catalogue.calendar_for_agency(uow, "")
        )
    table = Table("date", "kind")
    for d in sorted(x for x in calendar.holidays if x.year == year):
        table.add_row(d.isoformat(), "holiday / closure")
    for d in sorted(x for x in calendar.collective_leave if x.year == year):
        table.add_row(d.isoformat(), "cuti bersama")
    out.print(table)


if __name__ == "__main__":
    app()
