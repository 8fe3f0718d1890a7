"""The `layan` command: serve, work the deadlines, import services, verify the audit chain.

Commands call services, never SQL.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from layan import transfer
from layan import worker as background
from layan.applications import privacy
from layan.audit import take_checkpoint, verify_against_checkpoint, verify_audit_chain
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.catalogue import service as catalogue_service
from layan.catalogue.bpmn import standard_to_bpmn
from layan.cli_analytics import analytics_app
from layan.cli_backup import backup as backup_command
from layan.cli_backup import restore as restore_command
from layan.cli_common import database_command, err, load_settings, open_database, out
from layan.cli_demo import DEMO_HISTORY, demo_app, load_demo, load_history
from layan.cli_documents import documents_app, keys_app
from layan.cli_officers import officers_app
from layan.core import checkpoints
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.open311 import service as open311_service

app = typer.Typer(help="Layan: public services online, measured in public.", no_args_is_help=True)
services_app = typer.Typer(help="Service standards: import, export.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Holidays, cuti bersama and closures for a year.", no_args_is_help=True
)
db_app = typer.Typer(
    help="The database: migrations, and copying it to another server.", no_args_is_help=True
)
open311_app = typer.Typer(help="Open311 GeoReport v2: API keys.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(calendar_app, name="calendar")
app.add_typer(db_app, name="db")
app.add_typer(officers_app, name="officers")
privacy_app = typer.Typer(
    help="Personal data (UU 27/2022): retention purge, breach report.", no_args_is_help=True
)
app.add_typer(open311_app, name="open311")
app.add_typer(keys_app, name="keys")
app.add_typer(documents_app, name="documents")
app.add_typer(privacy_app, name="privacy")
app.add_typer(analytics_app, name="analytics")


@app.command()
def serve(
    demo_data: Annotated[
        bool, typer.Option("--demo", help="Load the demo regency if empty.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    sweep: Annotated[
        bool, typer.Option(help="Also run the worker (deadlines, rollups) in this process.")
    ] = True,
) -> None:
    """Start the web server (and, with --demo, fill an empty database with demo data)."""
    import uvicorn

    settings = load_settings()
    if demo_data:
        if load_demo(settings):
            load_history(settings, DEMO_HISTORY, seed=11)
    # Upgrade once here, before the sweep thread and the server processes open the database.
    db = open_database(settings)
    if sweep:
        background.say_what_was_done()
        threading.Thread(
            target=background.run_forever,
            args=(db, background.notifier_for(settings)),
            kwargs={
                "sweep_seconds": settings.sweep_seconds,
                "rollup_seconds": settings.rollup_seconds,
            },
            daemon=True,
        ).start()
    else:
        db.dispose()
    out.print(f"Layan at http://{host}:{port}  (database: {settings.database_url.split('@')[-1]})")
    uvicorn.run(
        "layan.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
) -> None:
    """Mark missed deadlines every LAYAN_SWEEP_SECONDS; send the outbox's messages and
    fold the event log into the dashboard's rollups every LAYAN_ROLLUP_SECONDS."""
    settings = load_settings()
    notifier = background.notifier_for(settings)
    if once:
        with database_command(settings) as db:
            done = background.run_once(db, notifier)
        out.print(
            f"sweep: {done.marked} deadline(s) marked; outbox: {done.made} message(s) made, "
            f"{done.sent} sent or tried; rollups: {done.folded} event(s) folded"
        )
        return
    background.say_what_was_done()
    background.run_forever(
        open_database(settings),
        notifier,
        sweep_seconds=settings.sweep_seconds,
        rollup_seconds=settings.rollup_seconds,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database up to the latest migration."""
    open_database(load_settings()).dispose()
    out.print("database is up to date")


@db_app.command("copy")
def db_copy(
    target: Annotated[str, typer.Argument(help="URL of an empty database to copy into.")],
) -> None:
    """Copy this database whole into an empty one (e.g. SQLite into PostgreSQL), then
    verify the audit chain there. Stop the server first: the copy is of one moment."""
    target_db = Database(target)
    try:
        with database_command() as db, Progress(console=out, transient=True) as bar:
            task = bar.add_task("Copying", total=None)
            copied = transfer.copy_database(
                db, target_db, progress=lambda table, n: bar.advance(task, n)
            )
        checked, problems = verify_audit_chain(target_db)
    finally:
        target_db.dispose()
    out.print(f"copied {sum(copied.values()):,} rows of {len(copied)} tables")
    if problems:
        for p in problems:
            err.print(f"[red]ledger {p.ledger} seq {p.seq}: {p.reason}[/red]")
        raise typer.Exit(1)
    out.print(f"audit chain verified on the copy: {checked:,} events")


@services_app.command("import")
def services_import(directory: Path) -> None:
    """Validate every standard in DIRECTORY and publish them all, or none."""
    with database_command() as db:
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
    with database_command() as db, db.unit_of_work(readonly=True) as uow:
        published = catalogue.get_standard(uow, code)
    sys.stdout.write(standard_to_bpmn(published.standard))


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None, typer.Option(help="A signed checkpoint (JSON) the ledgers must still hold.")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="The public key (PEM) that signed the checkpoint.")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            help="A database URL or a copied SQLite file to verify offline "
            "(opened as it is, never migrated); default: LAYAN_DATABASE_URL."
        ),
    ] = None,
) -> None:
    """Re-hash every ledger; exit 1 naming the first bad event of each broken ledger."""
    if (checkpoint is None) != (public_key is None):
        err.print("[red]--checkpoint and --public-key go together[/red]")
        raise typer.Exit(2)
    db = open_database(load_settings()) if database is None else Database(_database_url(database))
    try:
        checked, problems = verify_audit_chain(db)
        if checkpoint is not None and public_key is not None:
            try:
                document = json.loads(checkpoint.read_text(encoding="utf-8"))
                problems += verify_against_checkpoint(db, document, public_key.read_bytes())
            except (OSError, ValueError) as exc:  # CheckpointError is a ValueError
                err.print(f"[red]BROKEN[/red] checkpoint {checkpoint}: {exc}")
                raise typer.Exit(1) from None
    finally:
        db.dispose()
    if problems:
        for p in problems:
            err.print(
                f"[red]BROKEN[/red] ledger {p.ledger} at seq {p.seq} "
                f"(event id {p.event_id}): {p.reason}"
            )
        raise typer.Exit(1)
    against = f", and every ledger holds checkpoint {checkpoint.name}" if checkpoint else ""
    out.print(f"OK: {checked} events verified, every ledger intact{against}")


def _database_url(database: str) -> str:
    if "://" in database:
        return database
    path = Path(database)
    if not path.is_file():
        err.print(f"[red]no database file at {path}[/red]")
        raise typer.Exit(2)
    return f"sqlite:///{path.resolve()}"


@audit_app.command("keygen")
def audit_keygen(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the two key files.")],
) -> None:
    """Make an Ed25519 key pair for signing checkpoints (private key readable by owner only)."""
    private_path = out_dir / "checkpoint-private.pem"
    public_path = out_dir / "checkpoint-public.pem"
    if private_path.exists() or public_path.exists():
        err.print(f"[red]refusing to overwrite the keys in {out_dir}[/red]")
        raise typer.Exit(1)
    out_dir.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = checkpoints.generate_key()
    # Created with mode 0600 from the start, so the key is never readable by others.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    os.chmod(private_path, 0o600)
    public_path.write_bytes(public_pem)
    out.print(f"private key: {private_path} (keep it off the database server's backups)")
    out.print(f"public key:  {public_path} (give it to the auditors)")


@audit_app.command("checkpoint")
def audit_checkpoint(
    key: Annotated[Path, typer.Option(help="The private key (PEM) from `layan audit keygen`.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the checkpoint JSON.")],
) -> None:
    """Sign every ledger's head now; keep the file where the database's writers cannot."""
    try:
        private_pem = key.read_bytes()
    except OSError as exc:
        err.print(f"[red]cannot read {key}: {exc.strerror}[/red]")
        raise typer.Exit(1) from None
    db = open_database(load_settings())
    try:
        document = take_checkpoint(db, private_pem)
    except checkpoints.CheckpointError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    out_file.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    total = sum(h["last_seq"] for h in document["ledgers"])
    out.print(f"checkpoint {out_file}: {len(document['ledgers'])} ledgers, {total} events")


def _calendar_change(day: date, kind: str, action: str, name: str, agency: str | None) -> None:
    with database_command() as db:
        catalogue_service.change_calendar_day(
            db.unit_of_work(), day=day, kind=kind, action=action, name=name, agency_code=agency
        )
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
    with database_command() as db, db.unit_of_work(readonly=True) as uow:
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


@open311_app.command("create-key")
def open311_create_key(
    agency: Annotated[str, typer.Option(help="The agency's code, e.g. PUPR.")],
    name: Annotated[str, typer.Option(help="Who the key is for, e.g. the regency's app.")],
) -> None:
    """Create an Open311 API key for an agency's client; the key is printed only this once."""
    with database_command() as db:
        key = open311_service.create_key(db, None, agency, name)
    err.print(f"Open311 key '{name}' for {agency} (shown only once; keep it safe):")
    out.print(key, highlight=False, markup=False)


@privacy_app.command("purge")
def privacy_purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be erased; change nothing.")
    ] = False,
) -> None:
    """Erase personal data of applications decided longer ago than the service's retention."""
    settings = load_settings()
    with database_command(settings) as db:
        result = privacy.purge_expired(db, BlobStore(settings.blob_dir), dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    out.print(
        f"{verb}: personal data of {len(result.applications)} application(s), "
        f"{result.documents} document(s), {result.blobs} file(s), "
        f"{result.reasons} decision reason(s)"
    )


def _moment(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        err.print(f"[red]{option}: not an ISO 8601 date or time: {value!r}[/red]")
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@privacy_app.command("breach-report")
def privacy_breach_report(
    start: Annotated[
        str, typer.Option("--from", help="Start of the incident (ISO 8601; UTC if no zone).")
    ],
    end: Annotated[
        str, typer.Option("--to", help="End of the incident (ISO 8601; UTC if no zone).")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Whose personal data an incident window touched, and how to reach them within 3x24 h."""
    since, until = _moment(start, "--from"), _moment(end, "--to")
    if until <= since:
        err.print("[red]--to must be after --from[/red]")
        raise typer.Exit(2)
    with database_command() as db:
        report = privacy.breach_report(db, since, until)
    people = [
        {
            "tracking_number": p.tracking_number,
            "nik": p.nik,
            "name": p.name,
            "email": p.email,
            "phone": p.phone,
            "agencies": p.agencies,
            "touched": p.touched,
        }
        for p in report.people
    ]
    if as_json:
        body = {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "notify_by": report.notify_by.isoformat(),
            "people": people,
        }
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    out.print(
        f"Incident window {report.start.isoformat()} to {report.end.isoformat()}: "
        f"{len(people)} person(s) affected. Notify them and the authority by "
        f"{report.notify_by.isoformat()} (3 x 24 hours, UU 27/2022 Pasal 46).",
        highlight=False,
    )
    table = Table("tracking number", "NIK", "name", "e-mail", "phone", "agencies", "touched")
    for p in people:
        table.add_row(
            p["tracking_number"],
            p["nik"],
            p["name"],
            p["email"],
            p["phone"],
            ", ".join(p["agencies"]),
            ", ".join(p["touched"]),
        )
    out.print(table)


if __name__ == "__main__":
    app()
