"""What every `layan` command shares: settings, the database of one command, the
consoles. Commands call services, never SQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from layan import migrations
from layan.core.db import Database
from layan.core.errors import DomainError, ValidationFailedError
from layan.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(2) from None


def open_database(settings: Settings) -> Database:
    db = Database(settings.database_url, replica_url=settings.database_replica_url)
    migrations.upgrade(db.engine)
    return db


@contextmanager
def database_command(settings: Settings | None = None) -> Iterator[Database]:
    """The database of one command, disposed of however the command ends.

    A refused change exits with 1: each field of a ValidationFailedError on a line of its
    own, the English message of any other DomainError.
    """
    db = open_database(settings if settings is not None else load_settings())
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
