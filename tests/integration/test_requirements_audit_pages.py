"""The agency admin's requirement audit (page and CSV) and signing keys page."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.integration.test_once_only import NIK, _approved, _post
from tests.pages import csrf, get_page, sign_in_page, text_of


def test_the_audit_shows_candidates_and_counts_the_uploads_once_only_removed(
    client: TestClient,
) -> None:
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK})
    skck = _post(
        client, "skck", applicant={"nik": NIK}, drop_files=("ktp",), issued={"ktp": ktp["id"]}
    )
    assert skck.status_code == 201
    sign_in_page(client, "polres-admin")
    page = text_of(get_page(client, "/petugas/admin/persyaratan"))
    assert "Audit persyaratan: POLRES" in page and "ktp-el" in page
    months = client.get("/petugas/admin/persyaratan-bulanan.csv")
    rows = list(csv.reader(io.StringIO(months.text.lstrip("\ufeff"))))
    assert rows[0] == ["agency", "month", "issued_documents", "registry_lookups", "total"]
    assert rows[1][0] == "POLRES" and rows[1][1:] == ["2026-06", "1", "0", "1"]
    listed = client.get("/petugas/admin/persyaratan.csv")
    assert listed.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(listed.text.lstrip("\ufeff"))))
    assert {r["service"] for r in table} == {"skck"}
    ktp_row = next(r for r in table if r["requirement"] == "ktp")
    assert ktp_row["once_only"] == "yes" and "pbg" in ktp_row["also_asked_by"]
    assert client.get("/petugas/admin/persyaratan?instansi=DISDUKCAPIL").status_code == 403
    client.cookies.clear()
    sign_in_page(client, "dpmptsp-admin")
    reklame = text_of(get_page(client, "/petugas/admin/persyaratan"))
    assert "kind: issued_document, services: [ktp-el-baru, ktp-el-hilang]" in reklame
    client.cookies.clear()
    sign_in_page(client, "polres-skck-frontdesk")
    assert client.get("/petugas/admin/persyaratan").status_code == 403


def test_an_agency_admin_rotates_its_signing_key(client: TestClient) -> None:
    before = {k["kid"] for k in client.get("/api/v1/keys").json() if k["agency"] == "POLRES"}
    sign_in_page(client, "polres-admin")
    page = get_page(client, "/petugas/admin/kunci")
    assert all(kid in text_of(page) for kid in before)
    done = client.post(
        "/petugas/admin/kunci/ganti",
        data={"csrf_token": csrf(page), "instansi": "POLRES"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    keys = [k for k in client.get("/api/v1/keys").json() if k["agency"] == "POLRES"]
    assert {k["kid"] for k in keys if k["status"] == "retired"} == before
    assert len([k for k in keys if k["status"] == "active"]) == 1
    refused = client.post(
        "/petugas/admin/kunci/ganti", data={"csrf_token": csrf(page), "instansi": "DISDUKCAPIL"}
    )
    assert refused.status_code == 403
