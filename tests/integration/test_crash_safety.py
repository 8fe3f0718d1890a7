"""The server killed with SIGKILL ten times while citizens submit on loopback: every
application it acknowledged is there with its tasks, events and files, the audit chain
verifies, and a submission retried with its Idempotency-Key is filed once."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from layan.applications.models import Application, Document, Task
from layan.audit import verify_audit_chain
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import Event
from tests.conftest import SECRET
from tests.factories import application_parts

KILLS = 10
PER_ROUND = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.port = env, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "layan.cli", "serve", "--no-sweep"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/healthz", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _submission(seed: int) -> tuple[str, dict[str, tuple[str, bytes, str]]]:
    body, files = application_parts("ktp-el-baru", seed=seed)
    return json.dumps(body), files


def _send(base: str, key: str, seed: int) -> str | None:
    """The tracking number the server acknowledged, or None when it never answered."""
    body, files = _submission(seed)
    try:
        answer = httpx.post(
            f"{base}/api/v1/applications",
            data={"application": body},
            files=files,
            headers={"Idempotency-Key": key},
            timeout=30,
        )
    except httpx.TransportError:
        return None
    assert answer.status_code == 201, answer.text
    return str(answer.json()["tracking_number"])


def test_acknowledged_applications_survive_ten_kills_and_retries_file_once(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "LAYAN_DATABASE_URL": database_url,
        "LAYAN_DATA_DIR": str(tmp_path),
        "LAYAN_SECRET_KEY": SECRET,
    }
    rng = random.Random(5)
    acknowledged: dict[str, str] = {}  # Idempotency-Key -> tracking number
    unanswered: dict[str, int] = {}  # Idempotency-Key -> seed, to retry
    cut = [0]  # submissions the kills left without an answer
    seed = 100
    lock = threading.Lock()
    for _ in range(KILLS):
        server = Server(env)
        server.start()
        batch = dict(unanswered)
        for _ in range(PER_ROUND):
            seed += 1
            batch[f"crash-{seed}"] = seed

        def submit(item: tuple[str, int], base: str = server.base) -> None:
            key, item_seed = item
            number = _send(base, key, item_seed)
            with lock:
                if number is None:
                    unanswered[key] = item_seed
                    cut[0] += 1
                else:
                    unanswered.pop(key, None)
                    assert acknowledged.setdefault(key, number) == number

        with ThreadPoolExecutor(4) as pool:
            threading.Timer(rng.uniform(0.3, 1.5), server.kill).start()
            list(pool.map(submit, batch.items()))
    server = Server(env)
    server.start()
    try:
        for key, item_seed in list(unanswered.items()):  # the citizens try once more
            number = _send(server.base, key, item_seed)
            assert number is not None
            assert acknowledged.setdefault(key, number) == number
    finally:
        server.kill()
    assert cut[0] >= KILLS // 2  # the kills did fall in the middle of submissions
    assert len(acknowledged) == seed - 100  # every submission filed in the end

    db = Database(database_url)
    blobs = BlobStore(tmp_path / "blobs")
    try:
        with db.unit_of_work(readonly=True) as uow:
            session = uow.session
            for key, number in acknowledged.items():
                (app_id,) = session.execute(
                    select(Application.id).where(Application.idempotency_key == key)
                ).one()  # exactly one application per key
                assert (
                    session.execute(
                        select(Application.tracking_number).where(Application.id == app_id)
                    ).scalar_one()
                    == number
                )
                tasks = session.scalar(select(func.count()).where(Task.application_id == app_id))
                submitted = session.scalar(
                    select(func.count()).where(Event.case_id == number, Event.activity == "submit")
                )
                assert tasks and submitted == 1
                digests = session.execute(
                    select(Document.digest).where(Document.application_id == app_id)
                ).scalars()
                assert all(blobs.exists(d) for d in digests)
            total = session.scalar(select(func.count()).select_from(Application))
        assert total == len(acknowledged)
        checked, problems = verify_audit_chain(db)
        assert checked > 0 and problems == []
    finally:
        db.dispose()
