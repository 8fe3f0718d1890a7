"""Settings from `LAYAN_*` environment variables: the only code that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known only so that production can refuse it: a secret anyone can read in the source.
DEVELOPMENT_SECRET = "layan-development-secret-do-not-use-in-production"


LOCAL_URL = "http://127.0.0.1:8000"


class RegistryEndpoint(BaseModel):
    """Where a registry's HTTP connector asks (e.g. the civil registry's web service)."""

    url: str = Field(pattern=r"^https?://")
    token: str | None = None  # sent as a bearer token, when the registry asks for one
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class Settings(BaseSettings):
    """How one Layan process is configured."""

    model_config = SettingsConfigDict(env_prefix="LAYAN_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///layan.db"
    # A read-only replica of the database (PostgreSQL streaming replication): the public
    # dashboard, open data and the catalogue's lists read from it when it is set.
    database_replica_url: str | None = None
    data_dir: Path = Path("var")
    secret_key: str = DEVELOPMENT_SECRET
    token_minutes: int = Field(default=8 * 60, gt=0)
    max_upload_kb: int = Field(default=10 * 1024, gt=0)
    sweep_seconds: int = Field(default=60, gt=0)
    # How often the worker folds new events into the dashboard's rollups.
    rollup_seconds: float = Field(default=5, gt=0, le=3600)
    default_tz: str = "Asia/Jakarta"
    # Threads that run database work per process; None picks 2 for SQLite (one writer,
    # so more threads only queue) and 16 for PostgreSQL.
    threads: int | None = Field(default=None, gt=0, le=256)
    # Where each agency's private signing keys live; never in the database or its backups.
    keys_dir: Path | None = None
    # The address the public reaches this site at: printed on every issued document.
    public_url: str = Field(default=LOCAL_URL, pattern=r"^https?://[^/\s]+(/[^\s]*)?$")
    # Email (one-time codes of the wallet): none means messages are written to
    # `data_dir/outbox` as .eml files instead of being sent.
    smtp_url: str | None = Field(default=None, pattern=r"^smtps?://[^/\s:]+(:[0-9]+)?/?$")
    smtp_from: str = "Layan <layan@localhost>"
    # SMS and WhatsApp gateways: POSTed JSON {"to", "body", "reference"}, with the token
    # as a bearer token. A channel without a gateway fails its messages for good.
    sms_gateway_url: str | None = Field(default=None, pattern=r"^https?://")
    sms_gateway_token: str | None = None
    whatsapp_gateway_url: str | None = Field(default=None, pattern=r"^https?://")
    whatsapp_gateway_token: str | None = None
    # Test mode: every message is recorded as delivered, none leaves (a staging server).
    notify_test: bool = False
    # How long a worker holds a message it is sending: one that died mid-batch leaves its
    # message in flight to be sent again (with the same key) after this.
    notify_lease_seconds: int = Field(default=300, ge=1, le=3600)
    # Registries looked up over HTTP, by code (JSON); a registry not named here is answered
    # by the local connector from the documents this platform issued.
    registries: dict[str, RegistryEndpoint] = Field(default_factory=dict)

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
        if self.env == "production" and self.public_url.rstrip("/") == LOCAL_URL:
            raise ValueError(
                "LAYAN_ENV=production needs LAYAN_PUBLIC_URL: the address the public reaches "
                "this site at (e.g. https://layan.sukamaju.go.id), printed on every issued "
                "document for its verification"
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

    @property
    def signing_keys_dir(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def site(self) -> str:
        """The public address without a trailing slash."""
        return self.public_url.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
