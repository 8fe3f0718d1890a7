"""Applications through the API: intake, tracking, decisions across agencies, the clock."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.applications.models import Application, Document
from layan.core.db import Database
from layan.core.events import Event
from tests.conftest import Clock
from tests.factories import (
    application_parts,
    officer_for,
    sign_in,
    standard,
    submit,
    tasks_of,
    uploaded_slot,
)

SMALL = {"floor_area_m2": 120}
LARGE = {"floor_area_m2": 900}


def _counts(db: Database) -> tuple[int, int, int]:
    with db.unit_of_work(readonly=True) as uow:
        return tuple(
            uow.session.execute(select(func.count(m.id))).scalar_one()  # type: ignore[return-value]
            for m in (Application, Document, Event)
        )


def _decide(
    client: TestClient, username: str, task_id: int, outcome: str = "approve", **extra: str
) -> dict:
    response = client.post(
        f"/api/v1/tasks/{task_id}/decision",
        headers=sign_in(client, username),
        json={"outcome": outcome, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _open_tasks(client: TestClient, number: str) -> list[dict]:
    return [
        s
        for s in client.get(f"/api/v1/applications/{number}").json()["steps"]
        if s["status"] in ("open", "claimed")
    ]


def test_a_submission_returns_a_tracking_number_pin_and_deadline(client: TestClient) -> None:
    response = submit(client, "pbg", data=SMALL)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["tracking_number"]) == 12 and len(body["pin"]) == 6
    assert body["status"] == "in_process"
    assert datetime.fromisoformat(body["due_at"]) > datetime.fromisoformat(
        "2026-06-02T01:00:00+00:00"
    )
    first_unit = standard("pbg").procedure[0].unit
    queue = tasks_of(client, officer_for(first_unit, standard("pbg").procedure[0].role))
    assert [t["tracking_number"] for t in queue] == [body["tracking_number"]]


def test_bad_input_names_every_field_and_stores_nothing(client: TestClient, db: Database) -> None:
    before = _counts(db)
    slot = uploaded_slot("pbg")
    response = submit(
        client,
        "pbg",
        headers={"Accept-Language": "en"},
        applicant={"nik": "3201010101010000"},
        data={"floor_area_m2": "lots"},
        files={slot: ("plan.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 40, "application/pdf")},
    )
    assert response.status_code == 422
    fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert "applicant.nik" in fields and "data.floor_area_m2" in fields and slot in fields
    assert "serial" in fields["applicant.nik"].lower() or "0000" in fields["applicant.nik"]
    assert "NIK" in fields["applicant.nik"] and "harus" not in fields["applicant.nik"]
    assert _counts(db) == before


def test_a_missing_document_and_field_are_refused_in_indonesian(
    client: TestClient, db: Database
) -> None:
    slot = uploaded_slot("pbg")
    body, parts = application_parts("pbg", drop_files=(slot,))
    del body["data"]["floor_area_m2"]
    response = client.post(
        "/api/v1/applications", data={"application": json.dumps(body)}, files=parts
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert {slot, "data.floor_area_m2"} <= fields
    assert "periksa" in response.json()["error"]["message"]
    assert _counts(db)[0] == 0


def test_an_oversized_file_is_refused(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    slot = uploaded_slot("pbg")
    huge = b"%PDF-1.4\n" + b"0" * (settings.max_upload_kb * 1024)
    response = submit(client, "pbg", files={slot: ("big.pdf", huge, "application/pdf")})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == slot


def test_an_unknown_service_is_404(client: TestClient) -> None:
    body, _ = application_parts("pbg")
    body["service_code"] = "no-such-service"
    response = client.post("/api/v1/applications", json=body)
    assert response.status_code == 404


def test_a_retried_submission_with_the_same_key_returns_the_first(
    client: TestClient, db: Database
) -> None:
    first = submit(client, "pbg", headers={"Idempotency-Key": "abc-123"})
    again = submit(client, "pbg", headers={"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _counts(db)[0] == 1


def test_tracking_shows_no_personal_data_without_the_pin(client: TestClient) -> None:
    receipt = submit(client, "pbg").json()
    number = receipt["tracking_number"]
    public = client.get(f"/api/v1/applications/{number}").json()
    assert public["status"] == "in_process" and public["steps"] and public["timeline"]
    assert "personal" not in public and "documents" not in public
    assert receipt["pin"] not in json.dumps(public)
    full = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": receipt["pin"]})
    assert full.json()["personal"]["nik"].isdigit()
    assert full.json()["documents"]
    wrong = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": "000000"})
    assert wrong.status_code == 404


def test_a_mistyped_tracking_number_is_not_found(client: TestClient) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    typo = number[:3] + ("A" if number[3] != "A" else "B") + number[4:]
    assert client.get(f"/api/v1/applications/{typo}").status_code == 404
    spoken = "-".join(number[i : i + 4] for i in range(0, 12, 4)).lower()
    assert client.get(f"/api/v1/applications/{spoken}").status_code == 200


def _work_to_the_end(client: TestClient, number: str) -> list[str]:
    """Approve every open step as its unit's officer until none is left; the agencies seen."""
    agencies = []
    for _ in range(12):
        open_steps = _open_tasks(client, number)
        if not open_steps:
            break
        for step in open_steps:
            role = next(s.role for s in standard("pbg").procedure if s.code == step["step"])
            _decide(client, officer_for(step["unit"], role), step["task_id"])
            agencies.append(step["agency"])
    return agencies


