"""Alembic migrations, shipped inside the package so the app upgrades its own database."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
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
    """Bring the database up to `revision`; an empty database gets every table."""
    with _UPGRADING:
        command.upgrade(config(engine), revision)
