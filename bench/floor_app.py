"""The floor: what one request costs on the same stack with no domain work at all.

A bare FastAPI app on the same kind of database as Layan, through the same engine setup
(`layan.core.db.make_engine`, so SQLite gets the same pragmas and the same BEGIN). It has
one table and two sync endpoints:

- ``POST /items``: the same multipart shape as a submission (a JSON part named
  ``application`` and one file part named ``document``); one INSERT of the JSON and the
  file's SHA-256; 201 with the new key.
- ``GET /items/{key}``: one SELECT by key.

Run it with ``uvicorn bench.floor_app:create_app --factory``; the database URL comes from
``BENCH_FLOOR_DATABASE_URL``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from layan.core.db import make_engine

URL_VARIABLE = "BENCH_FLOOR_DATABASE_URL"


class FloorBase(DeclarativeBase):
    """The floor's own metadata, apart from Layan's tables."""


class Item(FloorBase):
    __tablename__ = "floor_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def create_app(database_url: str | None = None) -> FastAPI:
    """The floor app on `database_url` (default: the environment); its table made at start."""
    url = database_url or os.environ[URL_VARIABLE]
    engine = make_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        FloorBase.metadata.create_all(engine)
        yield
        engine.dispose()

    app = FastAPI(title="Layan benchmark floor", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/items", status_code=201)
    def create_item(
        application: Annotated[str, Form()], document: Annotated[UploadFile, File()]
    ) -> JSONResponse:
        try:
            payload = json.loads(application)
        except json.JSONDecodeError:
            raise HTTPException(422, "application is not JSON") from None
        digest = hashlib.sha256(document.file.read()).hexdigest()
        item = Item(
            key=secrets.token_urlsafe(9),
            digest=digest,
            payload=payload,
            created_at=datetime.now(UTC).replace(tzinfo=None),
        )
        with sessions() as session:
            # A writer takes SQLite's write lock at BEGIN, as Layan's units of work do.
            session.connection(execution_options={"layan_write": True})
            session.add(item)
            session.commit()
        return JSONResponse(
            {"key": item.key}, status_code=201, headers={"Location": f"/items/{item.key}"}
        )

    @app.get("/items/{key}")
    def read_item(key: str) -> dict[str, Any]:
        with sessions() as session:
            item = session.execute(select(Item).where(Item.key == key)).scalar_one_or_none()
            if item is None:
                raise HTTPException(404, "no such item")
            return {
                "key": item.key,
                "digest": item.digest,
                "payload": item.payload,
                "created_at": item.created_at.isoformat(),
            }

    return app
