"""Where Layan's time goes: cProfile in every server thread, requests through TestClient.

The app runs in process on the benchmark's own database; requests go one at a time
through `fastapi.testclient.TestClient`. Each thread the app uses (the event loop's and
the thread pool's) gets its own profiler timed by that thread's CPU clock, so waiting
costs nothing and the client's own work (in the main thread) is left out. The SQL
statements the app sends are counted too.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

import layan
from bench.report import INTAKE, LOOKUPS, Profile
from layan.applications import intake, queries
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.main import create_app
from layan.settings import Settings

with warnings.catch_warnings():
    # The test client still runs on httpx, which is all an in-process call needs.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

if TYPE_CHECKING:
    from bench.run import Submission

LAYAN_DIR = str(Path(layan.__file__).resolve().parent)
ROWS = 14
HOT_ROWS = 8
MIN_SHARE = 0.02


@contextmanager
def _profiled_threads() -> Iterator[list[cProfile.Profile]]:
    """A CPU-time profiler in every thread started inside the block."""
    profilers: list[cProfile.Profile] = []

    def start(_frame: Any, _event: str, _arg: Any) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.enable()

    threading.setprofile(start)
    try:
        yield profilers
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]


@contextmanager
def _counted_statements(engine: Any) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[" ".join(statement.split())] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _label(key: tuple[str, int, str]) -> str:
    """module:function for Python code, the C function's name otherwise."""
    filename, _line, name = key
    if filename == "~":
        return re.sub(r"^<(built-in method|method) ", "", name).rstrip(">").strip("{}")
    path = filename.replace("\\", "/")
    if path.startswith(LAYAN_DIR):
        module = "layan" + path[len(LAYAN_DIR) :].removesuffix(".py").replace("/", ".")
        return f"{module.removesuffix('.__init__')}.{name}"
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            tail = tail.split("/", 1)[1] if marker.startswith("/lib") else tail
            return f"{tail.removesuffix('.py').replace('/', '.')}.{name}"
    return f"{Path(path).stem}.{name}"


def _package(key: tuple[str, int, str]) -> str:
    """Which part of the stack a function belongs to, for the roll-up by self time."""
    filename, _line, name = key
    if filename == "~":
        lowered = name.lower()
        for driver in ("sqlite3", "psycopg", "pydantic_core", "_hashlib", "select", "socket"):
            if driver in lowered:
                return f"{driver} (C)"
        return "built-ins (C)"
    path = filename.replace("\\", "/")
    if path.startswith(LAYAN_DIR):
        parts = path[len(LAYAN_DIR) + 1 :].split("/")
        return "layan." + (parts[0] if len(parts) > 1 else parts[0].removesuffix(".py"))
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    return "Python stdlib"


def _summarise(
    metric: str,
    title: str,
    profilers: list[cProfile.Profile],
    requests: int,
    statements: Counter[str],
    floor_sql: str,
) -> Profile:
    stats = pstats.Stats(*profilers)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(e[2] for e in entries.values()) or 1.0
    own = sorted(entries.items(), key=lambda kv: kv[1][3], reverse=True)
    layan_rows = [
        (_label(k), e[3] / total, e[2] / total)
        for k, e in own
        if k[0].startswith(LAYAN_DIR) and e[3] / total >= MIN_SHARE
    ][:ROWS]
    hot = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:HOT_ROWS]
    hot_rows = [(_label(k), e[3] / total, e[2] / total) for k, e in hot]
    by_package: Counter[str] = Counter()
    for k, e in entries.items():
        by_package[_package(k)] += e[2] / total
    per_request = sum(statements.values()) / max(requests, 1)
    top_sql = "; ".join(
        f"{n / requests:.1f}x `{s[:70]}{'…' if len(s) > 70 else ''}`"
        for s, n in statements.most_common(6)
    )
    return Profile(
        metric=metric,
        title=title,
        requests=requests,
        seconds=total,
        rows=layan_rows,
        hot=hot_rows,
        packages=by_package.most_common(8),
        note=(
            f"SQL statements per request: {per_request:.1f} (the floor sends {floor_sql}). "
            f"Most frequent: {top_sql}."
        ),
    )


def _profile(
    app: Any, metric: str, title: str, send: Callable[[TestClient, int], None], requests: int
) -> Profile:
    with (
        _counted_statements(app.state.db.engine) as statements,
        _profiled_threads() as profilers,
        TestClient(app) as client,
    ):
        for i in range(requests):
            send(client, i)
    floor_sql = "2: BEGIN and one more" if app.state.db.is_sqlite else "1"
    return _summarise(metric, title, profilers, requests, statements, floor_sql)


def profile_backend(
    database_url: str,
    data_dir: Path,
    secret: str,
    submissions: Sequence[Submission],
    numbers: Sequence[str],
    metrics: Sequence[str],
) -> list[Profile]:
    """A profile of each metric in `metrics`, on Layan's benchmark database."""
    settings = Settings(env="test", database_url=database_url, data_dir=data_dir, secret_key=secret)
    app = create_app(settings)

    def submit(client: TestClient, i: int) -> None:
        s = submissions[i % len(submissions)]
        response = client.post(
            "/api/v1/applications",
            data={"application": s.application},
            files={s.slot: (s.filename, s.content, s.content_type)},
        )
        if response.status_code != 201:
            raise RuntimeError(f"profiling submission failed: {response.text[:300]}")

    def track(client: TestClient, i: int) -> None:
        response = client.get(f"/api/v1/applications/{numbers[i % len(numbers)]}")
        if response.status_code != 200:
            raise RuntimeError(f"profiling lookup failed: {response.text[:300]}")

    with TestClient(app) as client:  # warm caches and connections, unprofiled
        for i in range(20):
            submit(client, i)
            track(client, i)
    db: Database = app.state.db
    blobs = BlobStore(settings.blob_dir)
    out = []
    if INTAKE in metrics:
        prof = _profile(app, INTAKE, "intake (POST /api/v1/applications)", submit, len(submissions))
        direct = _cpu_ms(lambda i: _submit_direct(db, blobs, secret, submissions[i]), 200)
        out.append(replace(prof, direct_ms=direct, direct_call=SUBMIT_CALL))
    if LOOKUPS in metrics:
        prof = _profile(app, LOOKUPS, "lookups (GET /api/v1/applications/{number})", track, 1000)
        direct = _cpu_ms(lambda i: _track_direct(db, secret, numbers[i % len(numbers)]), 1000)
        out.append(replace(prof, direct_ms=direct, direct_call=TRACK_CALL))
    db.dispose()
    return out


SUBMIT_CALL = "layan.applications.intake.submit_application"
TRACK_CALL = "layan.applications.queries.track_application"


def _cpu_ms(call: Callable[[int], object], count: int) -> float:
    """CPU time per call in this thread, in milliseconds, with no profiler attached."""
    started = time.thread_time()
    for i in range(count):
        call(i)
    return (time.thread_time() - started) / count * 1000


def _submit_direct(db: Database, blobs: BlobStore, secret: str, s: Submission) -> None:
    body = json.loads(s.application)
    intake.submit_application(
        db,
        service_code=body["service_code"],
        applicant=intake.Applicant(**body["applicant"]),
        data=body["data"],
        files={s.slot: intake.IncomingFile(s.filename, s.content_type, s.content)},
        blobs=blobs,
        secret=secret,
    )


def _track_direct(db: Database, secret: str, number: str) -> None:
    with db.unit_of_work(readonly=True) as uow:
        queries.track_application(uow, number, None, secret)
