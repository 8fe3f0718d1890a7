"""The `layan` command: serve, work the deadlines, import services, verify the audit chain.

Commands call services, never SQL.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import segno
import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from layan import demo, demo_history, demo_story, migrations, transfer
from layan import worker as background
from layan.accounts import officers as officer_accounts
from layan.accounts import second_factor
from layan.accounts import service as account_service
from layan.applications import privacy
from layan.audit import take_checkpoint, verify_against_checkpoint, verify_audit_chain
from layan.catalogue import queries as catalogue
from layan.catalogue import rules as standards
from layan.catalogue import service as catalogue_service
from layan.catalogue.bpmn import standard_to_bpmn
from layan.cli_analytics import analytics_app
from layan.cli_documents import documents_app, keys_app
from layan.core import checkpoints
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.errors import DomainError, ValidationFailedError
from layan.main import issuer_for
from layan.open311 import service as open311_service
from layan.settings import Settings

app = typer.Typer(help="Layan: public services online, measured in public.", no_args_is_help=True)
services_app = typer.Typer(help="Service standards: import, export.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit chain.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo regency.", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Holidays, cuti bersama and closures for a year.", no_args_is_help=True
)
db_app = typer.Typer(
    help="The database: migrations, and copying it to another server.", no_args_is_help=True
)
officers_app = typer.Typer(help="Officers and their roles.", no_args_is_help=True)
open311_app = typer.Typer(help="Open311 GeoReport v2: API keys.", no_args_is_help=True)
app.add_typer(services_app, name="services")
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


@contextmanager
def _command(settings: Settings | None = None) -> Iterator[Database]:
    """The database of one command, disposed of however the command ends.

    A refused change exits with 1: each field of a ValidationFailedError on a line of its
    own, the English message of any other DomainError.
    """
    db = _database(settings if settings is not None else _settings())
    try:
        yield db
    except ValidationFailedError as exc:
        for f in exc.errors:
            err.print(f"[red]{f.field}: {f.text.en}[/red]")
        if not exc.errors:
            err.print(f"[red]{exc.text.en}[/red]")
        raise typer.Exit(1) from None
    except DomainError as exc:
        err.print(f"[red]{exc.text.en}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()


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

    settings = _settings()
    if demo_data:
        if _load_demo(settings):
            _load_history(settings, DEMO_HISTORY, seed=11)
    # Upgrade once here, before the sweep thread and the server processes open the database.
    db = _database(settings)
    if sweep:
        background.say_what_was_done()
        threading.Thread(
            target=background.run_forever,
            args=(db,),
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


def _load_demo(settings: Settings, count: int = 300) -> bool:
    """Load the demo regency into an empty database; whether it was loaded."""
    db = _database(settings)
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


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
) -> None:
    """Mark missed deadlines every LAYAN_SWEEP_SECONDS; fold the event log into the
    dashboard's rollups every LAYAN_ROLLUP_SECONDS."""
    settings = _settings()
    if once:
        with _command(settings) as db:
            done = background.run_once(db)
        out.print(
            f"sweep: {done.marked} deadline(s) marked; rollups: {done.folded} event(s) folded"
        )
        return
    background.say_what_was_done()
    background.run_forever(
        _database(settings),
        sweep_seconds=settings.sweep_seconds,
        rollup_seconds=settings.rollup_seconds,
    )


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
    with _command() as db:
        officer_id = account_service.create_officer(
            db.unit_of_work(),
            username=username,
            name=name,
            password=password,
            roles=[account_service.RoleInUnit(role, unit)],
        )
    out.print(f"officer {username} created (id {officer_id})")


@officers_app.command("totp-reset")
def officers_totp_reset(username: str) -> None:
    """Switch off an officer's two-step verification (a lost phone) and end every sign-in
    of theirs (the phone may hold one); recorded as an event."""
    with _command() as db:
        was_on = second_factor.reset(db, username)
    if was_on:
        out.print(
            f"two-step verification of {username} is off and their sessions ended; "
            "they sign in with the password"
        )
    else:
        out.print(f"{username} had no two-step verification; nothing changed")


@officers_app.command("totp-enable")
def officers_totp_enable(username: str) -> None:
    """Switch on an officer's two-step verification with a fresh key, printed once as an
    otpauth:// address and a QR code for their authenticator app."""
    with _command() as db:
        enrolment = second_factor.enable_for(db, username)
    err.print(f"two-step verification of {username} is on; scan this once, then keep it secret:")
    sys.stdout.write(enrolment.uri + "\n")
    segno.make(enrolment.uri, error="m").terminal(out=sys.stdout, compact=True)


@officers_app.command("set-password")
def officers_set_password(
    username: str,
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for twice, hidden, when not given.",
        ),
    ] = "",
) -> None:
    """Set a new password for an officer who lost theirs; every sign-in of theirs ends.
    Recorded as an event, without the password."""
    with _command() as db:
        revoked = officer_accounts.set_password(db, username, password)
    out.print(f"password of {username} set; {revoked} session(s) ended")


def _switch_officer(username: str, active: bool) -> None:
    with _command() as db:
        changed = officer_accounts.set_active(db, username, active)
    state = "active" if active else "inactive"
    if changed:
        ended = "" if active else "; every session of theirs ended"
        out.print(f"{username} is now {state}{ended}")
    else:
        out.print(f"{username} was already {state}; nothing changed")


@officers_app.command("deactivate")
def officers_deactivate(username: str) -> None:
    """Switch an officer off: they can no longer sign in, and every sign-in of theirs ends.
    Recorded as an event."""
    _switch_officer(username, active=False)


@officers_app.command("activate")
def officers_activate(username: str) -> None:
    """Switch an officer on again: they sign in with their password. Recorded as an event."""
    _switch_officer(username, active=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database up to the latest migration."""
    _database(_settings()).dispose()
    out.print("database is up to date")


@db_app.command("copy")
def db_copy(
    target: Annotated[str, typer.Argument(help="URL of an empty database to copy into.")],
) -> None:
    """Copy this database whole into an empty one (e.g. SQLite into PostgreSQL), then
    verify the audit chain there. Stop the server first: the copy is of one moment."""
    target_db = Database(target)
    try:
        with _command() as db, Progress(console=out, transient=True) as bar:
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
    with _command() as db:
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
    with _command() as db, db.unit_of_work(readonly=True) as uow:
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
    db = _database(_settings()) if database is None else Database(_database_url(database))
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
    db = _database(_settings())
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
    settings = _settings()
    with _command(settings) as db:
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
    settings = _settings()
    _load_demo(settings, applications)
    if history:
        _load_history(settings, history, seed)


# A year of a small regency's applications, so the public dashboard has trends to show.
DEMO_HISTORY = 5000


def _load_history(settings: Settings, count: int, seed: int) -> None:
    """Generate `count` applications of history in bulk, with a progress bar."""
    with (
        _command(settings) as db,
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


def _calendar_change(day: date, kind: str, action: str, name: str, agency: str | None) -> None:
    with _command() as db:
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
    with _command() as db, db.unit_of_work(readonly=True) as uow:
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
    with _command() as db:
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
    settings = _settings()
    with _command(settings) as db:
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
    with _command() as db:
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
