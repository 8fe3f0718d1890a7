"""Who has seen my complaint: officers' reads are logged and shown to the reporter with the PIN."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from layan import demo
from layan.complaints import privacy, rules
from layan.core.access_log import reads_of
from layan.core.db import Database
from tests.factories import PASSWORD, sign_in
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CATEGORY = "jalan-rusak"
HANDLER = "pupr-pengaduan"
UNIT_OFFICER = "pupr-tpt"
SUPERVISOR = "pupr-kepala"
OUTSIDER = "disdukcapil-pengaduan"
BODY = {
    "kind": "pengaduan",
    "category": CATEGORY,
    "title": "Jalan berlubang di depan puskesmas",
    "description": "Lubang besar di tengah jalan, sudah dua motor jatuh minggu ini.",
    "location": {"lat": -6.9, "lon": 107.6},
    "reporter": {"name": "Siti Rahmawati", "phone": "081234567890"},
}
FIELDS = {"at", "role", "unit", "agency", "officer", "what", "why"}


def _account(username: str, unit: str | None = None) -> demo.DemoAccount:
    """The demo officer's grant (in `unit` when they hold several)."""
    return next(
        a
        for a in demo.demo_accounts()
        if a.username == username and (unit is None or a.unit == unit)
    )


def _filed(client: TestClient, *, photo: bool = False, **fields: Any) -> tuple[str, str]:
    body = {**BODY, **fields}
    if photo:
        response = client.post(
            "/api/v1/complaints",
            data={"complaint": json.dumps(body)},
            files={"file1": ("lubang.png", PNG, "image/png")},
        )
    else:
        response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["tracking_number"], response.json()["pin"]


