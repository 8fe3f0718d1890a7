"""`layan backup FILE` and `layan restore FILE`: the database and its documents in one
file, and back (`layan.backup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from layan import backup as backups
from layan.cli_common import database_command, load_settings, out

WITH_KEYS = typer.Option(
    "--with-keys",
    help="Also the agencies' private signing keys (secrets: keep such a file apart).",
)


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (a tar).")],
    with_keys: Annotated[bool, WITH_KEYS] = False,
) -> None:
    """Back up the database (a consistent snapshot, while the server runs) and the
    document store into FILE."""
    settings = load_settings()
    keys = settings.signing_keys_dir if with_keys else None
    with database_command(settings) as db:
        manifest = backups.backup(db, settings.blob_dir, file, keys_dir=keys)
    rows = sum(manifest["rows"].values())
    out.print(
        f"backed up {rows:,} rows of {len(manifest['rows'])} tables and "
        f"{manifest['files']:,} files ({manifest['backend']}) to {file}"
    )


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `layan backup`.")],
    with_keys: Annotated[bool, WITH_KEYS] = False,
) -> None:
    """Restore FILE into the empty database of LAYAN_DATABASE_URL and the document store
    of LAYAN_DATA_DIR; the rows are checked against the backup and the audit chain
    verified."""
    settings = load_settings()
    keys = settings.signing_keys_dir if with_keys else None
    with database_command(settings) as db:
        done = backups.restore(db, settings.blob_dir, file, keys_dir=keys)
    out.print(
        f"restored {done.rows:,} rows and {done.files:,} files; "
        f"audit chain verified: {done.events_verified:,} events"
    )
