"""Messages to citizens from the event log, through a real SMTP server and a local HTTP
gateway on loopback: what is sent, on which channel, with which status; retries, test
mode, webhooks, the stop link, and the outbox shared by workers."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from layan import migrations
from layan.accounts import officers
from layan.applications.models import Application
from layan.core.db import Database
from layan.core.events import GENESIS, SYSTEM, Event, Ledger, record_event
from layan.notify import dispatch, rules
from layan.notify.models import Message, NotifyCursor
from layan.notify.outbox import derive_messages
from layan.notify.service import run_outbox
from layan.settings import Settings
from layan.worker import notifier_for
from tests.conftest import SECRET, Clock
from tests.factories import officer_for, sign_in, standard, submit, work_through
from tests.gateway import Receiver, receiver
from tests.mailserver import Mailbox, free_port
from tests.pages import by_id, check_page, csrf, get_page, text_of

NIK = "3204014708900003"
EMAIL = "siti@contoh.id"
PHONE = "081234567890"
NAME = "Siti Rahayu"


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    with receiver() as kept:
        yield kept


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, mailbox: tuple[str, Mailbox], gateway: Receiver
) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path,
        secret_key=SECRET,
        smtp_url=mailbox[0],
        sms_gateway_url=gateway.url + "/sms",
        sms_gateway_token="gw-token",
    )


def _send(db: Database, settings: Settings) -> Any:
    return run_outbox(db, notifier_for(settings))


def _apply(client: TestClient, code: str = "ktp-el-baru", **applicant: Any) -> tuple[str, str]:
    receipt = submit(
        client,
        code,
        applicant={"nik": NIK, "name": NAME, "email": EMAIL, "phone": PHONE, **applicant},
    )
    assert receipt.status_code == 201, receipt.text
    return receipt.json()["tracking_number"], receipt.json()["pin"]


def _messages(db: Database, number: str) -> list[Message]:
    with db.unit_of_work(readonly=True) as uow:
        stmt = select(Message).where(Message.case_number == number).order_by(Message.id)
        return list(uow.session.execute(stmt).scalars())


def _log(uow: Any, number: str, activity: str) -> None:
    """An event of an application, as the system's, in the caller's transaction."""
    record_event(
        uow.session,
        ledger="DISDUKCAPIL",
        case_type="application",
        case_id=number,
        activity=activity,
        lifecycle="complete",
        actor=SYSTEM,
        at=uow.now(),
    )


def _bodies(box: Mailbox) -> list[str]:
    found = []
    for message in box.messages:
        payload = message.get_payload(decode=True)
        found.append(payload.decode() if isinstance(payload, bytes) else str(payload))
    return found


def test_each_step_reaches_the_applicant_on_the_channels_they_chose(
    client: TestClient,
    db: Database,
    settings: Settings,
    mailbox: tuple[str, Mailbox],
    gateway: Receiver,
) -> None:
    box = mailbox[1]
    number, pin = _apply(client, channels=["sms", "email"])
    work_through(client, number, "ktp-el-baru")
    sent = _send(db, settings)
    kinds = [rules.SUBMITTED, rules.DECIDED, rules.SURVEY, rules.OUTPUT_ISSUED]
    assert sent.made == sent.claimed == 2 * len(kinds)
    assert sorted(m["Subject"] for m in box.messages) == sorted(
        [
            f"Permohonan {number[:4]}-{number[4:8]}-{number[8:]} diterima",
            f"Permohonan {number[:4]}-{number[4:8]}-{number[8:]}: disetujui",
            "Bagaimana layanan Penerbitan KTP-el Baru?",
            f"Dokumen permohonan {number[:4]}-{number[4:8]}-{number[8:]} terbit",
        ]
    )
    assert {m["X-Envelope-To"] for m in box.messages} == {EMAIL}
    sms = [r.json() for r in gateway.received]
    assert [r.path for r in gateway.received] == ["/sms"] * len(kinds)
    assert {s["to"] for s in sms} == {PHONE}
    assert {r.headers["authorization"] for r in gateway.received} == {"Bearer gw-token"}
    assert gateway.keys("Idempotency-Key") == [s["reference"] for s in sms]
    # Nothing beyond what the citizen needs: never the PIN, the NIK or the name.
    everything = " ".join(_bodies(box) + [s["body"] for s in sms])
    assert pin not in everything and NIK not in everything and NAME not in everything
    listed = client.get(f"/api/v1/applications/{number}/messages", headers={"X-Tracking-Pin": pin})
    assert listed.status_code == 200
    rows = listed.json()
    assert sorted((r["event"], r["channel"]) for r in rows) == sorted(
        (k, c) for k in kinds for c in ("email", "sms")
    )
    assert {r["status"] for r in rows} == {"delivered"} and all(r["sent_at"] for r in rows)
    wrong = client.get(f"/api/v1/applications/{number}/messages", headers={"X-Tracking-Pin": "0"})
    assert wrong.status_code == 404


def test_a_return_tells_the_reason_and_no_choice_means_email(
    client: TestClient, db: Database, settings: Settings, mailbox: tuple[str, Mailbox]
) -> None:
    number, _pin = _apply(client)
    (step,) = [
        s for s in client.get(f"/api/v1/applications/{number}").json()["steps"] if s["task_id"]
    ][:1]
    role = {s.code: s.role for s in standard("ktp-el-baru").procedure}[step["step"]]
    officer = sign_in(client, officer_for(step["unit"], role))
    answer = client.post(
        f"/api/v1/tasks/{step['task_id']}/decision",
        headers=officer,
        json={"outcome": "return", "reason": "Foto KK buram; mohon unggah ulang"},
    )
    assert answer.status_code == 200, answer.text
    _send(db, settings)
    returned = [m for m in _messages(db, number) if m.kind == rules.RETURNED]
    assert [m.channel for m in returned] == ["email"]
    assert "Foto KK buram; mohon unggah ulang" in _bodies(mailbox[1])[-1]


def test_nothing_is_made_for_a_rolled_back_change_and_nothing_twice(
    client: TestClient, db: Database, settings: Settings
) -> None:
    number, _pin = _apply(client)
    outbound = notifier_for(settings).outbound
    assert derive_messages(db, outbound)[1] == 1
    with db.unit_of_work() as uow:
        _log(uow, number, "approve")
        uow.session.rollback()
    assert derive_messages(db, outbound) == (0, 0)
    with db.unit_of_work() as uow:  # read the whole log again: the keys make nothing new
        uow.session.execute(update(NotifyCursor).values(last_id=0, gaps={}))
        uow.commit()
    derive_messages(db, outbound)
    assert len(_messages(db, number)) == 1


def test_temporary_failures_are_retried_with_backoff_then_given_up(
    client: TestClient, db: Database, settings: Settings, clock: Clock, gateway: Receiver
) -> None:
    number, _pin = _apply(client, channels=["sms"])
    gateway.answers = [503, 503]
    _send(db, settings)
    (message,) = _messages(db, number)
    assert (message.status, message.attempts, message.last_error) == (
        "temporary_failure",
        1,
        "HTTP 503",
    )
    assert message.next_attempt_at == clock.now + (clock.now - clock.now).__class__(seconds=30)
    assert _send(db, settings).claimed == 0  # not before its time
    clock.advance(seconds=30)
    _send(db, settings)
    assert _messages(db, number)[0].status == "temporary_failure"
    clock.advance(seconds=120)
    _send(db, settings)
    (message,) = _messages(db, number)
    assert (message.status, message.attempts) == ("delivered", 3)
    assert len(set(gateway.keys("Idempotency-Key"))) == 1  # one key on every try

    other, _pin = _apply(client, channels=["sms"], nik="3204014708900011")
    gateway.answers = [400]
    _send(db, settings)
    assert [m.status for m in _messages(db, other)] == ["permanent_failure"]
    assert rules.retry_after(len(rules.BACKOFF) + 1) is None


def test_an_unreachable_mail_server_is_a_temporary_failure(
    client: TestClient, db: Database, settings: Settings
) -> None:
    number, _pin = _apply(client)
    down = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"})
    _send(db, down)
    (message,) = _messages(db, number)
    assert message.status == "temporary_failure" and message.last_error


def test_a_message_whose_worker_died_is_sent_once_its_lease_ends_with_the_same_key(
    client: TestClient,
    db: Database,
    settings: Settings,
    clock: Clock,
    mailbox: tuple[str, Mailbox],
) -> None:
    number, _pin = _apply(client)
    derive_messages(db, notifier_for(settings).outbound)
    (held,) = dispatch.claim(db, 10)  # the worker dies here, before sending
    assert _send(db, settings).claimed == 0 and mailbox[1].messages == []
    clock.advance(seconds=rules.LEASE_SECONDS + 1)
    assert _send(db, settings).claimed == 1
    (email,) = mailbox[1].messages
    assert email["Message-ID"] == f"<{held.key}@layan>"
    (message,) = _messages(db, number)
    assert (message.status, message.attempts) == ("delivered", 2)


def test_test_mode_records_everything_and_sends_nothing(
    client: TestClient,
    db: Database,
    settings: Settings,
    mailbox: tuple[str, Mailbox],
    gateway: Receiver,
) -> None:
    number, pin = _apply(client, channels=["email", "sms"])
    _send(db, settings.model_copy(update={"notify_test": True}))
    assert mailbox[1].messages == [] and gateway.received == []
    rows = client.get(f"/api/v1/applications/{number}/messages", headers={"X-Tracking-Pin": pin})
    assert [(r["status"], r["test"]) for r in rows.json()] == [("delivered", True)] * 2


def test_webhooks_are_signed_retried_and_logged(
    client: TestClient, db: Database, settings: Settings, gateway: Receiver, clock: Clock
) -> None:
    admin = sign_in(client, "disdukcapil-admin")
    bad = client.post(
        "/api/v1/webhooks", headers=admin, json={"url": "ftp://x", "event_types": ["nope"]}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["error"]["fields"]} == {"url", "event_types"}
    made = client.post(
        "/api/v1/webhooks",
        headers=admin,
        json={"url": gateway.url + "/hook", "event_types": ["submitted"]},
    )
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    number, _pin = _apply(client, channels=[])
    _apply(client, code="sip-nakes", channels=[], nik="3204014708900011")  # another agency
    gateway.answers = [500]
    _send(db, settings)
    clock.advance(seconds=31)
    _send(db, settings)
    hooks = [r for r in gateway.received if r.path == "/hook"]
    assert len(hooks) == 2  # one delivery, tried twice
    delivered = hooks[-1]
    now = int(time.time())  # the receiver's own clock: signatures carry real time
    assert rules.verify_webhook(secret, delivered.headers["x-layan-signature"], delivered.body, now)
    assert not rules.verify_webhook(
        secret, delivered.headers["x-layan-signature"], delivered.body + b" ", 0
    )
    stale = now + rules.WEBHOOK_TOLERANCE_SECONDS + 1
    assert not rules.verify_webhook(
        secret, delivered.headers["x-layan-signature"], delivered.body, stale
    )
    body = delivered.json()
    assert (body["type"], body["number"], body["agency"]) == ("submitted", number, "DISDUKCAPIL")
    assert NIK not in delivered.body.decode()
    log = client.get("/api/v1/webhooks/deliveries", headers=admin)
    assert [(d["status"], d["attempts"], d["number"]) for d in log.json()] == [
        ("delivered", 2, number)
    ]
    other_admin = sign_in(client, "dinkes-admin")
    other = client.get("/api/v1/webhooks/deliveries", headers=other_admin)
    assert other.status_code == 200 and other.json() == []
    hook_id = made.json()["id"]
    listed = client.get("/api/v1/webhooks", headers=admin).json()
    assert listed == [
        {**{k: made.json()[k] for k in ("id", "agency", "url", "event_types")}, "active": True}
    ]
    assert (
        client.patch(
            f"/api/v1/webhooks/{hook_id}", headers=other_admin, json={"active": False}
        ).status_code
        == 403
    )
    off = client.patch(f"/api/v1/webhooks/{hook_id}", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    _apply(client, channels=[], nik="3204014708900029")
    _send(db, settings)
    assert len([r for r in gateway.received if r.path == "/hook"]) == 2  # nothing new


def test_the_stop_link_of_an_email_stops_every_later_message(
    client: TestClient, db: Database, settings: Settings, mailbox: tuple[str, Mailbox]
) -> None:
    number, _pin = _apply(client)
    _send(db, settings)
    link = re.search(
        r"(/pesan/berhenti\?nomor=\S+&t=\w+)", _bodies(mailbox[1])[0].replace("=\n", "")
    )
    assert link is not None
    page = get_page(client, link.group(1))
    forged = client.post(
        "/pesan/berhenti", data={"csrf_token": csrf(page), "nomor": number, "t": "0" * 24}
    )
    assert forged.status_code == 404
    done = client.post(
        "/pesan/berhenti",
        data={"csrf_token": csrf(page), "nomor": number, "t": link.group(1).split("t=")[1]},
    )
    assert done.status_code == 200 and 'id="stopped"' in done.text
    work_through(client, number, "ktp-el-baru")
    _send(db, settings)
    assert [m.kind for m in _messages(db, number)] == [rules.SUBMITTED]
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        assert app.channels == [] and app.messages_stopped_at is not None


def test_an_unknown_channel_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient, db: Database
) -> None:
    with db.unit_of_work(readonly=True) as uow:
        before = uow.session.execute(select(func.count(Application.id))).scalar_one()
    answer = submit(client, "ktp-el-baru", applicant={"channels": ["pigeon"]})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["error"]["fields"]] == ["applicant.channels"]
    english = submit(
        client,
        "ktp-el-baru",
        applicant={"channels": ["pigeon"]},
        headers={"Accept-Language": "en"},
    )
    assert "Unknown message channel: pigeon" in json.dumps(english.json())
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.execute(select(func.count(Application.id))).scalar_one() == before


def test_a_purge_erases_the_addresses_and_words_of_a_cases_messages(
    client: TestClient, db: Database, settings: Settings
) -> None:
    number, _pin = _apply(client)
    _send(db, settings)
    with db.unit_of_work() as uow:
        _log(uow, number, "personal data purged")
        uow.commit()
    _send(db, settings)
    (message,) = _messages(db, number)
    assert (message.recipient, message.body, message.status) == ("(dihapus)", "", "delivered")


def test_a_claimed_message_is_no_other_workers(
    client: TestClient, db: Database, settings: Settings
) -> None:
    for seed in range(2):
        _apply(client, nik=f"32040147089000{seed + 1:02d}")
    derive_messages(db, notifier_for(settings).outbound)
    first, second = dispatch.claim(db, 1), dispatch.claim(db, 100)
    assert len(first) == len(second) == 1 and first[0].id != second[0].id


def test_an_upgraded_database_announces_nothing_that_happened_before_the_upgrade(
    tmp_path: Path, clock: Clock
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}", clock=clock)
    try:
        migrations.upgrade(db.engine, "0009")  # a database of the release before
        with db.unit_of_work() as uow:
            uow.session.add(Ledger(agency="DISDUKCAPIL", last_seq=0, last_hash=GENESIS))
            uow.session.flush()
            for activity in ("submit", "approve"):
                _log(uow, "K7QM8XPT3RAB", activity)
            uow.commit()
        migrations.upgrade(db.engine)
        with db.unit_of_work(readonly=True) as uow:
            last = uow.session.execute(select(func.max(Event.id))).scalar_one()
            cursor = uow.session.execute(select(NotifyCursor.last_id)).scalar_one()
        assert last == 2 and cursor == last
    finally:
        db.dispose()


def test_officers_get_one_digest_a_day_of_their_overdue_tasks(
    client: TestClient,
    db: Database,
    settings: Settings,
    clock: Clock,
    mailbox: tuple[str, Mailbox],
) -> None:
    number, _pin = _apply(client, channels=[])
    step = next(s for s in client.get(f"/api/v1/applications/{number}").json()["steps"])
    role = {s.code: s.role for s in standard("ktp-el-baru").procedure}[step["step"]]
    username = officer_for(step["unit"], role)
    officers.set_email(db, username, "petugas@disdukcapil.contoh.go.id")
    assert _send(db, settings).made == 0  # 08:00 in Jakarta, nothing overdue yet
    clock.advance(days=30)
    clock.now = clock.now.replace(hour=0)  # 07:00 in Jakarta
    _send(db, settings)
    digests = [
        m for m in mailbox[1].messages if m["X-Envelope-To"] == "petugas@disdukcapil.contoh.go.id"
    ]
    assert len(digests) == 1 and digests[0]["Subject"] == "1 tugas melewati batas waktu"
    assert number[:4] in _bodies(mailbox[1])[-1]
    assert _send(db, settings).made == 0  # once a day
    clock.advance(days=1)
    assert _send(db, settings).made == 1
    officers.set_email(db, username, None)
    clock.advance(days=1)
    assert _send(db, settings).made == 0


def test_a_reporter_is_told_by_email_and_sees_the_messages_with_the_pin(
    client: TestClient, db: Database, settings: Settings, mailbox: tuple[str, Mailbox]
) -> None:
    answer = client.post(
        "/api/v1/complaints",
        json={
            "category": "jalan-rusak",
            "title": "Trotoar ambles",
            "description": "Trotoar ambles sepanjang lima meter di depan kantor pos.",
            "location": {"lat": -6.91, "lon": 107.61},
            "reporter": {"name": NAME, "phone": PHONE, "email": EMAIL},
        },
    )
    assert answer.status_code == 201, answer.text
    number, pin = answer.json()["tracking_number"], answer.json()["pin"]
    _send(db, settings)
    assert [m["Subject"] for m in mailbox[1].messages] == [
        f"Pengaduan {number[:4]}-{number[4:8]}-{number[8:]} diterima"
    ]
    form = get_page(client, "/pengaduan/lacak")
    mine = client.post(f"/pengaduan/{number}", data={"csrf_token": csrf(form), "pin": pin})
    assert mine.status_code == 200
    table = text_of(by_id(check_page(mine.text), "messages-table"))
    assert "Pengaduan diterima" in table and "Terkirim" in table
