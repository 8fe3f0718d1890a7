"""Settings from `LAYAN_*` environment variables: the only code that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known only so that production can refuse it: a secret anyone can read in the source.
DEVELOPMENT_SECRET = "layan-development-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """How one Layan process is configured."""

    model_config = SettingsConfigDict(env_prefix="LAYAN_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///layan.db"
    data_dir: Path = Path("var")
    secret_key: str = DEVELOPMENT_SECRET
    token_minutes: int = Field(default=8 * 60, gt=0)
    max_upload_kb: int = Field(default=10 * 1024, gt=0)
    sweep_seconds: int = Field(default=60, gt=0)
    default_tz: str = "Asia/Jakarta"
    # Threads that run database work per process; None picks 2 for SQLite (one writer,
    # so more threads only queue) and 16 for PostgreSQL.
    threads: int | None = Field(default=None, gt=0, le=256)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production" and (
            not self.secret_key
            or self.secret_key == DEVELOPMENT_SECRET
            or len(self.secret_key) < 32
        ):
            raise ValueError(
                "LAYAN_ENV=production needs LAYAN_SECRET_KEY: a secret of at least 32 characters "
                "that is not the development default (generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return self

    @property
    def thread_count(self) -> int:
        if self.threads:
            return self.threads
        return 2 if self.database_url.startswith("sqlite") else 16

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
