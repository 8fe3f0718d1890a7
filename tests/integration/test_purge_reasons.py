"""Free text stays out of the hash chain, so the retention purge can erase it.

A decision's reason lives on its task and goes into the event only as its SHA-256; the
purge erases every task's reason and the chain still verifies. Complaints' reasons and
the names of bodies outside Layan are logged the same way.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from layan.applications import privacy
from layan.applications.models import Application, Task
from layan.audit import verify_audit_chain
from layan.complaints.models import Complaint
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import Event, case_events
from layan.settings import Settings
from tests.conftest import Clock
from tests.factories import officer_for, sign_in, standard, submit

SKCK = standard("skck")
FIRST = SKCK.procedure[0]
RETURNED = "Pas foto milik Bapak Suharto buram, mohon unggah ulang"
REJECTED = "Sidik jari Ibu Wulandari tidak terbaca oleh petugas"
BASIS = "Perpol 6/2023"


def _sha256(words: str) -> str:
    return hashlib.sha256(words.encode()).hexdigest()


def _open_task(client: TestClient, number: str) -> int:
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    return int(next(s["task_id"] for s in steps if s["status"] in ("open", "claimed")))


def _decide(client: TestClient, task_id: int, **decision: str) -> None:
    response = client.post(
        f"/api/v1/tasks/{task_id}/decision",
        headers=sign_in(client, officer_for(FIRST.unit, FIRST.role)),
        json=decision,
    )
    assert response.status_code == 200, response.text


def _returned_then_rejected(client: TestClient, seed: int = 1) -> tuple[str, str]:
    """An SKCK application returned once, resubmitted, then rejected: two reasons written."""
    receipt = submit(client, "skck", seed=seed).json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    _decide(client, _open_task(client, number), outcome="return", reason=RETURNED)
    resubmitted = client.post(
        f"/api/v1/applications/{number}/resubmission",
        headers={"X-Tracking-Pin": pin},
        json={"data": {}},
    )
    assert resubmitted.status_code == 200, resubmitted.text
    _decide(
        client,
        _open_task(client, number),
        outcome="reject",
        reason=REJECTED,
        legal_basis=BASIS,
    )
    return number, pin


def _tasks(db: Database, number: str) -> list[Task]:
    with db.unit_of_work(readonly=True) as uow:
        return list(
            uow.session.execute(
                select(Task).join(Application).where(Application.tracking_number == number)
            ).scalars()
        )


def _events(db: Database, case_type: str, number: str) -> list[Event]:
    with db.unit_of_work(readonly=True) as uow:
        return case_events(uow.session, case_type, number)


def test_decision_events_carry_the_reasons_digest_and_never_its_words(
    client: TestClient, db: Database
) -> None:
    number, _ = _returned_then_rejected(client)
    decided = {t.id: t for t in _tasks(db, number) if t.reason is not None}
    assert sorted(t.reason for t in decided.values()) == sorted([RETURNED, REJECTED])

    events = _events(db, "application", number)
    decisions = [e for e in events if e.payload.get("outcome") in ("return", "reject")]
    assert len(decisions) == len(decided)
    for event in decisions:
        task = decided[event.payload["task"]]
        assert event.payload["reason_sha256"] == _sha256(task.reason or "")
        assert "reason" not in event.payload
    assert next(e for e in decisions if e.payload["outcome"] == "reject").payload[
        "legal_basis"
    ] == (BASIS)
    suspended = next(e for e in events if e.activity == "return")
    assert suspended.payload["reason_sha256"] == _sha256(RETURNED)
    assert "reason" not in suspended.payload
    logged = json.dumps([e.payload for e in events])
    assert RETURNED not in logged and REJECTED not in logged


def test_purge_erases_every_tasks_reason_and_the_chain_still_verifies(
    client: TestClient, db: Database, clock: Clock, settings: Settings
) -> None:
    blobs = BlobStore(settings.blob_dir)
    number, pin = _returned_then_rejected(client)
    written = [t for t in _tasks(db, number) if t.reason is not None]
    bases = [t.legal_basis for t in _tasks(db, number)]
    clock.advance(days=SKCK.retention_days - 1)
    young, _ = _returned_then_rejected(client, seed=2)
    clock.advance(days=2)

    dry = privacy.purge_expired(db, blobs, dry_run=True)
    assert (dry.applications, dry.reasons) == ([number], len(written))
    unchanged = [t.reason for t in _tasks(db, number) if t.reason is not None]
    assert unchanged == [t.reason for t in written]  # a dry run changes nothing

    result = privacy.purge_expired(db, blobs)

    assert result.applications == [number] and result.reasons == len(written)
    after = _tasks(db, number)
    assert {t.reason for t in after if t.reason is not None} == {privacy.ERASED}
    assert [t.id for t in after if t.reason is not None] == [t.id for t in written]
    assert [t.legal_basis for t in after] == bases and BASIS in bases  # a citation stays
    assert {t.reason for t in _tasks(db, young)} >= {RETURNED, REJECTED}  # not yet due
    assert verify_audit_chain(db)[1] == []
    purged = _events(db, "application", number)[-1]
    assert purged.activity == "personal data purged"
    assert purged.payload["reasons"] == len(written)
    steps = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin}).json()
    assert {s["reason"] for s in steps["steps"] if s["reason"]} == {privacy.ERASED}
    assert privacy.purge_expired(db, blobs).applications == []  # erased once only


def test_an_application_erased_before_reasons_were_erased_has_them_erased_now(
    client: TestClient, db: Database, clock: Clock, settings: Settings
) -> None:
    blobs = BlobStore(settings.blob_dir)
    number, _ = _returned_then_rejected(client)
    clock.advance(days=SKCK.retention_days + 1)
    assert privacy.purge_expired(db, blobs).applications == [number]
    left = next(t for t in _tasks(db, number) if t.reason is not None)
    with db.engine.begin() as conn:  # as a purge that left the reasons would have
        conn.execute(
            text("UPDATE tasks SET reason = :r WHERE id = :id"), {"r": REJECTED, "id": left.id}
        )

    result = privacy.purge_expired(db, blobs)

    assert (result.applications, result.reasons) == ([number], 1)
    assert (result.documents, result.blobs) == (0, 0)  # erased the first time
    assert REJECTED not in {t.reason for t in _tasks(db, number)}
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        assert app.applicant_name == privacy.ERASED
    purges = [
        e.payload for e in _events(db, "application", number) if e.activity.endswith("purged")
    ]
    assert [p["reasons"] for p in purges][-1] == 1 and purges[-1]["documents"] == 0
    assert verify_audit_chain(db)[1] == []
    assert privacy.purge_expired(db, blobs).applications == []


# --- complaints -----------------------------------------------------------------------------

HANDLER = "pupr-pengaduan"
COMPLAINT = {
    "kind": "pengaduan",
    "category": "jalan-rusak",
    "title": "Jalan berlubang di depan pasar",
    "description": "Lubang besar di tengah jalan, sudah dua motor jatuh minggu ini.",
    "location": {"lat": -6.9, "lon": 107.6},
    "reporter": {"name": "Siti Rahmawati", "phone": "081234567890"},
}


def _complaint(client: TestClient) -> str:
    response = client.post("/api/v1/complaints", json=COMPLAINT)
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def _act(client: TestClient, number: str, step: str, body: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/officer/complaints/{number}/{step}", json=body, headers=sign_in(client, HANDLER)
    )
    assert response.status_code == 200, response.text


def _update_texts(db: Database, number: str) -> dict[str, str]:
    with db.unit_of_work(readonly=True) as uow:
        complaint = uow.session.execute(
            select(Complaint).where(Complaint.tracking_number == number)
        ).scalar_one()
        return {u.kind: u.text or "" for u in complaint.updates}


def test_complaint_events_carry_only_digests_of_what_officers_wrote(
    client: TestClient, db: Database
) -> None:
    archived = _complaint(client)
    reason = "Pelapor Pak Darmawan sudah dihubungi: laporan ini uji coba."
    _act(client, archived, "archive", {"reason_code": "spam", "reason": reason})
    event = next(e for e in _events(db, "complaint", archived) if e.activity == "archive")
    assert event.payload["reason_sha256"] == _sha256(_update_texts(db, archived)["archived"])
    assert event.payload["reason"] == "spam"  # the code from the fixed list stays

    out = _complaint(client)
    why, body = "Dugaan pungli oleh oknum: ranah Ombudsman.", "Ombudsman RI Perwakilan Jawa Barat"
    _act(client, out, "forward", {"reason": why, "to_external": body})
    event = next(e for e in _events(db, "complaint", out) if e.activity == "forward outside")
    assert event.payload["to_sha256"] == _sha256(body)
    assert event.payload["reason_sha256"] == _sha256(_update_texts(db, out)["forwarded"])
    assert "to" not in event.payload

    logged = json.dumps([e.payload for n in (archived, out) for e in _events(db, "complaint", n)])
    assert reason not in logged and why not in logged and body not in logged
    assert verify_audit_chain(db)[1] == []
