"""The pages of issued documents: verification for anyone, the applicant's downloads, and
the issuing agency's list with revocation; every page parsed and checked."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.core.access_log import AccessLogEntry
from layan.core.db import Database
from tests.integration.test_issued_documents import approved_ktp
from tests.pages import by_id, check_page, csrf, find_all, get_page, sign_in_page, text_of

NIK = "3204014708900003"


def test_the_printed_address_says_a_document_is_valid_and_masks_its_holder(
    client: TestClient,
) -> None:
    _number, _pin, output = approved_ktp(client, applicant={"nik": NIK, "name": "Siti Aminah"})
    page = get_page(client, f"/v/{output['id']}")
    body = text_of(page)
    assert "Dokumen sah" in body and output["number"] in body and "S*** A*****" in body
    assert "Aminah" not in body
    form = page
    match = client.post(f"/v/{output['id']}", data={"csrf_token": csrf(form), "nik": NIK})
    assert match.status_code == 200 and "NIK cocok" in text_of(check_page(match.text))
    other = client.post(
        f"/v/{output['id']}", data={"csrf_token": csrf(form), "nik": "3204011708900001"}
    )
    assert "tidak cocok" in text_of(check_page(other.text))
    bad = client.post(f"/v/{output['id']}", data={"csrf_token": csrf(form), "nik": "123"})
    assert bad.status_code == 422 and by_id(check_page(bad.text), "nik-error") is not None


def test_a_pasted_qr_text_or_a_typed_id_is_verified_and_a_forgery_is_refused(
    client: TestClient,
) -> None:
    _number, _pin, output = approved_ktp(client)
    form = get_page(client, "/verifikasi")
    token = csrf(form)
    scanned = client.post("/verifikasi", data={"csrf_token": token, "code": output["jws"]})
    assert scanned.status_code == 200 and "Dokumen sah" in text_of(check_page(scanned.text))
    spoken = "-".join(output["id"][i : i + 4] for i in (0, 4, 8)).lower()
    typed = client.post("/verifikasi", data={"csrf_token": token, "code": spoken})
    assert typed.status_code == 200 and output["number"] in typed.text
    address = client.post("/verifikasi", data={"csrf_token": token, "code": output["verify_url"]})
    assert address.status_code == 200 and output["number"] in address.text
    head, payload, signature = output["jws"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["valid_until"] = "2099-12-31"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{changed}.{signature}"
    refused = client.post("/verifikasi", data={"csrf_token": token, "code": forged})
    assert "Tanda tangan tidak sah" in text_of(check_page(refused.text))
    garbage = client.post("/verifikasi", data={"csrf_token": token, "code": "hello"})
    assert garbage.status_code == 422 and by_id(check_page(garbage.text), "code-error") is not None
    unknown = client.post("/verifikasi", data={"csrf_token": token, "code": "ABCDEFGHJKMN"})
    assert unknown.status_code in (404, 422)
    check_page(unknown.text)


def test_the_applicant_downloads_the_pdf_from_the_tracking_page(client: TestClient) -> None:
    number, pin, output = approved_ktp(client)
    track = get_page(client, f"/lacak/{number}")
    page = client.post(f"/lacak/{number}", data={"csrf_token": csrf(track), "pin": pin})
    tree = check_page(page.text)
    assert output["number"] in text_of(tree)
    actions = [f.get("action") for f in find_all(tree, "form")]
    download = f"/lacak/{number}/keluaran/{output['id']}"
    assert download in actions
    pdf = client.post(download, data={"csrf_token": csrf(tree), "pin": pin})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    wrong = client.post(download, data={"csrf_token": csrf(tree), "pin": "999999"})
    assert wrong.status_code == 404


def test_an_approver_revokes_from_the_agency_list_and_a_read_is_logged(
    client: TestClient, db: Database
) -> None:
    number, _pin, output = approved_ktp(client)
    sign_in_page(client, "polres-kasat")
    assert output["number"] not in text_of(get_page(client, "/petugas/keluaran"))
    assert client.get(f"/petugas/keluaran/{output['id']}/pdf").status_code == 404
    client.cookies.clear()
    sign_in_page(client, "disdukcapil-kabid")
    page = get_page(client, "/petugas/keluaran?cari=" + output["number"])
    assert output["number"] in text_of(page)
    opened = client.get(f"/petugas/keluaran/{output['id']}/pdf")
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF")
    with db.unit_of_work(readonly=True) as uow:
        reads = (
            uow.session.execute(select(AccessLogEntry).where(AccessLogEntry.case_id == number))
            .scalars()
            .all()
        )
    assert [r.what for r in reads] == [f"output:{output['id']}"]
    action = f"/petugas/keluaran/{output['id']}/cabut"
    blank = client.post(action, data={"csrf_token": csrf(page), "reason": ""})
    assert blank.status_code == 422
    assert by_id(check_page(blank.text), f"reason-{output['id']}-error") is not None
    done = client.post(
        action,
        data={"csrf_token": csrf(page), "reason": "Data tidak benar"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    listed = get_page(client, done.headers["location"])
    assert "dicabut" in text_of(listed).lower()
    verdict = get_page(client, f"/v/{output['id']}")
    assert "Dokumen dicabut" in text_of(verdict) and "Data tidak benar" in text_of(verdict)
