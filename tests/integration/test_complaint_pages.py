"""The complaint pages, citizen's and officers', through the ASGI client: every page checked."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.complaints.models import Complaint
from layan.core.db import Database
from tests.conftest import Clock
from tests.factories import PASSWORD, sign_in
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HANDLER = "pupr-pengaduan"
FORM = {
    "kind": "pengaduan",
    "category": "jalan-rusak",
    "title": "Jalan berlubang di depan pasar",
    "description": "Lubang sedalam 20 cm di jalur motor, berbahaya saat hujan.",
    "location.lat": "-6,9",
    "location.lon": "107.6",
    "location.address": "Jl. Pasar Baru",
    "privacy": "public",
    "reporter.name": "Budi Santoso",
    "reporter.phone": "0812 3456 7890",
}
API_BODY = {
    "category": "jalan-rusak",
    "title": "Trotoar ambles",
    "description": "Trotoar ambles sepanjang lima meter di depan kantor pos.",
    "location": {"lat": -6.91, "lon": 107.61},
    "reporter": {"name": "Dewi Lestari", "phone": "081298765432"},
}


def _form(client: TestClient) -> dict[str, str]:
    page = get_page(client, "/pengaduan/baru")
    nonce = next(i.get("value") for i in find_all(page, "input") if i.get("name") == "nonce")
    return {"csrf_token": csrf(page), "nonce": str(nonce)}


def _post_form(client: TestClient, files: dict[str, Any] | None = None, **overrides: str) -> Any:
    fields = {**_form(client), **FORM, **overrides}
    return client.post("/pengaduan/baru", data=fields, files=files or None)


def _via_api(client: TestClient, **fields: Any) -> tuple[str, str]:
    response = client.post("/api/v1/complaints", json={**API_BODY, **fields})
    assert response.status_code == 201, response.text
    return response.json()["tracking_number"], response.json()["pin"]


def _count(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return int(uow.session.execute(select(func.count(Complaint.id))).scalar_one())


def _sign_in_page(client: TestClient, username: str) -> None:
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


def _step(client: TestClient, number: str, step: str, **fields: str) -> Any:
    page = get_page(client, f"/petugas/pengaduan/{number}")
    return client.post(
        f"/petugas/pengaduan/{number}/{step}",
        data={"csrf_token": csrf(page), **fields},
        follow_redirects=False,
    )


def _api(client: TestClient, username: str, number: str, step: str, body: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/officer/complaints/{number}/{step}", json=body, headers=sign_in(client, username)
    )
    assert response.status_code == 200, response.text


# --- the citizen ------------------------------------------------------------------------


def test_a_citizen_reports_a_pothole_and_gets_a_number_and_a_pin(client: TestClient) -> None:
    form = get_page(client, "/pengaduan/baru?kategori=jalan-rusak")
    chosen = [o for o in find_all(form, "option") if o.get("selected") is not None]
    assert "jalan-rusak" in [o.get("value") for o in chosen]
    sent = _post_form(client, files={"file1": ("lubang.png", PNG, "image/png")})
    assert sent.status_code == 201, sent.text[:1000]
    receipt = check_page(sent.text)
    number = text_of(by_id(receipt, "tracking-number")).replace("-", "")
    assert len(number) == 12 and len(text_of(by_id(receipt, "pin"))) == 6
    listed = get_page(client, "/pengaduan")
    item = by_id(listed, f"complaint-{number}")
    assert "Jalan berlubang di depan pasar" in text_of(item)
    assert "Budi S." in text_of(item) and "Santoso" not in text_of(item)
    shown = get_page(client, f"/pengaduan/{number}")
    assert text_of(by_id(shown, "status")) == "Menunggu verifikasi"
    assert "0812" not in text_of(shown) and "Jl. Pasar Baru" in text_of(shown)


def test_mistakes_are_listed_beside_their_fields_and_nothing_is_stored(
    client: TestClient, db: Database
) -> None:
    response = _post_form(
        client,
        description="Tolong <script>alert(1)</script>",
        **{"location.lat": "-6.2", "location.lon": "106.8"},
        category="ufo",
    )
    assert response.status_code == 422
    page = check_page(response.text)
    summary = by_id(page, "error-summary")
    links = {a.get("href") for a in find_all(summary, "a")}
    assert {"#description", "#location-lat", "#category"} <= links
    assert "<script>" in text_of(by_id(page, "description"))  # kept to fix, shown as text
    assert _count(db) == 0


def test_a_second_click_on_the_same_form_files_the_report_once(
    client: TestClient, db: Database
) -> None:
    fields = {**_form(client), **FORM}
    first = client.post("/pengaduan/baru", data=fields)
    second = client.post("/pengaduan/baru", data=fields)
    numbers = {text_of(by_id(check_page(r.text), "tracking-number")) for r in (first, second)}
    assert len(numbers) == 1 and _count(db) == 1


def test_similar_reports_are_offered_as_the_place_is_typed(client: TestClient) -> None:
    number, _ = _via_api(client)
    fragment = client.get(
        "/pengaduan/serupa",
        params={"category": "jalan-rusak", "location.lat": "-6.9105", "location.lon": "107.61"},
    )
    assert fragment.status_code == 200 and f"/pengaduan/{number}" in fragment.text
    far = client.get(
        "/pengaduan/serupa",
        params={"category": "jalan-rusak", "location.lat": "-6.95", "location.lon": "107.61"},
    )
    assert far.text.strip() == ""


def test_a_confidential_report_is_not_listed_and_opens_only_with_its_pin(
    client: TestClient,
) -> None:
    number, pin = _via_api(client, privacy="confidential")
    assert f"complaint-{number}" not in client.get("/pengaduan").text
    get_page(client, f"/pengaduan/{number}", status=404)
    form = get_page(client, "/pengaduan/lacak")
    wrong = client.post(
        "/pengaduan/lacak", data={"csrf_token": csrf(form), "nomor": number, "pin": "x"}
    )
    assert wrong.status_code == 404
    check_page(wrong.text)
    opened = client.post(
        "/pengaduan/lacak", data={"csrf_token": csrf(form), "nomor": number, "pin": pin}
    )
    assert opened.status_code == 200
    page = check_page(opened.text)
    assert "Trotoar ambles" in text_of(page)
    assert "Dewi Lestari" in text_of(by_id(page, "my-details"))


def test_the_reporter_rates_the_resolution_and_erases_their_details_on_the_page(
    client: TestClient, clock: Clock
) -> None:
    number, pin = _via_api(client)
    _api(client, HANDLER, number, "verification", {"unit": "PUPR.TPT"})
    proof = {"proof": "Trotoar sudah dicor ulang dan dipasang pembatas."}
    _api(client, "pupr-tpt", number, "resolution", proof)
    public = get_page(client, f"/pengaduan/{number}")
    opened = client.post(f"/pengaduan/{number}", data={"csrf_token": csrf(public), "pin": pin})
    page = check_page(opened.text)
    assert by_id(page, "rating") is not None
    bad = client.post(
        f"/pengaduan/{number}/tanggapan", data={"csrf_token": csrf(page), "pin": pin, "rating": "9"}
    )
    assert bad.status_code == 422
    assert "#rating" in {a.get("href") for a in find_all(check_page(bad.text), "a")}
    rated = client.post(
        f"/pengaduan/{number}/tanggapan", data={"csrf_token": csrf(page), "pin": pin, "rating": "1"}
    )
    assert rated.status_code == 200
    assert text_of(by_id(check_page(rated.text), "status")) == "Banding ke atasan"
    erased = client.post(
        f"/pengaduan/{number}/hapus-data", data={"csrf_token": csrf(page), "pin": pin}
    )
    after = check_page(erased.text)
    assert by_id(after, "redacted") is not None
    assert "Dewi" not in text_of(by_id(after, "my-details"))


def test_a_wrong_pin_on_the_reporters_forms_changes_nothing(
    client: TestClient, db: Database
) -> None:
    number, _ = _via_api(client)
    page = get_page(client, f"/pengaduan/{number}")
    response = client.post(
        f"/pengaduan/{number}/hapus-data", data={"csrf_token": csrf(page), "pin": "000001"}
    )
    assert response.status_code == 404
    with db.unit_of_work(readonly=True) as uow:
        name = uow.session.execute(select(Complaint.reporter_name)).scalar_one()
    assert name == "Dewi Lestari"


def test_the_complaint_pages_speak_english_when_switched(client: TestClient) -> None:
    client.get("/pengaduan/baru?lang=en")
    page = get_page(client, "/pengaduan/baru")
    assert "Make a complaint" in text_of(page) and page.get("lang") == "en"


# --- officers -----------------------------------------------------------------------------


def test_an_officer_verifies_follows_up_and_resolves_through_the_forms(
    client: TestClient, db: Database
) -> None:
    number, _ = _via_api(client)
    _sign_in_page(client, HANDLER)
    queue = get_page(client, "/petugas/pengaduan")
    assert by_id(queue, f"complaint-{number}") is not None
    verified = _step(client, number, "verifikasi", tier="minor", unit="PUPR.TPT")
    assert verified.status_code == 303
    assert verified.headers["location"] == f"/petugas/pengaduan/{number}?pesan=tersimpan"
    page = get_page(client, verified.headers["location"])
    assert text_of(by_id(page, "status")) == "Sedang ditangani"
    empty = _step(client, number, "tindak-lanjut", text="")
    assert empty.status_code == 422
    assert "#tindak-lanjut-text" in {a.get("href") for a in find_all(check_page(empty.text), "a")}
    done = _step(client, number, "tindak-lanjut", text="Petugas meninjau lokasi hari ini.")
    assert done.status_code == 303
    page = get_page(client, f"/petugas/pengaduan/{number}")
    resolved = client.post(
        f"/petugas/pengaduan/{number}/selesai",
        data={"csrf_token": csrf(page), "proof": "Trotoar sudah dicor ulang hari ini."},
        files={"file1": ("hasil.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    page = get_page(client, f"/petugas/pengaduan/{number}")
    assert text_of(by_id(page, "status")) == "Selesai ditangani"
    link = find_all(by_id(page, "attachments"), "a")[-1].get("href")
    photo = client.get(str(link))
    assert photo.headers["content-type"] == "image/png"
    assert photo.headers["x-content-type-options"] == "nosniff"
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.execute(select(Complaint.tier)).scalar_one() == "minor"


def test_an_anonymous_reporter_is_not_shown_on_the_officer_page(client: TestClient) -> None:
    number, _ = _via_api(client, privacy="anonymous")
    _sign_in_page(client, HANDLER)
    page = get_page(client, f"/petugas/pengaduan/{number}")
    assert "anonim" in text_of(by_id(page, "reporter"))
    assert "Dewi" not in text_of(page) and "081298765432" not in json.dumps(text_of(page))


def test_a_forwarded_complaint_leaves_the_queue_with_a_notice(client: TestClient) -> None:
    number, _ = _via_api(client)
    _sign_in_page(client, HANDLER)
    moved = _step(
        client, number, "teruskan", to_unit="DINKES.LOKET", reason="Keluhan layanan puskesmas."
    )
    assert moved.status_code == 303 and moved.headers["location"].startswith("/petugas/pengaduan?")
    queue = get_page(client, moved.headers["location"])
    assert by_id(queue, f"complaint-{number}") is None
    assert "diteruskan" in text_of(queue)
    get_page(client, f"/petugas/pengaduan/{number}", status=404)


def test_the_complaint_workspace_needs_a_signed_in_officer(client: TestClient) -> None:
    response = client.get("/petugas/pengaduan", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/petugas/masuk")
