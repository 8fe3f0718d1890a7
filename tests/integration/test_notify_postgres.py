"""Several workers share the outbox on PostgreSQL: a message one of them holds locked is
skipped by the others (FOR UPDATE SKIP LOCKED), never waited for nor claimed twice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.core.db import Database
from layan.notify import dispatch
from layan.notify.models import Message
from layan.notify.outbox import derive_messages
from layan.settings import Settings
from layan.worker import notifier_for
from tests.conftest import _pg_copy
from tests.factories import submit

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    return _pg_copy(request.getfixturevalue("pg_base"))


def test_a_message_another_worker_holds_is_skipped_not_waited_for(
    client: TestClient, db: Database, settings: Settings
) -> None:
    for seed in range(4):
        answer = submit(client, "ktp-el-baru", applicant={"nik": f"32040147089000{seed + 1:02d}"})
        assert answer.status_code == 201, answer.text
    derive_messages(db, notifier_for(settings).outbound)
    with db.unit_of_work() as uow:  # another worker's batch, its transaction still open
        stmt = select(Message.id).order_by(Message.id).limit(2).with_for_update()
        held = set(uow.session.execute(stmt).scalars())
        claimed = {m.id for m in dispatch.claim(db, 100)}
        assert len(held) == 2 and len(claimed) == 2 and not held & claimed
