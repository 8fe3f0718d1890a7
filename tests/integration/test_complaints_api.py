"""Complaints through the API, on SQLite and PostgreSQL: the whole SP4N-LAPOR! lifecycle."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.accounts.models import Officer
from layan.complaints import rules, service
from layan.complaints.models import Complaint
from layan.core.db import Database
from layan.core.events import Event, verify_chain
from layan.settings import Settings
from tests.conftest import Clock
from tests.factories import sign_in, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HANDLER = "pupr-pengaduan"
UNIT_OFFICER = "pupr-tpt"
SUPERVISOR = "pupr-kepala"
REPORTER = {"name": "Siti Rahmawati", "phone": "081234567890", "email": "siti@contoh.id"}
ROAD = {
    "kind": "pengaduan",
    "category": "jalan-rusak",
    "title": "Jalan berlubang di depan SDN 1",
    "description": "Lubang besar di tengah jalan, sudah dua motor jatuh minggu ini.",
    "location": {"lat": -6.9, "lon": 107.6},
    "reporter": REPORTER,
}
# Friday 5 June 2026, 16:00 WIB: three working days after Tuesday 2 June.
VERIFY_DUE = "2026-06-05T09:00:00Z"


def _submit(
    client: TestClient,
    files: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    body = {**ROAD, **fields}
    if files:
        return client.post(
            "/api/v1/complaints",
            data={"complaint": json.dumps(body)},
            files=files,
            headers=headers or {},
        )
    return client.post("/api/v1/complaints", json=body, headers=headers or {})


def _filed(client: TestClient, **fields: Any) -> tuple[str, str]:
    response = _submit(client, **fields)
    assert response.status_code == 201, response.text
    return response.json()["tracking_number"], response.json()["pin"]


def _act(client: TestClient, username: str, number: str, step: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/officer/complaints/{number}/{step}", json=body, headers=sign_in(client, username)
    )


def _ok(response: Any, status: str) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status


def _in_progress(client: TestClient, **fields: Any) -> tuple[str, str]:
    number, pin = _filed(client, **fields)
    _ok(
        _act(client, HANDLER, number, "verification", {"tier": "normative", "unit": "PUPR.TPT"}),
        "in_progress",
    )
    return number, pin


def _resolved(client: TestClient, clock: Clock, **fields: Any) -> tuple[str, str]:
    number, pin = _in_progress(client, **fields)
    clock.advance(hours=4)
    proof = {"proof": "Lubang sudah ditambal dengan aspal hotmix pada pagi ini."}
    _ok(_act(client, UNIT_OFFICER, number, "resolution", proof), "resolved")
    return number, pin


def _respond(client: TestClient, number: str, pin: str, rating: int) -> Any:
    return client.post(
        f"/api/v1/complaints/{number}/response",
        json={"rating": rating},
        headers={"X-Tracking-Pin": pin},
    )


def _officer(client: TestClient, username: str, number: str) -> Any:
    return client.get(f"/api/v1/officer/complaints/{number}", headers=sign_in(client, username))


def _complaint(db: Database, number: str) -> Complaint:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(Complaint).where(Complaint.tracking_number == number)
        ).scalar_one()


def _events(db: Database, number: str) -> list[Event]:
    with db.unit_of_work(readonly=True) as uow:
        return list(
            uow.session.execute(
                select(Event)
                .where(Event.case_type == "complaint", Event.case_id == number)
                .order_by(Event.id)
            ).scalars()
        )


def _officer_id(db: Database, username: str) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(Officer.id).where(Officer.username == username)
        ).scalar_one()


def _counts(db: Database) -> tuple[int, int]:
    with db.unit_of_work(readonly=True) as uow:
        complaints = uow.session.execute(select(func.count(Complaint.id))).scalar_one()
        events = uow.session.execute(
            select(func.count(Event.id)).where(Event.case_type == "complaint")
        ).scalar_one()
    return complaints, events


# --- the whole lifecycle ----------------------------------------------------------------


def test_a_complaint_goes_from_submission_to_closed_on_time(
    client: TestClient, db: Database, clock: Clock
) -> None:
    submitted = _submit(client, files={"photo": ("lubang.png", PNG, "image/png")})
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    assert receipt["status"] == "submitted" and receipt["verify_due_at"] == VERIFY_DUE
    assert submitted.headers["location"] == f"/api/v1/complaints/{number}"

    clock.advance(hours=2)
    _ok(_act(client, HANDLER, number, "verification", {"tier": "normative"}), "verified")
    _ok(_act(client, HANDLER, number, "disposition", {"unit": "PUPR.TPT"}), "in_progress")
    clock.advance(days=1)
    follow_up = {"text": "Tim TPT sudah meninjau lokasi; penambalan dijadwalkan besok pagi."}
    _ok(_act(client, UNIT_OFFICER, number, "follow-up", follow_up), "followed_up")
    clock.advance(days=1)
    resolution = client.post(
        f"/api/v1/officer/complaints/{number}/resolution",
        data={"resolution": json.dumps({"proof": "Lubang sudah ditambal dengan aspal hotmix."})},
        files={"after": ("sesudah.png", PNG + b"1", "image/png")},
        headers=sign_in(client, UNIT_OFFICER),
    )
    _ok(resolution, "resolved")
    assert resolution.json()["state"] == "closed"
    _ok(_respond(client, number, pin, 5), "closed")

    public = client.get(f"/api/v1/complaints/{number}").json()
    assert public["status"] == "closed" and public["fixmystreet_status"] == "CLOSED"
    answers = [(u["kind"], u["text"]) for u in public["updates"] if u["author"] == "agency"]
    assert ("follow_up", follow_up["text"]) in answers
    assert ("resolution", "Lubang sudah ditambal dengan aspal hotmix.") in answers
    assert public["reporter"] == {"name": "Siti R."}
    assert "attachments" not in public and "081234567890" not in json.dumps(public)
    # Verified on 2 June (normative: 5 working days), followed up and resolved in time.
    assert public["deadlines"]["resolution"] == "2026-06-09T09:00:00Z"
    mine = client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin}).json()
    assert [a["filename"] for a in mine["attachments"]] == ["lubang.png", "sesudah.png"]

    events = _events(db, number)
    assert [e.activity for e in events] == [
        "submit",
        "verify",
        "dispose",
        "follow up",
        "resolve",
        "accept",
    ]
    assert {e.ledger for e in events} == {"PUPR"}
    assert events[0].resource == "citizen" and events[1].resource.startswith("officer:")
    assert events[3].payload["late"] is False and events[4].payload["late"] is False
    logged = json.dumps([e.payload for e in events])
    assert not any(value in logged for value in REPORTER.values())
    with db.unit_of_work(readonly=True) as uow:
        assert verify_chain(uow.session)[1] == []


def test_a_complaint_is_routed_to_its_categorys_unit_and_its_handlers_queue(
    client: TestClient,
) -> None:
    number, _ = _filed(client, category="kependudukan", location=None)
    queue = client.get(
        "/api/v1/officer/complaints", headers=sign_in(client, "disdukcapil-pengaduan")
    ).json()
    row = next(r for r in queue if r["tracking_number"] == number)
    assert row["unit"] == "DISDUKCAPIL.LOKET" and row["stage"] == "verification"
    assert row["due_at"] == VERIFY_DUE and "verify" in row["actions"]
    other = client.get("/api/v1/officer/complaints", headers=sign_in(client, HANDLER)).json()
    assert number not in [r["tracking_number"] for r in other]


def test_forwarding_records_who_decided_and_where_it_went(
    client: TestClient, db: Database, clock: Clock
) -> None:
    number, _ = _filed(client, category="kependudukan", location=None)
    clock.advance(days=1)
    reason = "Ini keluhan pelayanan puskesmas, kewenangan Dinas Kesehatan."
    forwarded = _act(
        client,
        "disdukcapil-pengaduan",
        number,
        "forward",
        {"reason": reason, "to_unit": "DINKES.LOKET"},
    )
    _ok(forwarded, "submitted")
    public = client.get(f"/api/v1/complaints/{number}").json()
    assert public["agency"] == "DINKES" and public["forwarded_from"] == "DISDUKCAPIL"
    step = next(u for u in public["updates"] if u["kind"] == "forwarded")
    assert (step["agency"], step["role"], step["target"], step["text"]) == (
        "DISDUKCAPIL",
        "complaint_handler",
        "DINKES.LOKET",
        reason,
    )
    # The receiving agency verifies anew within three working days of receiving it.
    assert public["deadlines"]["verification"] == "2026-06-08T09:00:00Z"
    seen = _officer(client, "dinkes-pengaduan", number).json()
    assert next(u for u in seen["updates"] if u["kind"] == "forwarded")["officer"] == (
        "Pengelola Pengaduan DISDUKCAPIL"
    )
    assert _officer(client, "disdukcapil-pengaduan", number).status_code == 404
    event = next(e for e in _events(db, number) if e.activity == "forward")
    assert event.ledger == "DISDUKCAPIL"
    assert event.resource == f"officer:{_officer_id(db, 'disdukcapil-pengaduan')}"
    assert event.payload["to_agency"] == "DINKES" and event.payload["to_unit"] == "DINKES.LOKET"

    out = _act(
        client,
        "dinkes-pengaduan",
        number,
        "forward",
        {"reason": "Dugaan pungli: ranah Ombudsman.", "to_external": "Ombudsman RI Jawa Barat"},
    )
    _ok(out, "forwarded")
    assert out.json()["state"] == "closed"
    last = client.get(f"/api/v1/complaints/{number}").json()["updates"][-1]
    assert (last["target"], last["agency"]) == ("Ombudsman RI Jawa Barat", "DINKES")


def test_forwarding_to_a_unit_of_the_same_agency_is_refused(client: TestClient) -> None:
    number, _ = _filed(client)
    response = _act(
        client, HANDLER, number, "forward", {"reason": "Salah unit", "to_unit": "PUPR.TATA-RUANG"}
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["to_unit"]


def test_archiving_needs_a_reason(client: TestClient, db: Database) -> None:
    number, _ = _filed(client)
    no_reason = _act(client, HANDLER, number, "archive", {"reason_code": "spam", "reason": " "})
    assert no_reason.status_code == 422
    assert [f["field"] for f in no_reason.json()["error"]["fields"]] == ["reason"]
    unknown = _act(client, HANDLER, number, "archive", {"reason_code": "bored", "reason": "x" * 20})
    assert [f["field"] for f in unknown.json()["error"]["fields"]] == ["reason_code"]
    assert _complaint(db, number).status == "submitted"
    archived = _act(
        client,
        HANDLER,
        number,
        "archive",
        {"reason_code": "out_of_scope", "reason": "Laporan pidana: silakan ke kepolisian."},
    )
    _ok(archived, "archived")
    assert _complaint(db, number).archive_reason == "out_of_scope"
    again = _act(client, HANDLER, number, "verification", {})
    assert again.status_code == 409


def test_a_duplicate_points_at_the_complaint_it_repeats(client: TestClient) -> None:
    first, _ = _filed(client)
    second, _ = _filed(client)
    missing = _act(
        client,
        HANDLER,
        second,
        "archive",
        {"reason_code": "duplicate", "reason": "Sudah dilaporkan."},
    )
    assert [f["field"] for f in missing.json()["error"]["fields"]] == ["duplicate_of"]
    body = {"reason_code": "duplicate", "reason": "Sudah dilaporkan.", "duplicate_of": first}
    _ok(_act(client, HANDLER, second, "archive", body), "duplicate")
    assert client.get(f"/api/v1/complaints/{second}").json()["duplicate_of"] == first


# --- appeals and deadlines --------------------------------------------------------------


def test_a_poor_rating_opens_an_appeal_with_its_own_deadline(
    client: TestClient, db: Database, clock: Clock
) -> None:
    number, pin = _resolved(client, clock)
    clock.advance(days=1)  # Wednesday 3 June, 13:00 WIB
    _ok(_respond(client, number, pin, 1), "appealed")
    complaint = _complaint(db, number)
    # 14 working days from Wednesday 3 June skip the Islamic New Year on 16 June.
    assert complaint.appeal_due_at == datetime(2026, 6, 24, 9, tzinfo=UTC)
    assert complaint.appeal_kind == "rating"
    assert complaint.escalated_to == _officer_id(db, SUPERVISOR)
    queue = client.get("/api/v1/officer/complaints", headers=sign_in(client, SUPERVISOR)).json()
    row = next(r for r in queue if r["tracking_number"] == number)
    assert row["escalated_to_me"] and row["stage"] == "appeal"

    decision = {"outcome": "reopen", "reason": "Tambalan tidak rata; perbaiki ulang."}
    assert _act(client, UNIT_OFFICER, number, "appeal-decision", decision).status_code == 403
    _ok(_act(client, SUPERVISOR, number, "appeal-decision", decision), "in_progress")
    assert _complaint(db, number).resolution_due_at == datetime(2026, 6, 10, 9, tzinfo=UTC)
    proof = {"proof": "Jalan diaspal ulang sepanjang 20 meter; foto terlampir di lokasi."}
    _ok(_act(client, UNIT_OFFICER, number, "resolution", proof), "resolved")
    # One appeal only: a second poor rating closes it, and the Ombudsman is next.
    _ok(_respond(client, number, pin, 2), "closed")
    activities = [e.activity for e in _events(db, number)]
    assert activities[-5:] == ["resolve", "appeal", "reopen", "resolve", "accept"]


def test_a_supervisor_may_uphold_a_resolution_the_reporter_rated_poorly(
    client: TestClient, clock: Clock
) -> None:
    number, pin = _resolved(client, clock)
    _ok(_respond(client, number, pin, 2), "appealed")
    decision = {"outcome": "uphold", "reason": "Hasil perbaikan sesuai standar teknis."}
    _ok(_act(client, SUPERVISOR, number, "appeal-decision", decision), "closed")
    assert _respond(client, number, pin, 1).status_code == 409


def test_a_missed_verification_deadline_is_swept_and_escalated(
    db: Database, client: TestClient, clock: Clock
) -> None:
    number, _ = _filed(client, category="kependudukan", location=None)
    clock.advance(days=3, hours=8)  # Friday 5 June, 16:00 WIB has passed
    assert service.sweep_complaint_deadlines(db) == 0
    clock.advance(hours=1)
    assert service.sweep_complaint_deadlines(db) == 1
    assert service.sweep_complaint_deadlines(db) == 0  # marked once
    complaint = _complaint(db, number)
    assert complaint.status == "submitted" and complaint.verify_breached_at == clock.now
    assert complaint.escalated_to == _officer_id(db, "disdukcapil-kepala")
    late = [e for e in _events(db, number) if e.activity in ("verification breached", "escalate")]
    assert [(e.activity, e.ledger, e.resource) for e in late] == [
        ("verification breached", "DISDUKCAPIL", "system"),
        ("escalate", "DISDUKCAPIL", "system"),
    ]
    queue = client.get(
        "/api/v1/officer/complaints", headers=sign_in(client, "disdukcapil-kepala")
    ).json()
    assert [r["overdue"] for r in queue if r["tracking_number"] == number] == [True]


def test_a_missed_follow_up_opens_an_appeal_that_can_only_be_reopened(
    db: Database, client: TestClient, clock: Clock
) -> None:
    number, _ = _in_progress(client)
    clock.advance(days=7, hours=9)  # past Tuesday 9 June 16:00 WIB with no follow-up
    assert service.sweep_complaint_deadlines(db) == 2  # the follow-up and the resolution
    complaint = _complaint(db, number)
    assert complaint.status == "appealed" and complaint.appeal_kind == "deadline"
    assert complaint.follow_up_breached_at and complaint.resolution_breached_at
    uphold = {"outcome": "uphold", "reason": "Tidak ada yang perlu dikuatkan di sini."}
    response = _act(client, SUPERVISOR, number, "appeal-decision", uphold)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["code"] == "outcome.nothing_to_uphold"
    reopen = {"outcome": "reopen", "reason": "Segera tindak lanjuti, sudah terlambat."}
    _ok(_act(client, SUPERVISOR, number, "appeal-decision", reopen), "in_progress")


def test_a_question_stops_the_verification_clock_until_the_reporter_answers(
    db: Database, client: TestClient, clock: Clock
) -> None:
    number, pin = _filed(client)
    clock.advance(days=1)  # Wednesday 08:00 WIB: the verification is due on Friday
    question = {"question": "Mohon sebutkan patokan terdekat dari lubang tersebut."}
    _ok(_act(client, HANDLER, number, "information-request", question), "needs_info")
    clock.advance(days=7)  # the next Wednesday: the stopped clock is not late
    assert service.sweep_complaint_deadlines(db) == 0
    answer = client.post(
        f"/api/v1/complaints/{number}/information",
        json={"text": "Tepat di depan gerbang SDN 1, dekat warung bakso."},
        headers={"X-Tracking-Pin": pin},
    )
    _ok(answer, "submitted")
    # The working time left when asked (Wednesday from 08:00, Thursday, Friday) runs again
    # from Wednesday 10 June 08:00 WIB: Friday 12 June 16:00 WIB, not the old 5 June.
    assert _complaint(db, number).verify_due_at == datetime(2026, 6, 12, 9, tzinfo=UTC)
    officer_view = _officer(client, HANDLER, number).json()
    assert any(u["kind"] == "information" for u in officer_view["updates"])
    public = client.get(f"/api/v1/complaints/{number}").json()
    assert not any(u["kind"] == "information" for u in public["updates"])


def test_silence_archives_an_unanswered_question_and_closes_an_unanswered_resolution(
    db: Database, client: TestClient, clock: Clock
) -> None:
    asked, _ = _filed(client)
    question = {"question": "Mohon lampirkan foto lokasi yang lebih jelas."}
    _act(client, HANDLER, asked, "information-request", question)
    resolved, _ = _resolved(client, clock)
    clock.advance(days=20)
    assert service.sweep_complaint_deadlines(db) == 2
    assert (_complaint(db, asked).status, _complaint(db, asked).archive_reason) == (
        "archived",
        "no_reply",
    )
    assert _complaint(db, resolved).status == "closed"


# --- privacy ----------------------------------------------------------------------------


def test_an_anonymous_reporter_is_hidden_from_the_agency(client: TestClient, db: Database) -> None:
    application = submit(client, "pbg").json()["tracking_number"]
    number, pin = _filed(
        client,
        privacy="anonymous",
        reporter={**REPORTER, "nik": "3204050806987767"},
        application_number=application,
    )
    for username in (HANDLER, "auditor"):
        seen = _officer(client, username, number)
        assert seen.status_code == 200
        assert seen.json()["reporter"] is None and seen.json()["application_number"] is None
        text = seen.text
        assert "Siti" not in text and "081234567890" not in text and "3204" not in text
        assert application not in text
    public = client.get(f"/api/v1/complaints/{number}").json()
    assert public["reporter"] is None
    listed = client.get("/api/v1/complaints").json()["items"]
    assert [i["reporter"] for i in listed if i["tracking_number"] == number] == [None]
    mine = client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin}).json()
    assert mine["reporter"]["name"] == "Siti Rahmawati"
    assert mine["application_number"] == application


def test_a_confidential_complaint_is_never_public(client: TestClient) -> None:
    number, pin = _filed(client, privacy="confidential")
    shown, _ = _filed(client)
    listed = [i["tracking_number"] for i in client.get("/api/v1/complaints").json()["items"]]
    assert shown in listed and number not in listed
    assert client.get(f"/api/v1/complaints/{number}").status_code == 404
    assert (
        client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin}).status_code
        == 200
    )
    officer = _officer(client, HANDLER, number).json()
    assert officer["reporter"]["name"] == "Siti Rahmawati"
    # The agency's own officers are offered it as a possible duplicate of the public one.
    nearby = _officer(client, HANDLER, shown).json()["similar"]
    assert [s["tracking_number"] for s in nearby] == [number]
    similar = client.get(
        "/api/v1/complaints/similar", params={"category": "jalan-rusak", "lat": -6.9, "lon": 107.6}
    ).json()
    assert [s["tracking_number"] for s in similar] == [shown]


def test_a_verifier_can_make_a_report_more_private_but_never_less(client: TestClient) -> None:
    number, _ = _filed(client, privacy="anonymous")
    looser = _act(client, HANDLER, number, "verification", {"privacy": "confidential"})
    assert looser.status_code == 422
    assert looser.json()["error"]["fields"][0]["field"] == "privacy"
    public_one, _ = _filed(client)
    _ok(_act(client, HANDLER, public_one, "verification", {"privacy": "confidential"}), "verified")
    assert client.get(f"/api/v1/complaints/{public_one}").status_code == 404


def test_the_reporter_edits_anonymises_and_redacts_their_data_with_the_pin(
    client: TestClient, db: Database
) -> None:
    number, pin = _filed(client)
    url = f"/api/v1/complaints/{number}/reporter"
    wrong = "000000" if pin != "000000" else "111111"
    assert (
        client.patch(
            url, json={"privacy": "anonymous"}, headers={"X-Tracking-Pin": wrong}
        ).status_code
        == 404
    )
    edited = client.patch(
        url,
        json={"reporter": {**REPORTER, "phone": "0813 1111 2222"}, "privacy": "anonymous"},
        headers={"X-Tracking-Pin": pin},
    )
    assert edited.status_code == 204, edited.text
    complaint = _complaint(db, number)
    assert (complaint.reporter_phone, complaint.privacy) == ("081311112222", "anonymous")
    assert _officer(client, HANDLER, number).json()["reporter"] is None
    bad = client.patch(url, json={"reporter": {"email": "nope"}}, headers={"X-Tracking-Pin": pin})
    assert [f["field"] for f in bad.json()["error"]["fields"]] == ["reporter.email"]

    assert client.delete(url, headers={"X-Tracking-Pin": pin}).status_code == 204
    complaint = _complaint(db, number)
    assert complaint.redacted_at is not None
    assert (complaint.reporter_name, complaint.reporter_phone, complaint.reporter_email) == (
        None,
        None,
        None,
    )
    events = _events(db, number)
    assert [e.activity for e in events][-2:] == ["reporter edited", "reporter redacted"]
    assert events[-2].payload["fields"] == ["phone", "privacy"]
    assert events[-1].payload["fields"] == ["name", "phone", "email"]
    assert "Siti" not in json.dumps([e.payload for e in events])


# --- duplicates, links and retries ------------------------------------------------------


def test_an_open_complaint_nearby_or_at_the_same_address_is_offered_as_a_duplicate(
    client: TestClient,
) -> None:
    first, _ = _filed(client)
    near = _submit(client, location={"lat": -6.9009, "lon": 107.6})  # about 100 m south
    assert [s["tracking_number"] for s in near.json()["similar"]] == [first]
    assert near.json()["similar"][0]["distance_m"] == 100
    far = _submit(client, location={"lat": -6.905, "lon": 107.6})  # about 550 m
    assert far.json()["similar"] == []
    other_kind = _submit(client, category="tata-ruang", location={"lat": -6.9, "lon": 107.6})
    assert other_kind.json()["similar"] == []
    by_address, _ = _filed(client, location={"address": "Jl. Merdeka No. 5, Sukamaju"})
    same = _submit(client, location={"address": "jalan merdeka nomor 5 sukamaju"})
    assert [s["tracking_number"] for s in same.json()["similar"]] == [by_address]


def test_a_linked_application_must_exist(client: TestClient, db: Database) -> None:
    application = submit(client, "pbg").json()["tracking_number"]
    response = _submit(client, application_number=rules.new_tracking_number())
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert [(f["field"], f["code"]) for f in fields] == [
        ("application_number", "application.not_found")
    ]
    number, _ = _filed(client, application_number=application.lower())
    assert _complaint(db, number).application_number == application


def test_a_retry_with_the_same_idempotency_key_files_once(client: TestClient, db: Database) -> None:
    headers = {"Idempotency-Key": "complaint-retry-1"}
    first = _submit(client, headers=headers)
    second = _submit(client, headers=headers)
    assert first.json()["tracking_number"] == second.json()["tracking_number"]
    assert second.headers["idempotent-replayed"] == "true"
    assert _counts(db)[0] == 1


# --- who may act ------------------------------------------------------------------------


def test_only_the_agencys_officers_act_and_each_only_in_their_role(client: TestClient) -> None:
    number, _ = _filed(client)
    assert _act(client, "dinkes-pengaduan", number, "verification", {}).status_code == 404
    assert _act(client, UNIT_OFFICER, number, "verification", {}).status_code == 403
    assert _act(client, "auditor", number, "verification", {}).status_code == 403
    assert _officer(client, "auditor", number).status_code == 200
    early = _act(client, UNIT_OFFICER, number, "follow-up", {"text": "Sedang kami cek ke lokasi."})
    assert early.status_code == 409
    assert (
        client.post(f"/api/v1/officer/complaints/{number}/verification", json={}).status_code == 401
    )


# --- bad input: refused, naming the field, nothing stored -----------------------------

BIG_PNG = PNG + b"\x00" * (5 * 1024 * 1024)
EXE = b"MZ\x90\x00\x03" + b"\x00" * 60


@pytest.mark.parametrize(
    ("fields", "files", "field"),
    [
        ({"description": "Jalan rusak parah. " * 250}, None, "description"),
        ({"description": "Tolong <script>alert(1)</script> segera"}, None, "description"),
        ({"title": "<b>Penting</b>"}, None, "title"),
        ({"category": "ufo-sighting"}, None, "category"),
        ({"location": {"lat": -6.2, "lon": 106.8}}, None, "location"),
        ({}, {"photo": ("besar.png", BIG_PNG, "image/png")}, "photo"),
        ({}, {"photo": ("foto.jpg", EXE, "image/jpeg")}, "photo"),
        ({}, {"document": ("surat.pdf", b"<html>not a pdf</html>", "application/pdf")}, "document"),
    ],
    ids=[
        "long",
        "html",
        "html-title",
        "category",
        "outside",
        "oversized",
        "executable",
        "fake-pdf",
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    db: Database,
    settings: Settings,
    fields: dict[str, Any],
    files: Any,
    field: str,
) -> None:
    before = _counts(db)
    response = _submit(client, files=files or {"photo": ("ok.png", PNG, "image/png")}, **fields)
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert _counts(db) == before
    blob_dir: Path = settings.blob_dir
    assert not blob_dir.exists() or not any(p.is_file() for p in blob_dir.rglob("*"))


def test_an_officer_answer_with_markup_is_refused(client: TestClient) -> None:
    number, _ = _in_progress(client)
    response = _act(
        client, UNIT_OFFICER, number, "follow-up", {"text": "Sudah <i>ditangani</i> ya"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "text"


def test_the_categories_are_published_with_their_units(client: TestClient) -> None:
    categories = client.get("/api/v1/complaint-categories").json()
    assert {c["code"]: c["unit"] for c in categories}["retribusi"] == "BAPENDA.RETRIBUSI"
    assert all(c["name"]["id"] and c["name"]["en"] for c in categories)


def test_the_public_list_filters_by_state_and_category(client: TestClient, clock: Clock) -> None:
    closed, pin = _resolved(client, clock)
    _respond(client, closed, pin, 4)
    open_one, _ = _filed(client, category="skck", location=None)
    page = client.get("/api/v1/complaints", params={"state": "open"}).json()
    assert [i["tracking_number"] for i in page["items"]] == [open_one]
    page = client.get("/api/v1/complaints", params={"state": "closed"}).json()
    assert [i["tracking_number"] for i in page["items"]] == [closed]
    assert page["items"][0]["answers"][0]["kind"] == "resolution"
    page = client.get("/api/v1/complaints", params={"category": "skck"}).json()
    assert page["total"] == 1


def test_the_reporter_rates_the_service_once_the_complaint_closes(
    client: TestClient, clock: Clock
) -> None:
    from tests.integration.test_surveys_api import KEYS

    number, pin = _resolved(client, clock)
    answers = {**dict.fromkeys(KEYS, 3), "behaviour": 1}
    early = client.post(
        f"/api/v1/complaints/{number}/survey", headers={"X-Tracking-Pin": pin}, json=answers
    )
    assert early.status_code == 409  # resolved, but not yet closed by the reporter
    _ok(_respond(client, number, pin, 5), "closed")
    wrong = client.post(
        f"/api/v1/complaints/{number}/survey", headers={"X-Tracking-Pin": "000000"}, json=answers
    )
    assert wrong.status_code == 404
    sent = client.post(
        f"/api/v1/complaints/{number}/survey", headers={"X-Tracking-Pin": pin}, json=answers
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["low_scores"] == ["behaviour"]
    again = client.post(
        f"/api/v1/complaints/{number}/survey", headers={"X-Tracking-Pin": pin}, json=answers
    )
    assert again.status_code == 409


def test_guessing_a_complaint_pin_is_stopped_after_ten_tries(client: TestClient) -> None:
    number, pin = _filed(client)
    for guess in range(10):
        wrong = client.get(
            f"/api/v1/complaints/{number}",
            headers={"X-Tracking-Pin": f"{guess:06d}" if f"{guess:06d}" != pin else "999999"},
        )
        assert wrong.status_code == 404
    locked = client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin})
    assert locked.status_code == 429
