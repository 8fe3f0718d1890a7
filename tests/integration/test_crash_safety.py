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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
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
ROUND_CAP = 200  # submissions a round sends at most, should a kill come late


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
        self.launch()
        self.ready()

    def launch(self) -> None:
        """Start the process; `ready` waits until it answers."""
        command = [sys.executable, "-m", "layan.cli", "serve", "--no-sweep"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def ready(self) -> None:
        assert self.process is not None
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

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


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


class Round:
    """Citizens submitting to one server until it is killed: new submissions (at most
    ROUND_CAP) after the retries of those the last kill left unanswered, so every kill
    lands among requests in flight."""

    def __init__(self, server: Server, retries: list[tuple[str, int]], seeds: Iterator[int]):
        self.server, self.retries, self.seeds = server, retries, seeds
        self.killed = threading.Event()
        self.lock = threading.Lock()
        self.sent: list[int] = []
        self.acknowledged: dict[str, str] = {}
        self.cut: dict[str, int] = {}  # sent, never answered: Idempotency-Key -> seed

    def kill(self) -> None:
        self.killed.set()
        self.server.kill()

    def _next(self) -> tuple[str, int] | None:
        with self.lock:
            if self.retries:
                return self.retries.pop()
            if self.killed.is_set() or len(self.sent) >= ROUND_CAP:
                return None
            seed = next(self.seeds)
            self.sent.append(seed)
            return f"crash-{seed}", seed

    def citizen(self) -> None:
        while (item := self._next()) is not None:
            key, seed = item
            number = _send(self.server.base, key, seed)
            with self.lock:
                if number is None:
                    self.cut[key] = seed
                    return
                assert self.acknowledged.setdefault(key, number) == number


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
    seeds = iter(range(101, 101 + KILLS * ROUND_CAP))
    rounds: list[Round] = []
    unanswered: dict[str, int] = {}  # Idempotency-Key -> seed, to retry
    with ExitStack() as servers:  # none left running, whatever happens
        following = servers.enter_context(Server(env))
        following.launch()
        for _ in range(KILLS):
            server, following = following, servers.enter_context(Server(env))
            server.ready()
            # The server that takes over starts while this one serves, as a supervisor
            # would have it waiting; citizens are sent to it only once this one is dead.
            following.launch()
            round_ = Round(server, list(unanswered.items()), seeds)
            timer = threading.Timer(rng.uniform(0.3, 1.2), round_.kill)
            timer.start()
            with ThreadPoolExecutor(4) as pool:
                for citizen in [pool.submit(round_.citizen) for _ in range(4)]:
                    citizen.result()
            timer.join()
            rounds.append(round_)
            unanswered = {
                key: seed
                for key, seed in {**unanswered, **round_.cut}.items()
                if key not in round_.acknowledged
            }
        acknowledged: dict[str, str] = {}  # Idempotency-Key -> tracking number
        for round_ in rounds:
            for key, number in round_.acknowledged.items():
                assert acknowledged.setdefault(key, number) == number
        following.ready()
        for key, item_seed in list(unanswered.items()):  # the citizens try once more
            number = _send(following.base, key, item_seed)
            assert number is not None
            assert acknowledged.setdefault(key, number) == number
    sent = [seed for round_ in rounds for seed in round_.sent]
    cut = sum(len(round_.cut) for round_ in rounds)
    assert cut >= KILLS // 2  # the kills did fall in the middle of submissions
    assert len(acknowledged) == len(sent)  # every submission filed in the end

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