def test_a_building_approval_flows_through_three_agencies_to_approval(client: TestClient) -> None:
    number = submit(client, "pbg", data=LARGE).json()["tracking_number"]
    agencies = _work_to_the_end(client, number)
    assert {"DPMPTSP", "PUPR", "BAPENDA"} <= set(agencies)
    tracked = client.get(f"/api/v1/applications/{number}").json()
    assert tracked["status"] == "approved"
    steps = [s["step"] for s in tracked["steps"]]
    assert len(steps) == len(
        standard("pbg").stages(LARGE) and [s for st in standard("pbg").stages(LARGE) for s in st]
    )


def test_a_conditional_step_runs_only_when_its_condition_holds(client: TestClient) -> None:
    small = submit(client, "pbg", data=SMALL).json()["tracking_number"]
    large = submit(client, "pbg", data=LARGE, seed=2).json()["tracking_number"]
    _work_to_the_end(client, small)
    _work_to_the_end(client, large)
    steps_small = {s["step"] for s in client.get(f"/api/v1/applications/{small}").json()["steps"]}
    steps_large = {s["step"] for s in client.get(f"/api/v1/applications/{large}").json()["steps"]}
    assert steps_small < steps_large


def test_parallel_steps_are_queued_together(client: TestClient) -> None:
    number = submit(client, "pbg", data=SMALL).json()["tracking_number"]
    first = _open_tasks(client, number)
    assert len(first) == 1
    _decide(
        client,
        officer_for(first[0]["unit"], standard("pbg").procedure[0].role),
        first[0]["task_id"],
    )
    together = _open_tasks(client, number)
    assert len(together) >= 2
    assert len({s["unit"] for s in together}) >= 2


def test_an_officer_of_an_uninvolved_agency_cannot_list_or_read_it(client: TestClient) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    outsider = sign_in(client, officer_for("DISDUKCAPIL.LOKET", "front_desk"))
    listed = client.get("/api/v1/applications", headers=outsider).json()
    assert number not in [a["tracking_number"] for a in listed]
    assert client.get(f"/api/v1/officer/applications/{number}", headers=outsider).status_code == 404
    insider = sign_in(
        client, officer_for(standard("pbg").procedure[0].unit, standard("pbg").procedure[0].role)
    )
    assert client.get(f"/api/v1/officer/applications/{number}", headers=insider).status_code == 200
    auditor = sign_in(client, "auditor")
    assert client.get(f"/api/v1/officer/applications/{number}", headers=auditor).status_code == 200


def test_a_decision_on_someone_elses_task_or_a_closed_one_is_refused(client: TestClient) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    task = _open_tasks(client, number)[0]
    outsider = sign_in(client, officer_for("DISDUKCAPIL.LOKET", "front_desk"))
    refused = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision", headers=outsider, json={"outcome": "approve"}
    )
    assert refused.status_code == 403
    auditor = sign_in(client, "auditor")
    assert (
        client.post(
            f"/api/v1/tasks/{task['task_id']}/decision",
            headers=auditor,
            json={"outcome": "approve"},
        ).status_code
        == 403
    )
    owner = officer_for(task["unit"], standard("pbg").procedure[0].role)
    _decide(client, owner, task["task_id"])
    again = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision",
        headers=sign_in(client, owner),
        json={"outcome": "approve"},
    )
    assert again.status_code == 409


def test_returning_or_rejecting_needs_a_reason_and_rejecting_a_legal_basis(
    client: TestClient,
) -> None:
    number = submit(client, "pbg").json()["tracking_number"]
    task = _open_tasks(client, number)[0]
    headers = sign_in(client, officer_for(task["unit"], standard("pbg").procedure[0].role))
    url = f"/api/v1/tasks/{task['task_id']}/decision"
    no_reason = client.post(url, headers=headers, json={"outcome": "return"})
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["fields"][0]["field"] == "reason"
    no_basis = client.post(url, headers=headers, json={"outcome": "reject", "reason": "x"})
    assert [f["field"] for f in no_basis.json()["error"]["fields"]] == ["legal_basis"]
    rejected = client.post(
        url,
        headers=headers,
        json={
            "outcome": "reject",
            "reason": "Lokasi di kawasan lindung",
            "legal_basis": "Perda RTRW",
        },
    )
    assert rejected.json()["application_status"] == "rejected"


