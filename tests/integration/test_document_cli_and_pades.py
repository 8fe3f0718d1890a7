"""The `layan keys` and `layan documents` commands, and PAdES signatures for an agency
that installed a certificate (checked with pyHanko's own validation)."""

from __future__ import annotations

import io
import json
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from typer.testing import CliRunner

from layan.cli import app
from tests.conftest import SECRET
from tests.integration.test_issued_documents import approved_ktp

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, sqlite_base: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    copy = tmp_path / "layan.db"
    shutil.copyfile(sqlite_base, copy)
    values = {
        "LAYAN_DATABASE_URL": f"sqlite:///{copy}",
        "LAYAN_DATA_DIR": str(tmp_path),
        "LAYAN_SECRET_KEY": SECRET,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_keys_are_made_kept_private_rotated_and_listed(env: dict[str, str], tmp_path: Path) -> None:
    made = runner.invoke(app, ["keys", "ensure"])
    assert made.exit_code == 0, made.stderr
    folder = tmp_path / "keys"
    files = sorted(folder.glob("*.pem"))
    assert len(files) == 6  # one per demo agency
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    again = runner.invoke(app, ["keys", "ensure"])
    assert "0 key(s) made" in again.stdout
    rotated = runner.invoke(app, ["keys", "rotate", "POLRES"])
    assert rotated.exit_code == 0 and "retired" in rotated.stdout
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.stdout.count("POLRES") == 2 and "retired" in listed.stdout
    unknown = runner.invoke(app, ["keys", "rotate", "NOPE"])
    assert unknown.exit_code == 1


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key as a PKCS#12 file, as an authority would issue."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Disdukcapil Suka Maju")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = tmp_path / "agency.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"agency", key, cert, None, BestAvailableEncryption(b"rahasia")
        )
    )
    pem = tmp_path / "root.pem"
    pem.write_bytes(cert.public_bytes(Encoding.PEM))
    return p12, pem


def test_an_agency_with_a_certificate_issues_pades_signed_pdfs(
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    p12, root = _certificate(tmp_path)
    for key, value in {
        "LAYAN_DATABASE_URL": settings.database_url,
        "LAYAN_DATA_DIR": str(settings.data_dir),
        "LAYAN_SECRET_KEY": SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    wrong = runner.invoke(
        app, ["keys", "import-certificate", "DISDUKCAPIL", str(p12), "--passphrase", "salah"]
    )
    assert wrong.exit_code == 1
    done = runner.invoke(
        app, ["keys", "import-certificate", "DISDUKCAPIL", str(p12), "--passphrase", "rahasia"]
    )
    assert done.exit_code == 0, done.stderr
    assert (
        stat.S_IMODE((settings.data_dir / "keys/pades/DISDUKCAPIL/key.pem").stat().st_mode) == 0o600
    )
    number, pin, output = approved_ktp(client)
    pdf = client.get(
        f"/api/v1/applications/{number}/outputs/{output['id']}/pdf", headers={"X-Tracking-Pin": pin}
    ).content
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(root))])
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    # The QR code's JWS is unchanged by the PAdES signature: it still verifies.
    assert client.get(f"/api/v1/outputs/{output['id']}/verify").json()["valid"] is True


def test_a_document_is_verified_offline_with_a_saved_copy_of_the_keys(
    client: TestClient, tmp_path: Path
) -> None:
    _n, _p, output = approved_ktp(client)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(client.get("/api/v1/keys").json()))
    good = runner.invoke(app, ["documents", "verify", output["jws"], "--keys", str(keys_file)])
    assert good.exit_code == 0, good.stderr
    assert json.loads(good.stdout)["number"] == output["number"]
    head, body, sig = output["jws"].split(".")
    bad = runner.invoke(
        app, ["documents", "verify", f"{head}.{body}.{sig[::-1]}", "--keys", str(keys_file)]
    )
    assert bad.exit_code == 1 and "NOT VALID" in bad.stderr
    keys_file.write_text("[]")
    unknown = runner.invoke(app, ["documents", "verify", output["jws"], "--keys", str(keys_file)])
    assert unknown.exit_code == 1 and "not in the list" in unknown.stderr
