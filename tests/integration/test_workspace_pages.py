"""The officers' workspace pages, signed in through the real form, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from layan.accounts import service as accounts
from layan.accounts.models import Officer
from layan.applications.models import Application, Document, Task
from layan.applications.rules import format_tracking_number, working_time_left
from layan.applications.sweep import sweep_deadlines
from layan.audit import verify_audit_chain
from layan.catalogue import queries as catalogue
from layan.catalogue.rules import DEMO_DIR
from layan.core.db import Database
from layan.core.events import Event
from tests.conftest import Clock
from tests.factories import PASSWORD, application_parts, officer_for, submit

FRONT_DESK = officer_for("DPMPTSP.FO", "front_desk")
SUPERVISOR = officer_for("DPMPTSP.FO", "supervisor")
ADMIN = "dpmptsp-admin"
UNINVOLVED = officer_for("POLRES.SKCK", "front_desk")
SMALL = {"floor_area_m2": 120}

# --- a small HTML tree, enough to find elements and read their text -------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                    (child.attrs.get(k.rstrip("_")) or "") == v
                    or (k == "class_" and v in (child.attrs.get("class") or "").split())
                    for k, v in attrs.items()
                ):
                    found.append(child)
                found += child.all(tag, **attrs)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def by_id(self, id_: str) -> Node | None:
        found = self.all(id=id_)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def page(client: TestClient, url: str, status: int = 200) -> Node:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert "⟦" not in response.text
    return parse(response.text)


def csrf_of(tree: Node) -> str:
    return tree.all("input", name="csrf_token")[0].attrs["value"] or ""


def post(client: TestClient, url: str, tree: Node, data: dict[str, Any], **kwargs: Any) -> Response:
    response = client.post(
        url, data={"csrf_token": csrf_of(tree), **data}, follow_redirects=False, **kwargs
    )
    assert "⟦" not in response.text
    return response


def sign_in(client: TestClient, username: str) -> None:
    """Sign in through the real form: its CSRF cookie and token, then the session cookie."""
    form = page(client, "/petugas/masuk")
    response = client.post(
        "/petugas/masuk",
        data={
            "csrf_token": csrf_of(form),
            "username": username,
            "password": PASSWORD,
            "next": "/petugas",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/petugas"


# --- data ------------------------------------------------------------------------------


def _tasks(db: Database, number: str) -> list[Task]:
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        return list(app.tasks)


def _task(db: Database, task_id: int) -> Task:
    with db.unit_of_work(readonly=True) as uow:
        task = uow.session.get(Task, task_id)
        assert task is not None
        return task


def _submitted(client: TestClient, seed: int = 1) -> tuple[str, int]:
    response = submit(client, "pbg", seed=seed, data=SMALL)
    assert response.status_code == 201, response.text
    return response.json()["tracking_number"], 0


def _first_task(client: TestClient, db: Database, seed: int = 1) -> tuple[str, int]:
    number, _ = _submitted(client, seed)
    return number, _tasks(db, number)[0].id


def _officer_id(db: Database, username: str) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(Officer.id).where(Officer.username == username)
        ).scalar_one()


def _event_count(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(select(func.count(Event.id))).scalar_one()


# --- the queue -------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client: TestClient) -> None:
    for url in ("/petugas", "/petugas/unit", "/petugas/admin", "/petugas/tugas/1"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/petugas/masuk?next=")


def test_the_queue_shows_a_submitted_task_with_its_working_time_left(
    client: TestClient, db: Database, clock: Clock
) -> None:
    number, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    tree = page(client, "/petugas")
    row = tree.by_id(f"task-{task_id}")
    assert row is not None
    assert format_tracking_number(number) in row.text
    # Tuesday 08:00 at a counter open 08:00-15:30; due at the close of the second working
    # day after today: today, Wednesday and Thursday, 7.5 working hours each.
    assert "3 hari kerja lagi" in row.text
    assert not row.all(class_="overdue") and "terlambat" not in row.text
    assert row.all("form", action=f"/petugas/tugas/{task_id}/ambil")

    english = client.get("/petugas?lang=en")
    assert english.status_code == 200 and "⟦" not in english.text
    assert "3 working days left" in parse(english.text).by_id(f"task-{task_id}").text  # type: ignore[union-attr]
    client.get("/petugas?lang=id")

    clock.now = datetime(2026, 6, 5, 3, 0, tzinfo=UTC)  # Friday 10:00, the day after the deadline
    sign_in(client, FRONT_DESK)  # the session ended with the days gone by
    row = page(client, "/petugas").by_id(f"task-{task_id}")
    assert row is not None
    assert row.one(class_="overdue").text == "⚠ terlambat 2 jam"  # said in words, not colour alone


def test_the_queue_filters_by_service_and_status(client: TestClient, db: Database) -> None:
    _, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    filters = page(client, "/petugas").one("form", method="get")
    assert [o.attrs["value"] for o in filters.one("select", name="layanan").all("option")] == [
        "",
        "pbg",
    ]
    assert filters.all("button", type="submit")
    assert page(client, "/petugas?layanan=pbg&status=open").by_id(f"task-{task_id}")
    assert page(client, "/petugas?layanan=pbg&status=claimed").by_id(f"task-{task_id}") is None
    assert page(client, "/petugas?layanan=skck").by_id(f"task-{task_id}") is None


def test_an_officer_claims_from_the_queue_with_or_without_javascript(
    client: TestClient, db: Database
) -> None:
    _, first = _first_task(client, db, seed=1)
    _, second = _first_task(client, db, seed=2)
    sign_in(client, FRONT_DESK)
    tree = page(client, "/petugas")

    response = post(client, f"/petugas/tugas/{first}/ambil", tree, {"next": "/petugas"})
    assert response.status_code == 303
    assert response.headers["location"] == "/petugas?pesan=diambil"
    after = page(client, response.headers["location"])
    row = after.by_id(f"task-{first}")
    assert row is not None and "Sedang dikerjakan" in row.text and "oleh Anda" in row.text
    assert not row.all("form")
    assert _task(db, first).assignee_id == _officer_id(db, FRONT_DESK)

    fragment = post(
        client,
        f"/petugas/tugas/{second}/ambil",
        tree,
        {"next": "/petugas"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    swapped = parse(fragment.text).one("tr")
    assert swapped.attrs["id"] == f"task-{second}"
    assert "Sedang dikerjakan" in swapped.text and not swapped.all("form")
    assert _task(db, second).status == "claimed"


# --- a task ----------------------------------------------------------------------------


def test_the_task_page_shows_the_applicant_and_the_documents(
    client: TestClient, db: Database
) -> None:
    body, files = application_parts("pbg", seed=1, data=SMALL)
    _, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    tree = page(client, f"/petugas/tugas/{task_id}")
    applicant = tree.by_id("applicant")
    assert applicant is not None
    assert body["applicant"]["nik"] in applicant.text  # whole, for an officer of the case
    assert body["applicant"]["name"] in applicant.text
    assert body["applicant"]["email"] in applicant.text
    with db.unit_of_work(readonly=True) as uow:
        documents = list(uow.session.execute(select(Document).order_by(Document.id)).scalars())
    assert len(documents) == len(files) > 0
    for document in documents:
        figure = tree.by_id(f"document-{document.id}")
        assert figure is not None and document.filename in figure.text
        shown = figure.all("iframe") + figure.all("img")
        assert [n.attrs["src"] for n in shown] == [f"/petugas/dokumen/{document.id}"]
    assert tree.all("form", action=f"/petugas/tugas/{task_id}/keputusan")
    assert "Riwayat di semua instansi" in tree.text


def test_a_document_is_served_inline_to_the_case_and_refused_to_an_uninvolved_agency(
    client: TestClient, db: Database
) -> None:
    _, task_id = _first_task(client, db)
    with db.unit_of_work(readonly=True) as uow:
        document = uow.session.execute(select(Document).order_by(Document.id)).scalars().first()
        assert document is not None
        doc_id, filename = document.id, document.filename
    sign_in(client, FRONT_DESK)
    response = client.get(f"/petugas/dokumen/{doc_id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")
    assert filename in response.headers["content-disposition"]
    assert response.content.startswith(b"%PDF")

    sign_in(client, UNINVOLVED)
    assert client.get(f"/petugas/dokumen/{doc_id}").status_code in (403, 404)
    page(client, f"/petugas/tugas/{task_id}", status=404)


def test_approving_moves_on_to_the_next_task_then_back_to_the_queue(
    client: TestClient, db: Database
) -> None:
    first_number, first = _first_task(client, db, seed=1)
    _, second = _first_task(client, db, seed=2)
    sign_in(client, FRONT_DESK)

    tree = page(client, f"/petugas/tugas/{first}")
    response = post(client, f"/petugas/tugas/{first}/keputusan", tree, {"outcome": "approve"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/petugas/tugas/{second}?pesan=tersimpan"
    assert _task(db, first).status == "approved"
    assert {t.step_code for t in _tasks(db, first_number) if t.status == "open"}  # next stage

    tree = page(client, response.headers["location"])
    assert "Keputusan tersimpan" in tree.text
    response = post(client, f"/petugas/tugas/{second}/keputusan", tree, {"outcome": "approve"})
    assert response.status_code == 303
    assert response.headers["location"] == "/petugas?pesan=selesai"
    assert "Tidak ada lagi tugas" in page(client, response.headers["location"]).text


def test_returning_without_a_reason_shows_the_error_beside_the_field_and_changes_nothing(
    client: TestClient, db: Database
) -> None:
    number, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    tree = page(client, f"/petugas/tugas/{task_id}")
    events = _event_count(db)

    response = post(
        client, f"/petugas/tugas/{task_id}/keputusan", tree, {"outcome": "return", "reason": "  "}
    )
    assert response.status_code == 422
    result = parse(response.text)
    summary = result.one(class_="error-summary")
    assert [a.attrs["href"] for a in summary.all("a")] == ["#reason"]
    error = result.by_id("reason-error")
    assert error is not None and "Alasan wajib diisi" in error.text
    field = error.parent
    assert field is not None and field.all("textarea", id="reason")
    assert "checked" in result.one("input", id="outcome-return").attrs

    assert _task(db, task_id).status == "open"
    assert _task(db, task_id).assignee_id is None
    assert {t.status for t in _tasks(db, number)} == {"open"}
    assert _event_count(db) == events


# --- the supervisor --------------------------------------------------------------------


def test_a_supervisor_sees_workload_and_a_breach_and_reassigns_the_task(
    client: TestClient, db: Database, clock: Clock
) -> None:
    accounts.create_officer(
        db.unit_of_work(),
        username="dpmptsp-fo-2",
        name="Petugas Loket Kedua",
        password=PASSWORD,
        roles=[accounts.RoleInUnit("front_desk", "DPMPTSP.FO")],
    )
    number, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    post(client, f"/petugas/tugas/{task_id}/ambil", page(client, "/petugas"), {})
    clock.now = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # a week later, past the deadline
    assert sweep_deadlines(db) >= 1

    sign_in(client, SUPERVISOR)
    tree = page(client, "/petugas/unit")
    load = tree.one("tr", **{"data-officer": FRONT_DESK})
    cells = [c.text for c in load.all("td")]
    assert cells[2] == "1" and "1" in cells[3]
    breach = [
        r for r in tree.all("tr", class_="breach") if format_tracking_number(number) in r.text
    ]
    assert len(breach) == 1
    assert "Dieskalasikan kepada Anda" in breach[0].text and "terlambat" in breach[0].text

    form = tree.one("form", action=f"/petugas/unit/tugas/{task_id}/alihkan")
    choices = {o.text: o.attrs["value"] for o in form.all("option")}
    assert "Petugas Loket Kedua" in choices
    assert all(FRONT_DESK not in name for name in choices)  # not to whom it already is

    admin_id = _officer_id(db, ADMIN)  # in the unit, but without the step's role
    refused = post(client, f"/petugas/unit/tugas/{task_id}/alihkan", tree, {"officer_id": admin_id})
    assert refused.status_code == 422
    error = parse(refused.text).by_id(f"officer-{task_id}-error")
    assert error is not None and "tidak memegang peran" in error.text
    assert _task(db, task_id).assignee_id == _officer_id(db, FRONT_DESK)

    response = post(
        client,
        f"/petugas/unit/tugas/{task_id}/alihkan",
        tree,
        {"officer_id": choices["Petugas Loket Kedua"]},
    )
    assert response.status_code == 303
    assert _task(db, task_id).assignee_id == _officer_id(db, "dpmptsp-fo-2")
    with db.unit_of_work(readonly=True) as uow:
        logged = uow.session.execute(
            select(Event).where(Event.case_id == number, Event.activity == "reassign")
        ).scalar_one()
    assert logged.lifecycle == "assign" and logged.role == "supervisor"
    assert logged.payload["to"] == _officer_id(db, "dpmptsp-fo-2")
    assert verify_audit_chain(db)[1] == []
    assert "Tugas dialihkan" in page(client, response.headers["location"]).text


def test_an_officer_who_supervises_no_unit_is_refused_the_unit_page_and_reassigning(
    client: TestClient, db: Database
) -> None:
    _, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    page(client, "/petugas/unit", status=403)
    tree = page(client, "/petugas")
    response = post(
        client,
        f"/petugas/unit/tugas/{task_id}/alihkan",
        tree,
        {"officer_id": _officer_id(db, FRONT_DESK)},
    )
    assert response.status_code == 403
    assert _task(db, task_id).assignee_id is None


# --- the agency admin ------------------------------------------------------------------


def _days_off(tree: Node) -> dict[str, str]:
    table = tree.by_id("days-off")
    assert table is not None
    return {
        row.attrs["data-day"] or "": row.text for row in table.all("tr") if "data-day" in row.attrs
    }


def _works(db: Database, day: date) -> bool:
    with db.unit_of_work(readonly=True) as uow:
        return catalogue.calendar_for_agency(uow, "DPMPTSP").is_working_day(day)


def test_the_agency_admin_adds_and_removes_a_holiday_and_sees_it_listed(
    client: TestClient, db: Database
) -> None:
    sign_in(client, ADMIN)
    tree = page(client, "/petugas/admin")
    assert (
        "Admin instansi" in tree.text and FRONT_DESK in tree.text and "Petugas loket" in tree.text
    )
    assert "2026-08-17" in _days_off(tree)  # national: Independence Day
    assert "2026-06-10" not in _days_off(tree) and _works(db, date(2026, 6, 10))

    response = post(
        client,
        "/petugas/admin/kalender",
        tree,
        {
            "instansi": "DPMPTSP",
            "day": "2026-06-10",
            "kind": "holiday",
            "action": "add",
            "name": "Hari Jadi Kabupaten",
        },
    )
    assert response.status_code == 303
    tree = page(client, response.headers["location"])
    assert "Hari Jadi Kabupaten" in _days_off(tree)["2026-06-10"]
    assert "ditambahkan" in tree.one("table", id="calendar-changes").text
    assert not _works(db, date(2026, 6, 10))

    row = tree.one("tr", **{"data-day": "2026-06-10"})
    remove = row.one("form")
    fields = {i.attrs["name"]: i.attrs.get("value") or "" for i in remove.all("input")}
    response = client.post(remove.attrs["action"] or "", data=fields, follow_redirects=False)
    assert response.status_code == 303
    tree = page(client, response.headers["location"])
    assert "2026-06-10" not in _days_off(tree)
    assert "dihapus" in tree.one("table", id="calendar-changes").text
    assert _works(db, date(2026, 6, 10))

    bad = post(
        client,
        "/petugas/admin/kalender",
        tree,
        {"instansi": "DPMPTSP", "day": "10/06/2026", "kind": "holiday", "action": "add"},
    )
    assert bad.status_code == 422
    error = parse(bad.text).by_id("cal-day-error")
    assert error is not None and "Tanggal tidak sah" in error.text


def test_others_are_refused_the_admin_pages(client: TestClient, db: Database) -> None:
    sign_in(client, FRONT_DESK)
    tree = page(client, "/petugas/admin", status=403)
    response = post(
        client,
        "/petugas/admin/kalender",
        tree,
        {"instansi": "DPMPTSP", "day": "2026-06-10", "kind": "closure", "action": "add"},
    )
    assert response.status_code == 403
    assert _works(db, date(2026, 6, 10))
    sign_in(client, "disdukcapil-admin")  # an admin, but of another agency
    page(client, "/petugas/admin?instansi=DPMPTSP", status=403)


def _yaml(name: str) -> str:
    return (DEMO_DIR / "services" / name).read_text(encoding="utf-8")


def _version(db: Database, code: str) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return catalogue.get_standard(uow, code).version


def test_importing_bad_standards_shows_each_file_line_and_reason(
    client: TestClient, db: Database
) -> None:
    sign_in(client, ADMIN)
    tree = page(client, "/petugas/admin")
    text = _yaml("izin-reklame.yaml").replace("sla: {days: 1}", "sla: {days: satu}", 1)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "days: satu" in t)
    files = [
        ("files", ("reklame.yaml", text.encode(), "application/x-yaml")),
        ("files", ("daftar.yaml", b"- bukan\n- mapping\n", "application/x-yaml")),
    ]
    response = post(client, "/petugas/admin/standar", tree, {"instansi": "DPMPTSP"}, files=files)
    assert response.status_code == 422
    errors = [li.text for li in parse(response.text).one(id="import-errors").all("li")]
    assert any(e.startswith(f"reklame.yaml:{line}: procedure[0].sla") for e in errors), errors
    assert any(e.startswith("daftar.yaml:1:") and "mapping" in e for e in errors), errors
    assert not any("/tmp" in e or "layan-standards" in e for e in errors)
    assert _version(db, "izin-reklame") == 1

    foreign = [("files", ("ktp.yaml", _yaml("ktp-el-baru.yaml").encode(), "application/x-yaml"))]
    response = post(client, "/petugas/admin/standar", tree, {"instansi": "DPMPTSP"}, files=foreign)
    assert response.status_code == 422
    errors = [li.text for li in parse(response.text).one(id="import-errors").all("li")]
    assert errors == ["ktp.yaml:5: agency: 'DISDUKCAPIL' is not your agency (DPMPTSP)"]
    assert _version(db, "ktp-el-baru") == 1


def test_importing_a_good_standard_publishes_a_new_version(
    client: TestClient, db: Database
) -> None:
    sign_in(client, ADMIN)
    tree = page(client, "/petugas/admin")
    text = _yaml("izin-reklame.yaml").replace(
        "Izin Penyelenggaraan Reklame", "Izin Penyelenggaraan Reklame (revisi)", 1
    )
    files = [("files", ("izin-reklame.yaml", text.encode(), "application/x-yaml"))]
    response = post(client, "/petugas/admin/standar", tree, {"instansi": "DPMPTSP"}, files=files)
    assert response.status_code == 200, response.text[:500]
    assert "izin-reklame versi 2" in parse(response.text).one(id="import-published").text
    assert _version(db, "izin-reklame") == 2


# --- forms and words -------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_is_refused(client: TestClient, db: Database) -> None:
    _, task_id = _first_task(client, db)
    sign_in(client, FRONT_DESK)
    for url, data in (
        (f"/petugas/tugas/{task_id}/ambil", {"next": "/petugas"}),
        (f"/petugas/tugas/{task_id}/keputusan", {"outcome": "approve"}),
    ):
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403, url
        response = client.post(url, data={**data, "csrf_token": "x" * 40}, follow_redirects=False)
        assert response.status_code == 403, url
    assert _task(db, task_id).status == "open"
    sign_in(client, ADMIN)
    response = client.post(
        "/petugas/admin/kalender",
        data={"day": "2026-06-10", "kind": "closure", "action": "add"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _works(db, date(2026, 6, 10))


def test_working_time_left_reads_as_working_days_and_hours() -> None:
    day = 7.5 * 3600
    assert working_time_left(2 * day + 3 * 3600, 7.5, overdue=False).id == "2 hari kerja 3 jam lagi"
    assert working_time_left(-day, 7.5, overdue=True).id == "terlambat 1 hari kerja"
    assert working_time_left(-day, 7.5, overdue=True).en == "1 working day late"
    assert working_time_left(45 * 60, 8, overdue=False).en == "45 minutes left"
    assert working_time_left(0, 8, overdue=True).id == "terlambat"


def test_an_agency_admin_adds_an_officer_who_can_then_sign_in(client: TestClient) -> None:
    sign_in(client, "dpmptsp-admin")
    admin = page(client, "/petugas/admin")
    refused = post(
        client,
        "/petugas/admin/petugas",
        admin,
        {
            "instansi": "DPMPTSP",
            "username": "X",
            "name": "",
            "password": "short",
            "role": "processor",
            "unit": "PUPR.TPT",
        },
    )
    assert refused.status_code == 422
    for anchor in (
        "officer-username-error",
        "officer-name-error",
        "officer-password-error",
        "officer-unit-error",
    ):
        assert f'id="{anchor}"' in refused.text, anchor
    added = post(
        client,
        "/petugas/admin/petugas",
        admin,
        {
            "instansi": "DPMPTSP",
            "username": "dpmptsp-bo-2",
            "name": "Rina Wulandari",
            "password": "kata-sandi-rahasia",
            "role": "processor",
            "unit": "DPMPTSP.BO",
        },
    )
    assert added.status_code == 303
    assert "Rina Wulandari" in client.get("/petugas/admin").text
    token = client.post(
        "/api/v1/auth/token", data={"username": "dpmptsp-bo-2", "password": "kata-sandi-rahasia"}
    )
    assert token.status_code == 200
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert me.json()["roles"] == [{"role": "processor", "unit": "DPMPTSP.BO", "agency": "DPMPTSP"}]


def test_an_admin_cannot_add_officers_to_another_agency(client: TestClient) -> None:
    sign_in(client, "dpmptsp-admin")
    admin = page(client, "/petugas/admin")
    response = post(
        client,
        "/petugas/admin/petugas",
        admin,
        {
            "instansi": "PUPR",
            "username": "pupr-baru",
            "name": "Budi",
            "password": "kata-sandi-rahasia",
            "role": "processor",
            "unit": "PUPR.TPT",
        },
    )
    assert response.status_code == 403
