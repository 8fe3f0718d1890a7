"""Alembic migrations, shipped inside the package so the app upgrades its own database."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

HERE = Path(__file__).parent
# Alembic keeps its running migration context in module globals: two threads upgrading at
# once (the server starting while its sweep thread opens the database) break each other.
_UPGRADING = threading.Lock()


def config(engine: Engine | None = None, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to `revision`; an empty database gets every table.

    A database already at the newest revision is left alone after one read of its
    revision, so an app starting on it does not load every migration script again.
    """
    with _UPGRADING:
        if revision == "head" and _current(engine) == _head():
            return
        command.upgrade(config(engine), revision)


@functools.cache
def _head() -> str | None:
    return ScriptDirectory.from_config(config()).get_current_head()


def _current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