def test_a_returned_application_stops_the_clock_until_resubmitted(
    client: TestClient, clock: Clock
) -> None:
    receipt = submit(client, "pbg").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    task = _open_tasks(client, number)[0]
    role = standard("pbg").procedure[0].role
    before = client.get(f"/api/v1/applications/{number}").json()
    _decide(
        client,
        officer_for(task["unit"], role),
        task["task_id"],
        "return",
        reason="Gambar denah tidak terbaca",
    )
    assert client.get(f"/api/v1/applications/{number}").json()["status"] == "returned"
    clock.advance(days=14)  # two weeks waiting on the applicant must not count
    slot = uploaded_slot("pbg")
    resubmitted = client.post(
        f"/api/v1/applications/{number}/resubmission",
        headers={"X-Tracking-Pin": pin},
        data={"resubmission": json.dumps({"data": {}})},
        files={slot: ("denah.pdf", b"%PDF-1.4 fixed", "application/pdf")},
    )
    assert resubmitted.status_code == 200, resubmitted.text
    after = client.get(f"/api/v1/applications/{number}").json()
    assert after["status"] == "in_process"
    moved = datetime.fromisoformat(after["due_at"]) - datetime.fromisoformat(before["due_at"])
    assert 13 <= moved.days <= 21  # the deadline moved by the paused fortnight
    reopened = _open_tasks(client, number)
    assert [s["step"] for s in reopened] == [task["step"]] and reopened[0]["task_id"] != task[
        "task_id"
    ]


def test_resubmitting_an_application_that_was_not_returned_is_refused(client: TestClient) -> None:
    receipt = submit(client, "pbg").json()
    response = client.post(
        f"/api/v1/applications/{receipt['tracking_number']}/resubmission",
        headers={"X-Tracking-Pin": receipt["pin"]},
        json={"data": {}},
    )
    assert response.status_code == 409


def test_signing_in_with_a_wrong_password_or_no_token_is_401(client: TestClient) -> None:
    wrong = client.post("/api/v1/auth/token", data={"username": "auditor", "password": "nope"})
    assert wrong.status_code == 401
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "nope"})
    assert unknown.status_code == 401 and unknown.json() == wrong.json()
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer junk"}).status_code == 401


def test_a_queue_holds_only_the_steps_an_officer_can_decide(client: TestClient) -> None:
    number = submit(client, "skck").json()["tracking_number"]
    front_desk = tasks_of(client, officer_for("POLRES.SKCK", "front_desk"))
    processor = tasks_of(client, officer_for("POLRES.SKCK", "processor"))
    supervisor = tasks_of(client, officer_for("POLRES.SKCK", "supervisor"))
    assert [t["tracking_number"] for t in front_desk] == [number]
    assert processor == []
    assert [t["tracking_number"] for t in supervisor] == [number]


def test_a_claimed_task_belongs_to_its_claimer(client: TestClient, db: Database) -> None:
    from layan.accounts.service import RoleInUnit, create_officer

    create_officer(
        db.unit_of_work(),
        username="polres-skck-2",
        name="Petugas Kedua",
        password="kata-sandi-panjang",
        roles=[RoleInUnit("front_desk", "POLRES.SKCK")],
    )
    number = submit(client, "skck").json()["tracking_number"]
    task = _open_tasks(client, number)[0]
    first = sign_in(client, officer_for("POLRES.SKCK", "front_desk"))
    assert client.post(f"/api/v1/tasks/{task['task_id']}/claim", headers=first).status_code == 204
    mine = client.get("/api/v1/tasks", headers=first).json()
    assert [t["claimed_by_me"] for t in mine] == [True]
    second = sign_in(client, "polres-skck-2", "kata-sandi-panjang")
    taken = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision", headers=second, json={"outcome": "approve"}
    )
    assert taken.status_code == 403
    assert "claimed" in taken.json()["error"]["code"]


def test_an_officer_sees_identity_flags_beside_the_application(client: TestClient) -> None:
    number = submit(
        client, "skck", applicant={"nik": "3204011708900001"}, data={"birth_date": "1985-03-03"}
    ).json()["tracking_number"]
    headers = sign_in(client, officer_for("POLRES.SKCK", "front_desk"))
    view = client.get(f"/api/v1/officer/applications/{number}", headers=headers).json()
    assert [f["code"] for f in view["personal"]["flags"]] == ["nik.mismatch"]
