"""A worker killed (SIGKILL) in the middle of sending: after a restart every message is
delivered, and none twice but the one in flight at the kill, sent again with the same
Message-ID so a receiver can tell it is the same message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from layan.core.db import Database
from layan.notify import rules
from layan.notify.models import Message
from tests.conftest import SECRET
from tests.mailserver import mail_server

COUNT = 400


def _outbox(db: Database) -> None:
    now = db.clock()
    rows = [
        {
            "key": f"{n + 1}-submitted-email-{n:016x}",
            "event_id": n + 1,
            "kind": rules.SUBMITTED,
            "case_type": "application",
            "case_number": f"CASE{n:08d}",
            "agency": "DISDUKCAPIL",
            "channel": rules.EMAIL,
            "recipient": f"warga{n}@contoh.id",
            "language": "id",
            "subject": f"Permohonan {n} diterima",
            "body": "Permohonan Anda diterima.",
            "status": rules.CREATED,
            "test": False,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(COUNT)
    ]
    with db.unit_of_work() as uow:
        uow.session.execute(Message.__table__.insert(), rows)
        uow.commit()


def test_a_worker_killed_mid_batch_sends_nothing_twice_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)  # the real clock: the worker's own
    try:
        _outbox(db)
        with mail_server() as (smtp_url, box):
            env = {
                **os.environ,
                "LAYAN_DATABASE_URL": database_url,
                "LAYAN_DATA_DIR": str(tmp_path),
                "LAYAN_SECRET_KEY": SECRET,
                "LAYAN_SMTP_URL": smtp_url,
                "LAYAN_NOTIFY_LEASE_SECONDS": "1",
                "LAYAN_ROLLUP_SECONDS": "0.2",
            }
            layan = [sys.executable, "-m", "layan.cli"]
            worker = subprocess.Popen([*layan, "worker"], env=env, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 60
                while len(box.messages) < COUNT // 4 and time.monotonic() < deadline:
                    time.sleep(0.01)
                os.kill(worker.pid, signal.SIGKILL)
            finally:
                worker.wait(timeout=10)
            before = len(box.messages)
            assert COUNT // 4 <= before < COUNT, before  # killed in the middle
            time.sleep(1.5)  # the dead worker's lease runs out
            again = subprocess.run(
                [*layan, "worker", "--once"], env=env, capture_output=True, timeout=120
            )
            assert again.returncode == 0, again.stderr.decode()[-2000:]
            received = Counter(str(m["Message-ID"]) for m in box.messages)
        with db.unit_of_work(readonly=True) as uow:
            rows = uow.session.execute(select(Message.key, Message.status)).all()
        assert {status for _key, status in rows} == {rules.DELIVERED}
        assert set(received) == {f"<{key}@layan>" for key, _status in rows}
        twice = [mid for mid, n in received.items() if n > 1]
        assert len(twice) <= 1 and all(received[mid] == 2 for mid in twice)
    finally:
        db.dispose()
