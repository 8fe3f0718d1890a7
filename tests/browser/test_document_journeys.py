"""The whole journey of an issued document in a real browser: an official approves a
KTP-el, the citizen downloads its PDF, its QR code scans to the JWS that the public keys
alone verify, a changed byte fails, and her SKCK then asks for no upload of the KTP-el."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_citizen_journeys import _fill_application
from tests.browser.test_officer_journeys import _open_steps, _sign_in
from tests.factories import application_parts, officer_for, standard

NIK = "3204015508950004"


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _submitted_ktp(server: str) -> tuple[str, str]:
    body, parts = application_parts("ktp-el-baru", applicant={"nik": NIK, "name": "Rina Wati"})
    answer = httpx.post(
        f"{server}/api/v1/applications",
        data={"application": json.dumps(body)},
        files={k: (n, c, t) for k, (n, c, t) in parts.items()},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["tracking_number"], answer.json()["pin"]


def _token(server: str, username: str) -> dict[str, str]:
    answer = httpx.post(
        f"{server}/api/v1/auth/token", data={"username": username, "password": "layan-demo"}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_ktp_el_approved_in_the_browser_is_downloaded_scanned_verified_and_reused(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    number, pin = _submitted_ktp(server)
    roles = {s.code: s.role for s in standard("ktp-el-baru").procedure}
    last = standard("ktp-el-baru").procedure[-1].code
    for _ in range(5):  # every step but the last by the API
        step = _open_steps(server, number)[0]
        if step["step"] == last:
            break
        officer = officer_for(step["unit"], roles[step["step"]])
        decided = httpx.post(
            f"{server}/api/v1/tasks/{step['task_id']}/decision",
            headers=_token(server, officer),
            json={"outcome": "approve"},
        )
        assert decided.status_code == 200, decided.text
    approver = _sign_in(browser, server, officer_for(step["unit"], roles[last]))
    approver.goto(f"/petugas/tugas/{step['task_id']}")
    approver.check("#outcome-approve")
    approver.get_by_role("button", name="Simpan keputusan").click()
    expect(approver.locator("h1")).to_be_visible()
    approver.context.close()

    # The citizen opens her application and downloads the PDF.
    page.goto(f"/lacak/{number}")
    page.fill("#pin", pin)
    page.get_by_role("button", name="Buka").click()
    expect(page.locator("#dokumen")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh PDF").click()
    pdf = tmp_path / "ktp.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "scan")],
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "scan.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    header, payload, signature = scanned.split(".")
    kid = json.loads(_b64(header))["kid"]
    key = next(k for k in httpx.get(f"{server}/api/v1/keys").json() if k["kid"] == kid)
    Ed25519PublicKey.from_public_bytes(_b64(key["x"])).verify(
        _b64(signature), f"{header}.{payload}".encode()
    )  # raises if it does not hold
    document = json.loads(_b64(payload))
    assert document["service_code"] == "ktp-el-baru" and document["application"] == number

    # Anyone checks it on the printed address; a changed byte is refused.
    page.goto(f"/v/{document['id']}")
    expect(page.locator("main")).to_contain_text("Dokumen sah")
    assert axe_violations(page) == []
    claims = json.loads(_b64(payload))
    claims["subject_name"] = "Orang Lain"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    page.goto("/verifikasi")
    page.fill("#code", f"{header}.{forged}.{signature}")
    page.get_by_role("button", name="Periksa").click()
    expect(page.locator("main")).to_contain_text("Tanda tangan tidak sah")

    # Her SKCK takes the KTP-el by its id: nothing to upload for it.
    _fill_application(page, "skck", tmp_path, seed=5)
    page.fill("#applicant-nik", NIK)
    page.set_input_files("#file-ktp", [])
    page.fill("#issued-ktp", "-".join(document["id"][i : i + 4] for i in (0, 4, 8)))
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile("periksa jawaban", re.I)).click()
    expect(page.locator("main")).to_contain_text(document["id"][:4] + "-")
    page.get_by_role("button", name=re.compile("Kirim permohonan")).click()
    skck = page.locator("#tracking-number").inner_text().replace("-", "").strip()
    opened = httpx.get(
        f"{server}/api/v1/applications/{skck}",
        headers={"X-Tracking-Pin": page.locator("#pin").inner_text().strip()},
    ).json()
    assert "ktp" not in {d["slot"] for d in opened["documents"]}
