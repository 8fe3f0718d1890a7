"""Who has seen my data: officers' reads are logged and shown to the applicant with the PIN."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan import demo
from layan.applications.models import Application, Document, Task
from layan.core.db import Database
from tests.factories import officer_for, sign_in, standard, submit
from tests.integration.test_workspace_pages import page
from tests.integration.test_workspace_pages import sign_in as sign_in_page
from tests.pages import by_id, check_page, csrf, get_page, text_of

FIRST = standard("pbg").procedure[0]
READER = officer_for(FIRST.unit, FIRST.role)
OUTSIDER = officer_for("DISDUKCAPIL.LOKET", "front_desk")
AGENCY, UNIT = FIRST.unit.split(".")


def _account(username: str) -> demo.DemoAccount:
    return next(a for a in demo.demo_accounts() if a.username == username)


def _submitted(client: TestClient) -> tuple[str, str]:
    receipt = submit(client, "pbg").json()
    return receipt["tracking_number"], receipt["pin"]


def _document(db: Database, number: str) -> tuple[int, str]:
    with db.unit_of_work(readonly=True) as uow:
        doc = (
            uow.session.execute(
                select(Document)
                .join(Application)
                .where(Application.tracking_number == number)
                .order_by(Document.id)
            )
            .scalars()
            .first()
        )
        assert doc is not None
        return doc.id, doc.slot


def _log(client: TestClient, number: str, pin: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/applications/{number}/access-log", headers={"X-Tracking-Pin": pin}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_an_officers_reads_of_the_application_and_a_document_are_listed_for_the_citizen(
    client: TestClient, db: Database
) -> None:
    number, pin = _submitted(client)
    doc_id, slot = _document(db, number)
    assert _log(client, number, pin) == []

    api = client.get(f"/api/v1/officer/applications/{number}", headers=sign_in(client, READER))
    assert api.status_code == 200
    sign_in_page(client, READER)
    assert client.get(f"/petugas/dokumen/{doc_id}").status_code == 200

    log = _log(client, number, pin)
    assert [e["what"] for e in log] == ["application", f"document:{slot}"]
    name = _account(READER).name
    for entry in log:
        assert entry["officer"] == name
        assert (entry["role"], entry["unit"], entry["agency"]) == (FIRST.role, FIRST.unit, AGENCY)
        assert entry["why"].startswith("task ")
        assert entry["at"].endswith("Z")
        assert set(entry) == {"at", "role", "unit", "agency", "officer", "what", "why"}


def test_the_tracking_page_with_the_pin_shows_who_has_seen_the_data(
    client: TestClient, db: Database
) -> None:
    number, pin = _submitted(client)
    doc_id, _ = _document(db, number)
    client.get(f"/api/v1/officer/applications/{number}", headers=sign_in(client, "auditor"))
    sign_in_page(client, READER)
    assert client.get(f"/petugas/dokumen/{doc_id}").status_code == 200
    client.cookies.clear()

    public = get_page(client, f"/lacak/{number}")
    assert by_id(public, "access-log") is None
    opened = client.post(f"/lacak/{number}", data={"csrf_token": csrf(public), "pin": pin})
    assert opened.status_code == 200
    assert "Siapa yang telah melihat data saya" in opened.text
    table = text_of(by_id(check_page(opened.text), "access-log-table"))
    assert _account(READER).name in table and _account("auditor").name in table
    assert "Auditor" in table and "Audit" in table and AGENCY in table


def test_the_task_page_logs_a_read_for_that_task(client: TestClient, db: Database) -> None:
    number, pin = _submitted(client)
    with db.unit_of_work(readonly=True) as uow:
        task_id = uow.session.execute(
            select(Task.id).join(Application).where(Application.tracking_number == number)
        ).scalar_one()
    sign_in_page(client, READER)
    page(client, f"/petugas/tugas/{task_id}")
    assert [(e["what"], e["why"]) for e in _log(client, number, pin)] == [
        ("application", f"task {task_id}")
    ]


def test_a_refused_read_by_an_uninvolved_agency_is_not_listed(
    client: TestClient, db: Database
) -> None:
    number, pin = _submitted(client)
    doc_id, _ = _document(db, number)
    refused = client.get(
        f"/api/v1/officer/applications/{number}", headers=sign_in(client, OUTSIDER)
    )
    assert refused.status_code == 404
    sign_in_page(client, OUTSIDER)
    assert client.get(f"/petugas/dokumen/{doc_id}").status_code == 404
    assert _log(client, number, pin) == []


def test_the_applicants_own_reads_are_not_listed_as_seen_by_others(client: TestClient) -> None:
    number, pin = _submitted(client)
    own = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin})
    assert own.status_code == 200 and own.json()["personal"]
    assert _log(client, number, pin) == []


def test_the_access_log_needs_the_right_pin(client: TestClient) -> None:
    number, pin = _submitted(client)
    wrong = "000000" if pin != "000000" else "111111"
    url = f"/api/v1/applications/{number}/access-log"
    assert client.get(url, headers={"X-Tracking-Pin": pin}).status_code == 200
    assert client.get(url, headers={"X-Tracking-Pin": wrong}).status_code == 404
    assert client.get(url).status_code == 422
    assert (
        client.get(url.replace(number, "XXXX0000XXXX"), headers={"X-Tracking-Pin": pin}).status_code
        == 404
    )
