"""Issued documents: approving issues a signed output, rejecting a signed refusal letter.

The QR code on the PDF holds exactly the JWS; anyone verifies it with the public keys
alone (checked here with `cryptography` directly, not with the platform's own code); a
changed byte fails; a revoked document says so; rotated keys keep old documents valid.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.applications import privacy
from layan.core.db import Database
from layan.core.events import SYSTEM, Event
from layan.documents import keys
from layan.documents.models import IssuedOutput, SigningKey
from tests.factories import sign_in, submit, work_through

DISDUKCAPIL_APPROVER = "disdukcapil-kabid"


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_offline(jws: str, jwks: list[dict[str, str]]) -> dict[str, Any]:
    """What any verifier does with the keys list only: find the key, check the signature."""
    header_b64, payload_b64, signature_b64 = jws.split(".")
    header = json.loads(_b64(header_b64))
    assert header["alg"] == "EdDSA"
    key = next(k for k in jwks if k["kid"] == header["kid"])
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    public = Ed25519PublicKey.from_public_bytes(_b64(key["x"]))
    public.verify(_b64(signature_b64), f"{header_b64}.{payload_b64}".encode())
    return json.loads(_b64(payload_b64))  # type: ignore[no-any-return]


def approved_ktp(client: TestClient, **overrides: Any) -> tuple[str, str, dict[str, Any]]:
    """A KTP-el application worked to approval: (tracking number, PIN, its output)."""
    receipt = submit(client, "ktp-el-baru", **overrides)
    assert receipt.status_code == 201, receipt.text
    number, pin = receipt.json()["tracking_number"], receipt.json()["pin"]
    answer = work_through(client, number, "ktp-el-baru")
    assert answer["application_status"] == "approved" and len(answer["outputs"]) == 1
    tracked = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin})
    (output,) = tracked.json()["outputs"]
    return number, pin, output


def test_an_approved_ktp_el_issues_a_signed_output_the_keys_alone_verify(
    client: TestClient,
) -> None:
    number, _pin, output = approved_ktp(client, applicant={"nik": "3204014708900003"})
    assert output["kind"] == "output"
    assert output["number"].startswith("470/") and "/DISDUKCAPIL/" in output["number"]
    assert output["verify_url"].endswith(f"/v/{output['id']}")
    payload = verify_offline(output["jws"], client.get("/api/v1/keys").json())
    assert payload["id"] == output["id"] and payload["number"] == output["number"]
    assert payload["agency"] == "DISDUKCAPIL" and payload["service_code"] == "ktp-el-baru"
    assert payload["application"] == number
    import hashlib

    assert payload["subject_nik_sha256"] == hashlib.sha256(b"3204014708900003").hexdigest()
    assert "3204014708900003" not in json.dumps(payload)  # the NIK only as its digest


def test_a_changed_byte_of_the_jws_fails_verification(client: TestClient) -> None:
    _number, _pin, output = approved_ktp(client)
    jwks = client.get("/api/v1/keys").json()
    head, body, signature = output["jws"].split(".")
    payload = json.loads(_b64(body))
    payload["subject_name"] = payload["subject_name"] + "x"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    forged = f"{head}.{forged_body}.{signature}"
    try:
        verify_offline(forged, jwks)
    except InvalidSignature:
        pass
    else:
        raise AssertionError("a changed payload verified")
    flipped = output["jws"][:-2] + ("A" if output["jws"][-2] != "A" else "B") + output["jws"][-1]
    for bad in (forged, flipped):
        answer = client.post("/api/v1/outputs/verification", json={"jws": bad})
        assert answer.status_code == 200, answer.text
        assert answer.json()["valid"] is False and answer.json()["signature_valid"] is False
    good = client.post("/api/v1/outputs/verification", json={"jws": output["jws"]}).json()
    assert good["valid"] is True and good["known"] is True


def test_the_pdf_carries_a_qr_code_holding_exactly_the_jws(
    client: TestClient, tmp_path: Path
) -> None:
    number, pin, output = approved_ktp(client)
    response = client.get(
        f"/api/v1/applications/{number}/outputs/{output['id']}/pdf",
        headers={"X-Tracking-Pin": pin},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    (tmp_path / "doc.pdf").write_bytes(response.content)
    # 150 dpi: what a cheap scanner or a phone photo of the paper gives.
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "doc.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "page.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert scanned.stdout.strip() == output["jws"]
    text = subprocess.run(
        ["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert output["number"] in text and f"/v/{output['id']}" in text


def test_the_pdf_needs_the_pin_of_its_own_application(client: TestClient) -> None:
    number, pin, output = approved_ktp(client)
    other = submit(client, "skck", seed=5).json()
    url = f"/api/v1/applications/{number}/outputs/{output['id']}/pdf"
    assert client.get(url, headers={"X-Tracking-Pin": "000000"}).status_code == 404
    elsewhere = f"/api/v1/applications/{other['tracking_number']}/outputs/{output['id']}/pdf"
    assert client.get(elsewhere, headers={"X-Tracking-Pin": other["pin"]}).status_code == 404
    assert client.get(url, headers={"X-Tracking-Pin": pin}).status_code == 200


def test_verification_by_id_names_the_agency_and_masks_the_subject(client: TestClient) -> None:
    _number, _pin, output = approved_ktp(client, applicant={"name": "Siti Aminah"})
    answer = client.get(f"/api/v1/outputs/{output['id']}/verify")
    assert answer.status_code == 200
    body = answer.json()
    assert body["valid"] is True and body["revoked"] is False and body["revocation_reason"] is None
    assert body["agency"] == "DISDUKCAPIL" and body["service_code"] == "ktp-el-baru"
    assert body["issued_at"].endswith("Z")
    assert body["subject"]["name"] == "S*** A*****"
    assert "Aminah" not in json.dumps(body)
    assert client.get("/api/v1/outputs/ABCDEFGHJKMN/verify").status_code == 404


def test_a_revoked_output_says_so_with_its_reason(client: TestClient, db: Database) -> None:
    _number, _pin, output = approved_ktp(client)
    url = f"/api/v1/outputs/{output['id']}/revocation"
    reason = {"reason": "Diterbitkan atas data yang keliru"}
    outsider = client.post(url, headers=sign_in(client, "polres-kasat"), json=reason)
    assert outsider.status_code == 403
    processor = client.post(url, headers=sign_in(client, "disdukcapil-pendaftaran"), json=reason)
    assert processor.status_code == 403
    blank = client.post(url, headers=sign_in(client, DISDUKCAPIL_APPROVER), json={"reason": " "})
    assert blank.status_code == 422 and blank.json()["error"]["fields"][0]["field"] == "reason"
    done = client.post(url, headers=sign_in(client, DISDUKCAPIL_APPROVER), json=reason)
    assert done.status_code == 204, done.text
    again = client.post(url, headers=sign_in(client, DISDUKCAPIL_APPROVER), json=reason)
    assert again.status_code == 409
    body = client.get(f"/api/v1/outputs/{output['id']}/verify").json()
    assert body["valid"] is False and body["revoked"] is True
    assert body["revocation_reason"] == reason["reason"]
    scanned = client.post("/api/v1/outputs/verification", json={"jws": output["jws"]}).json()
    assert scanned["revoked"] is True and scanned["signature_valid"] is True
    with db.unit_of_work(readonly=True) as uow:
        event = uow.session.execute(
            select(Event).where(Event.activity == "output revoked")
        ).scalar_one()
    assert event.payload["output"] == output["id"] and "reason" not in event.payload


def test_a_rejection_issues_a_signed_refusal_letter(client: TestClient, db: Database) -> None:
    receipt = submit(client, "skck", seed=3).json()
    number = receipt["tracking_number"]
    answer = work_through(
        client,
        number,
        "skck",
        last="reject",
        reason="Sidik jari tidak terbaca",
        legal_basis="Perpol 6/2023 Pasal 9",
    )
    assert answer["application_status"] == "rejected" and len(answer["outputs"]) == 1
    tracked = client.get(
        f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": receipt["pin"]}
    ).json()
    (letter,) = tracked["outputs"]
    assert letter["kind"] == "refusal"
    payload = verify_offline(letter["jws"], client.get("/api/v1/keys").json())
    assert payload["legal_basis"] == "Perpol 6/2023 Pasal 9"
    assert "Sidik jari" not in letter["jws"] and len(payload["reason_sha256"]) == 64
    with db.unit_of_work(readonly=True) as uow:
        issued = uow.session.execute(
            select(func.count()).select_from(Event).where(Event.activity == "output issued")
        ).scalar_one()
        row = uow.session.get(IssuedOutput, letter["id"])
        assert row is not None and row.agency_code == "POLRES"
    assert issued == 1


def test_rotating_a_key_keeps_earlier_documents_valid_and_signs_new_ones_with_the_new_key(
    client: TestClient, db: Database
) -> None:
    from layan.core.events import SYSTEM
    from layan.documents.keys import rotate_key

    _n, _p, before = approved_ktp(client, seed=11)
    old_kid = json.loads(_b64(before["jws"].split(".")[0]))["kid"]
    new_kid = rotate_key(db, client.app.state.issuer.keys, "DISDUKCAPIL", SYSTEM)
    assert new_kid != old_kid
    keys = {k["kid"]: k for k in client.get("/api/v1/keys").json()}
    assert keys[old_kid]["status"] == "retired" and keys[new_kid]["status"] == "active"
    _n, _p, after = approved_ktp(client, seed=12)
    assert json.loads(_b64(after["jws"].split(".")[0]))["kid"] == new_kid
    for output in (before, after):
        verify_offline(output["jws"], list(keys.values()))
        assert client.get(f"/api/v1/outputs/{output['id']}/verify").json()["valid"] is True
    active = [k for k in keys.values() if k["agency"] == "DISDUKCAPIL" and k["status"] == "active"]
    assert len(active) == 1


def test_the_retention_purge_erases_refusal_letters_and_keeps_issued_outputs(
    client: TestClient, db: Database, clock: Any
) -> None:
    _n, _p, kept = approved_ktp(client)
    receipt = submit(client, "ktp-el-baru", seed=21).json()
    answer = work_through(client, receipt["tracking_number"], "ktp-el-baru", last="reject")
    (letter,) = answer["outputs"]
    blobs = client.app.state.issuer.blobs
    with db.unit_of_work(readonly=True) as uow:
        digest = uow.session.get(IssuedOutput, letter).pdf_digest
    assert digest and blobs.exists(digest)
    clock.advance(days=3651)
    result = privacy.purge_expired(db, blobs)
    assert result.refusal_letters == 1
    assert client.get(f"/api/v1/outputs/{letter}/verify").status_code == 404
    assert not blobs.exists(digest)
    with db.unit_of_work(readonly=True) as uow:
        row = uow.session.get(IssuedOutput, letter)
        assert row is not None and row.jws == "" and row.subject_name == "(dihapus)"
    assert client.get(f"/api/v1/outputs/{kept['id']}/verify").status_code == 200


def test_servers_starting_at_once_make_one_key_per_agency(db: Database, tmp_path: Path) -> None:
    # Two processes start on a database without keys: each makes what it finds missing in
    # one transaction; the one that loses the race reads the winner's keys instead.
    agencies = ["disdukcapil", "dpmptsp", "polres"]
    start = threading.Barrier(2)

    def starting(name: str) -> list[str]:
        start.wait()
        return keys.ensure_keys(db, keys.KeyFolder(tmp_path / name), agencies, SYSTEM)

    with ThreadPoolExecutor(2) as pool:
        made = [f.result() for f in [pool.submit(starting, n) for n in ("a", "b")]]
    assert sorted(len(m) for m in made) == [0, 3]
    with db.unit_of_work(readonly=True) as uow:
        active = uow.session.execute(
            select(SigningKey.agency_code).where(SigningKey.status == keys.ACTIVE)
        ).scalars()
        assert sorted(active) == agencies
    assert keys.ensure_keys(db, keys.KeyFolder(tmp_path / "c"), agencies, SYSTEM) == []
