"""Once-only on the citizen's pages: the form takes an issued document's id (or offers the
wallet's documents) instead of an upload, and a draft is completed on the tracking page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from layan.core.codes import format_code
from tests.factories import application_parts, tasks_of
from tests.integration.test_once_only import NIK, _approved, _post
from tests.integration.test_wallet_pages import EMAIL, _sign_in
from tests.pages import by_id, check_page, csrf, find_all, get_page, sign_in_page, text_of


def _fill(
    client: TestClient, code: str, *, extra: dict[str, str], drop: tuple[str, ...], **kw: Any
):  # type: ignore[no-untyped-def]
    form = get_page(client, f"/layanan/{code}/ajukan")
    body, parts = application_parts(code, drop_files=drop, **kw)
    fields = {"csrf_token": csrf(form), **extra}
    fields.update({f"applicant.{k}": v for k, v in body["applicant"].items()})
    fields.update({f"data.{k}": str(v) for k, v in body["data"].items()})
    return client.post(
        f"/layanan/{code}/ajukan", data=fields, files={f"file.{k}": v for k, v in parts.items()}
    )


def _send(client: TestClient, code: str, checked: Any) -> Any:
    page = check_page(checked.text)
    draft = next(i.get("value") for i in find_all(page, "input") if i.get("name") == "draft")
    return client.post(f"/layanan/{code}/kirim", data={"csrf_token": csrf(page), "draft": draft})


def test_the_skck_form_takes_the_ids_of_documents_issued_on_layan(client: TestClient) -> None:
    kk = _approved(client, "kartu-keluarga", applicant={"nik": NIK})
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK}, seed=4)
    form = get_page(client, "/layanan/skck/ajukan")
    assert by_id(form, "issued-ktp") is not None and by_id(form, "file-ktp") is not None
    wrong = _fill(
        client, "skck", extra={"issued.ktp": kk["id"]}, drop=("ktp", "kk"), applicant={"nik": NIK}
    )
    assert wrong.status_code == 422
    page = check_page(wrong.text)
    assert "#issued-kk" in [a.get("href") for a in find_all(by_id(page, "error-summary"), "a")]
    checked = _fill(
        client,
        "skck",
        extra={"issued.ktp": ktp["id"], "issued.kk": kk["id"]},
        drop=("ktp", "kk"),
        applicant={"nik": NIK},
    )
    assert checked.status_code == 200, checked.text[:2000]
    assert format_code(ktp["id"]) in text_of(check_page(checked.text))
    sent = _send(client, "skck", checked)
    assert sent.status_code == 201, sent.text[:1000]


def test_an_open_wallet_offers_its_documents_on_the_form(client: TestClient, tmp_path: Any) -> None:
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK, "email": EMAIL})
    _sign_in(client, tmp_path / "outbox")
    form = get_page(client, "/layanan/skck/ajukan")
    choice = by_id(form, "issued-ktp")
    assert choice is not None and choice.tag.endswith("select")
    options = {o.get("value"): o.get("selected") for o in find_all(choice, "option")}
    assert ktp["id"] in options and options[ktp["id"]] is not None


def test_a_draft_is_completed_on_the_tracking_page_with_an_upload(client: TestClient) -> None:
    checked = _fill(client, "pbg", extra={}, drop=("ktp",), applicant={"nik": NIK})
    assert checked.status_code == 200, checked.text[:2000]
    assert "registri" in text_of(check_page(checked.text))
    sent = _send(client, "pbg", checked)
    assert sent.status_code == 202
    receipt = check_page(sent.text)
    assert "draf" in text_of(receipt).lower()
    number = text_of(by_id(receipt, "tracking-number")).replace("-", "")
    pin = text_of(by_id(receipt, "pin"))
    public = get_page(client, f"/lacak/{number}")
    assert "Draf" in text_of(public)
    opened = client.post(f"/lacak/{number}", data={"csrf_token": csrf(public), "pin": pin})
    page = check_page(opened.text)
    assert by_id(page, "file-ktp") is not None
    done = client.post(
        f"/lacak/{number}/lengkapi",
        data={"csrf_token": csrf(page), "pin": pin},
        files={"file.ktp": ("ktp.pdf", b"%PDF-1.4 ktp", "application/pdf")},
    )
    assert done.status_code == 201, done.text[:1000]
    assert text_of(by_id(check_page(done.text), "tracking-number")).replace("-", "") == number
    assert "Diproses" in text_of(get_page(client, f"/lacak/{number}"))


def test_the_officer_opens_the_issued_document_a_requirement_was_met_with(
    client: TestClient,
) -> None:
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK})
    skck = _post(
        client, "skck", applicant={"nik": NIK}, drop_files=("ktp",), issued={"ktp": ktp["id"]}
    )
    assert skck.status_code == 201, skck.text
    number, pin = skck.json()["tracking_number"], skck.json()["pin"]
    (task,) = [
        t for t in tasks_of(client, "polres-skck-frontdesk") if t["tracking_number"] == number
    ]
    sign_in_page(client, "polres-skck-frontdesk")
    page = get_page(client, f"/petugas/tugas/{task['id']}")
    section = text_of(page)
    assert "Dipenuhi dari data pemerintah" in section and ktp["id"] in section
    link = next(a.get("href") for a in find_all(page, "a") if "/bukti/" in (a.get("href") or ""))
    opened = client.get(link)
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF")
    assert client.get(link.rsplit("/", 1)[0] + "/999999").status_code == 404
    log = client.get(
        f"/api/v1/applications/{number}/access-log", headers={"X-Tracking-Pin": pin}
    ).json()
    assert "issued_document:ktp" in [e["what"] for e in log]
