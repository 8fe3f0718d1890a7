"""The citizen's pages through the ASGI client: every page parsed and checked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import application_parts, standard
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of


def test_the_home_page_finds_services_by_a_citizens_words(client: TestClient) -> None:
    page = get_page(client, "/?q=KTP+hilang")
    links = [a.get("href") for a in find_all(page, "a")]
    assert links.index("/layanan/ktp-el-hilang") < links.index("/layanan/ktp-el-baru")
    building = get_page(client, "/?q=izin+bangunan")
    results = find_all(find_all(building, "section")[0], "a")
    assert results[0].get("href") == "/layanan/pbg"


def test_the_catalogue_can_be_browsed_by_life_event_and_agency(client: TestClient) -> None:
    page = get_page(client, "/?peristiwa=kelahiran")
    assert "/layanan/akta-kelahiran" in [a.get("href") for a in find_all(page, "a")]
    home = get_page(client, "/")
    assert "Dinas Penanaman Modal" in text_of(home)


def test_a_service_page_publishes_all_fourteen_components(client: TestClient) -> None:
    page = get_page(client, "/layanan/pbg")
    rows = [r for r in find_all(page, "tr") if find_all(r, "td")]
    assert [text_of(find_all(r, "td")[0]) for r in rows] == [str(n) for n in range(1, 15)]
    body = text_of(page)
    assert "28 hari kerja" in body and "PUPR.TPT" in body
    assert "Dikerjakan bersamaan" in body  # the parallel review is shown as such


def test_the_pages_speak_english_when_switched_and_remember_it(client: TestClient) -> None:
    switched = client.get("/layanan/pbg?lang=en", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/layanan/pbg"
    assert "lang=en" in switched.headers["set-cookie"]
    page = get_page(client, "/layanan/pbg")  # the cookie is remembered by the client
    assert "28 working days" in text_of(page)
    assert page.get("lang") == "en"


def test_an_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    page = get_page(client, "/layanan/no-such-service", status=404)
    assert "tidak ditemukan" in text_of(page).lower()


def _post_application(client: TestClient, code: str, **overrides):  # type: ignore[no-untyped-def]
    form = get_page(client, f"/layanan/{code}/ajukan")
    body, parts = application_parts(code, **overrides)
    fields = {"csrf_token": csrf(form)}
    fields.update({f"applicant.{k}": v for k, v in body["applicant"].items()})
    fields.update({f"data.{k}": str(v) for k, v in body["data"].items()})
    files = {f"file.{k}": v for k, v in parts.items()}
    return client.post(f"/layanan/{code}/ajukan", data=fields, files=files)


def test_a_citizen_applies_checks_the_answers_and_gets_a_receipt(client: TestClient) -> None:
    checked = _post_application(client, "skck")
    assert checked.status_code == 200, checked.text[:1000]
    page = check_page(checked.text)
    draft = next(i.get("value") for i in find_all(page, "input") if i.get("name") == "draft")
    sent = client.post("/layanan/skck/kirim", data={"csrf_token": csrf(page), "draft": draft})
    assert sent.status_code == 201
    receipt = check_page(sent.text)
    number = text_of(by_id(receipt, "tracking-number")).replace("-", "")
    pin = text_of(by_id(receipt, "pin"))
    assert len(number) == 12 and re.fullmatch(r"\d{6}", pin)
    again = client.post("/layanan/skck/kirim", data={"csrf_token": csrf(page), "draft": draft})
    assert text_of(by_id(check_page(again.text), "tracking-number")).replace("-", "") == number
    tracked = get_page(client, f"/lacak/{number}")
    assert "Diproses" in text_of(tracked)


def test_mistakes_are_listed_at_the_top_and_beside_each_field(client: TestClient) -> None:
    response = _post_application(
        client, "skck", applicant={"nik": "3201010101010000"}, data={"birth_date": "31-02-1990"}
    )
    assert response.status_code == 422
    page = check_page(response.text)
    summary = by_id(page, "error-summary")
    targets = [a.get("href") for a in find_all(summary, "a")]
    assert "#applicant-nik" in targets and "#data-birth_date" in targets
    assert by_id(page, "applicant-nik-error") is not None
    nik_input = by_id(page, "applicant-nik")
    assert nik_input.get("aria-invalid") == "true"
    # documents that passed are kept: the page says so instead of asking again
    assert "Sudah diunggah" in text_of(page)


def test_a_form_without_its_token_is_refused(client: TestClient) -> None:
    get_page(client, "/layanan/skck/ajukan")
    response = client.post(
        "/layanan/skck/ajukan",
        data={"applicant.nik": "1"},
        files={"file.ktp": ("k.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert response.status_code == 403


def test_the_nik_is_checked_as_it_is_typed(client: TestClient) -> None:
    good = client.get("/cek/nik", params={"applicant.nik": "3204015708900001"})
    assert "Jawa Barat" in good.text and "perempuan" in good.text
    bad = client.get("/cek/nik", params={"applicant.nik": "3204"})
    assert "16 digit" in bad.text


def test_tracking_shows_status_without_the_pin_and_everything_with_it(client: TestClient) -> None:
    from tests.factories import submit

    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    public = get_page(client, f"/lacak/{number}")
    assert "NIK" not in text_of(public)
    wrong = client.post(f"/lacak/{number}", data={"csrf_token": csrf(public), "pin": "000000"})
    assert wrong.status_code == 404
    opened = client.post(f"/lacak/{number}", data={"csrf_token": csrf(public), "pin": pin})
    page = check_page(opened.text)
    assert "NIK" in text_of(page) and "Siti" not in text_of(public)
    found = client.get(
        "/lacak",
        params={"nomor": f"{number[:4]}-{number[4:8]}-{number[8:]}"},
        follow_redirects=False,
    )
    assert found.headers["location"] == f"/lacak/{number}"


def test_a_returned_application_is_fixed_and_resubmitted_from_the_tracking_page(
    client: TestClient,
) -> None:
    from tests.factories import officer_for, sign_in, submit

    receipt = submit(client, "skck").json()
    number, pin = receipt["tracking_number"], receipt["pin"]
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    officer = sign_in(client, officer_for("POLRES.SKCK", "front_desk"))
    client.post(
        f"/api/v1/tasks/{steps[0]['task_id']}/decision",
        headers=officer,
        json={"outcome": "return", "reason": "Pas foto buram"},
    )
    public = get_page(client, f"/lacak/{number}")
    opened = check_page(
        client.post(f"/lacak/{number}", data={"csrf_token": csrf(public), "pin": pin}).text
    )
    assert "Pas foto buram" in text_of(opened)
    fixed = client.post(
        f"/lacak/{number}/perbaiki",
        data={"csrf_token": csrf(opened), "pin": pin},
        files={"file.photo": ("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
    )
    assert fixed.status_code == 200, fixed.text[:800]
    assert "Diproses" in text_of(check_page(fixed.text))
    assert client.get(f"/api/v1/applications/{number}").json()["status"] == "in_process"


def test_every_document_requirement_says_its_types_and_size_up_front(client: TestClient) -> None:
    page = get_page(client, "/layanan/pbg/ajukan")
    for slot in standard("pbg").document_slots():
        hint = by_id(page, f"file-{slot.code}-hint")
        assert hint is not None and "KB" in text_of(hint), slot.code
