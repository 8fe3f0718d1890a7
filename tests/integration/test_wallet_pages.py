"""The wallet's pages without a mail server: the code is kept in the outbox folder, the
holder signs in, downloads, shares and stops a link; every page parsed and checked."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.integration.test_issued_documents import approved_ktp
from tests.pages import by_id, check_page, csrf, find_all, get_page, text_of

NIK = "3204014708900003"
EMAIL = "siti@contoh.id"


def _code_from_outbox(outbox: Path) -> str:
    newest = sorted(outbox.glob("*.eml"))[-1]
    message = message_from_bytes(newest.read_bytes())
    assert message["To"] == EMAIL
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return re.search(r"\b(\d{6})\b", body).group(1)  # type: ignore[union-attr]


def _sign_in(client: TestClient, outbox: Path) -> None:
    form = get_page(client, "/dompet")
    asked = client.post("/dompet/kode", data={"csrf_token": csrf(form), "nik": NIK, "email": EMAIL})
    code_page = check_page(asked.text)
    assert asked.status_code == 200 and "outbox" in text_of(code_page)
    entered = client.post(
        "/dompet/masuk",
        data={"csrf_token": csrf(code_page), "nik": NIK, "code": _code_from_outbox(outbox)},
        follow_redirects=False,
    )
    assert entered.status_code == 303 and "layan_wallet" in entered.headers["set-cookie"]
    assert "httponly" in entered.headers["set-cookie"].lower()


def test_the_holder_signs_in_downloads_and_shares_a_document(
    client: TestClient, tmp_path: Path, clock: Clock
) -> None:
    _n, _p, output = approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    assert (
        client.get(f"/dompet/dokumen/{output['id']}/pdf", follow_redirects=False).headers[
            "location"
        ]
        == "/dompet"
    )
    _sign_in(client, tmp_path / "outbox")
    wallet = get_page(client, "/dompet")
    assert output["number"] in text_of(wallet)
    pdf = client.get(f"/dompet/dokumen/{output['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    shared = client.post(
        f"/dompet/dokumen/{output['id']}/bagikan", data={"csrf_token": csrf(wallet), "hours": "1"}
    )
    page = check_page(shared.text)
    link = re.search(r"http://127\.0\.0\.1:8000(/bagikan/[\w-]+)", shared.text).group(1)  # type: ignore[union-attr]
    opened = get_page(client, link)
    assert "Dokumen sah" in text_of(opened) and output["number"] in text_of(opened)
    assert client.get(link + "/pdf").content.startswith(b"%PDF")
    stop = next(
        f.get("action") for f in find_all(page, "form") if "hentikan" in f.get("action", "")
    )
    stopped = client.post(stop, data={"csrf_token": csrf(page)}, follow_redirects=False)
    assert stopped.status_code == 303
    gone = get_page(client, link, status=410)
    assert "tidak berlaku" in text_of(gone)
    bad_hours = client.post(
        f"/dompet/dokumen/{output['id']}/bagikan", data={"csrf_token": csrf(page), "hours": "3"}
    )
    assert (
        bad_hours.status_code == 422
        and by_id(check_page(bad_hours.text), "error-summary") is not None
    )
    clock.advance(minutes=31)
    # The session ended: the sign-in form again.
    assert by_id(get_page(client, "/dompet"), "email") is not None


def test_a_wrong_code_shows_the_form_again_with_the_reason(client: TestClient) -> None:
    approved_ktp(client, applicant={"nik": NIK, "email": EMAIL})
    form = get_page(client, "/dompet")
    asked = client.post("/dompet/kode", data={"csrf_token": csrf(form), "nik": NIK, "email": EMAIL})
    code_page = check_page(asked.text)
    wrong = client.post(
        "/dompet/masuk", data={"csrf_token": csrf(code_page), "nik": NIK, "code": "12345"}
    )
    assert wrong.status_code == 422 and by_id(check_page(wrong.text), "error-summary") is not None
    bad = client.post("/dompet/kode", data={"csrf_token": csrf(form), "nik": "1", "email": "x"})
    tree = check_page(bad.text)
    assert bad.status_code == 422
    assert by_id(tree, "nik-error") is not None and by_id(tree, "email-error") is not None