def _log(client: TestClient, number: str, pin: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/complaints/{number}/access-log", headers={"X-Tracking-Pin": pin}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _officer_read(client: TestClient, username: str, number: str) -> int:
    return client.get(
        f"/api/v1/officer/complaints/{number}", headers=sign_in(client, username)
    ).status_code


def _sign_in_page(client: TestClient, username: str) -> None:
    client.cookies.clear()
    form = get_page(client, "/petugas/masuk")
    response = client.post(
        "/petugas/masuk",
        data={
            "csrf_token": csrf(form),
            "username": username,
            "password": PASSWORD,
            "next": "/petugas/pengaduan",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def _who(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry["officer"], entry["role"], entry["unit"], entry["agency"])


def test_an_officers_read_is_listed_for_the_reporter_with_who_and_why(
    client: TestClient,
) -> None:
    number, pin = _filed(client)
    assert _log(client, number, pin) == []

    assert _officer_read(client, HANDLER, number) == 200

    log = _log(client, number, pin)
    handler = _account(HANDLER)
    assert [(_who(e), e["what"], e["why"]) for e in log] == [
        (
            (handler.name, handler.role, handler.unit, handler.agency),
            "complaint",
            "complaint handling",
        )
    ]
    assert set(log[0]) == FIELDS and log[0]["at"].endswith("Z")


def test_the_workspace_page_and_an_attachment_are_logged_as_the_units_work(
    client: TestClient,
) -> None:
    number, pin = _filed(client, photo=True)
    unit = rules.route(CATEGORY)
    disposed = client.post(
        f"/api/v1/officer/complaints/{number}/verification",
        json={"tier": "normative", "unit": unit},
        headers=sign_in(client, HANDLER),
    )
    assert disposed.status_code == 200, disposed.text
    assert _log(client, number, pin) == []  # acting on a complaint is not reading it

    _sign_in_page(client, UNIT_OFFICER)
    page = get_page(client, f"/petugas/pengaduan/{number}")
    link = str(find_all(by_id(page, "attachments"), "a")[0].get("href"))
    assert client.get(link).status_code == 200

    officer = _account(UNIT_OFFICER)
    attachment = link.rsplit("/", 1)[-1]
    log = _log(client, number, pin)
    assert [(e["what"], e["why"]) for e in log] == [
        ("complaint", "unit work"),
        (f"attachment:{attachment}", "unit work"),
    ]
    assert {_who(e) for e in log} == {(officer.name, officer.role, unit, officer.agency)}


def test_a_refused_read_by_another_agency_is_not_listed(client: TestClient) -> None:
    number, pin = _filed(client, photo=True)
    _sign_in_page(client, HANDLER)
    page = get_page(client, f"/petugas/pengaduan/{number}")
    link = str(find_all(by_id(page, "attachments"), "a")[0].get("href"))
    before = _log(client, number, pin)
    assert [e["what"] for e in before] == ["complaint"]

    assert _officer_read(client, OUTSIDER, number) == 404
    _sign_in_page(client, OUTSIDER)
    get_page(client, f"/petugas/pengaduan/{number}", status=404)
    assert client.get(link).status_code == 404

    assert _log(client, number, pin) == before


def test_a_supervisor_and_the_auditor_read_for_their_own_reasons(client: TestClient) -> None:
    number, pin = _filed(client)
    unit = rules.route(CATEGORY)
    assert _officer_read(client, SUPERVISOR, number) == 200
    assert _officer_read(client, "auditor", number) == 200

    supervisor, auditor = _account(SUPERVISOR, unit), _account("auditor")
    assert [(_who(e), e["why"]) for e in _log(client, number, pin)] == [
        ((supervisor.name, supervisor.role, unit, supervisor.agency), "supervision"),
        ((auditor.name, auditor.role, None, None), "audit"),
    ]


def test_an_anonymous_complaint_still_names_the_officers_and_not_the_reporter(
    client: TestClient,
) -> None:
    number, pin = _filed(client, privacy="anonymous")
    seen = client.get(f"/api/v1/officer/complaints/{number}", headers=sign_in(client, HANDLER))
    assert seen.status_code == 200 and seen.json()["reporter"] is None
    own = client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin})
    assert own.status_code == 200 and own.json()["reporter"]["name"] == BODY["reporter"]["name"]

    log = _log(client, number, pin)
    assert [e["officer"] for e in log] == [_account(HANDLER).name]  # the reporter's read is not
    assert BODY["reporter"]["name"] not in json.dumps(log)


def test_the_access_log_needs_the_right_pin(client: TestClient) -> None:
    number, pin = _filed(client)
    other, _ = _filed(client)
    wrong = "000000" if pin != "000000" else "111111"
    url = f"/api/v1/complaints/{number}/access-log"
    assert client.get(url, headers={"X-Tracking-Pin": pin}).status_code == 200
    assert client.get(url, headers={"X-Tracking-Pin": wrong}).status_code == 404
    assert client.get(url).status_code == 422
    # Another complaint's number with this PIN, and a number that names none.
    assert (
        client.get(url.replace(number, other), headers={"X-Tracking-Pin": pin}).status_code == 404
    )
    assert (
        client.get(url.replace(number, "XXXX0000XXXX"), headers={"X-Tracking-Pin": pin}).status_code
        == 404
    )


def test_wrong_pins_on_the_access_log_count_towards_the_complaints_lock(
    client: TestClient,
) -> None:
    number, pin = _filed(client)
    url = f"/api/v1/complaints/{number}/access-log"
    guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" != pin][:10]
    for guess in guesses:
        assert client.get(url, headers={"X-Tracking-Pin": guess}).status_code == 404
    locked = client.get(f"/api/v1/complaints/{number}", headers={"X-Tracking-Pin": pin})
    assert locked.status_code == 429


def test_the_reporters_page_shows_who_has_seen_the_complaint(client: TestClient) -> None:
    number, pin = _filed(client, photo=True)
    public = get_page(client, f"/pengaduan/{number}")
    assert by_id(public, "access-log") is None
    opened = client.post(f"/pengaduan/{number}", data={"csrf_token": csrf(public), "pin": pin})
    assert opened.status_code == 200
    assert by_id(check_page(opened.text), "access-log-empty") is not None

    assert _officer_read(client, "auditor", number) == 200
    _sign_in_page(client, HANDLER)
    page = get_page(client, f"/petugas/pengaduan/{number}")
    assert client.get(str(find_all(by_id(page, "attachments"), "a")[0].get("href"))).is_success
    client.cookies.clear()

    public = get_page(client, f"/pengaduan/{number}")
    opened = client.post(f"/pengaduan/{number}", data={"csrf_token": csrf(public), "pin": pin})
    assert opened.status_code == 200
    table = text_of(by_id(check_page(opened.text), "access-log-table"))
    assert _account(HANDLER).name in table and _account("auditor").name in table
    assert privacy.WHY_NAMES["complaint handling"].id in table
    assert privacy.WHAT_NAMES["attachment"].id + ": lubang.png" in table


def test_checking_that_a_complaint_is_still_ours_after_a_step_is_not_a_read(
    client: TestClient,
) -> None:
    number, pin = _filed(client)
    _sign_in_page(client, HANDLER)
    page = get_page(client, f"/petugas/pengaduan/{number}")
    verified = client.post(
        f"/petugas/pengaduan/{number}/verifikasi",
        data={"csrf_token": csrf(page), "tier": "minor", "unit": rules.route(CATEGORY)},
        follow_redirects=False,
    )
    assert verified.status_code == 303
    assert [e["what"] for e in _log(client, number, pin)] == ["complaint"]


def test_a_read_is_kept_under_the_complaints_own_case(client: TestClient, db: Database) -> None:
    number, _ = _filed(client)
    assert _officer_read(client, HANDLER, number) == 200
    with db.unit_of_work(readonly=True) as uow:
        assert [e.case_type for e in reads_of(uow.session, "complaint", number)] == ["complaint"]
        assert reads_of(uow.session, "application", number) == []
