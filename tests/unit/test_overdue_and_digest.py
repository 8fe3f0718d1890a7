"""When a step is late (a paused or cancelled one never is), and the digest of free text."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from layan.applications.rules import TaskStatus, is_overdue
from layan.core.events import text_digest

DUE = datetime(2026, 3, 2, 9, tzinfo=UTC)
EARLY, LATE = DUE - timedelta(hours=1), DUE + timedelta(hours=1)


@pytest.mark.parametrize("status", [TaskStatus.OPEN, TaskStatus.CLAIMED])
def test_an_active_step_is_late_once_its_deadline_has_passed(status: str) -> None:
    assert is_overdue(status, DUE, None, LATE)
    assert not is_overdue(status, DUE, None, EARLY)
    assert not is_overdue(status, DUE, None, DUE)


@pytest.mark.parametrize("status", [TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED])
def test_a_decided_step_is_judged_by_when_it_was_decided(status: str) -> None:
    assert is_overdue(status, DUE, LATE, LATE + timedelta(days=3))
    assert not is_overdue(status, DUE, EARLY, LATE + timedelta(days=3))


@pytest.mark.parametrize("status", [TaskStatus.PAUSED, TaskStatus.CANCELLED])
def test_a_paused_or_cancelled_step_is_never_late(status: str) -> None:
    assert not is_overdue(status, DUE, None, LATE + timedelta(days=30))
    assert not is_overdue(status, DUE, LATE, LATE)


def test_the_text_digest_is_the_hex_sha256_of_the_utf8_text() -> None:
    text = "Berkas kurang: KTP Budi Santoso — halaman 2"
    assert text_digest(text) == hashlib.sha256(text.encode()).hexdigest()
    assert len(text_digest("")) == 64
