"""PAdES signatures inside a PDF (pyHanko), for agencies that hold a certificate.

The QR code's JWS makes every document verifiable with the agency's public key alone;
an agency that also holds an X.509 certificate (from BSrE or another authority) gets a
PAdES baseline signature inside the PDF, which PDF readers show as a signed document.
The certificate and its key live beside the signing keys, never in the database.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12 as p12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

CERTIFICATE, KEY, CHAIN = "certificate.pem", "key.pem", "chain.pem"


@dataclass(frozen=True)
class Certificate:
    """The files of one agency's signing certificate."""

    certificate: Path
    key: Path
    chain: Path | None


def find_certificate(folder: Path) -> Certificate | None:
    """The certificate kept in `folder`, if the agency has one."""
    certificate, key = folder / CERTIFICATE, folder / KEY
    if not (certificate.is_file() and key.is_file()):
        return None
    chain = folder / CHAIN
    return Certificate(certificate, key, chain if chain.is_file() else None)


def sign_pdf(content: bytes, certificate: Certificate, *, reason: str) -> bytes:
    """`content` with a PAdES baseline (B-B) signature added as an incremental update."""
    signer = signers.SimpleSigner.load(
        str(certificate.key),
        str(certificate.certificate),
        ca_chain_files=(str(certificate.chain),) if certificate.chain else None,
    )
    if signer is None:
        raise ValueError("the certificate or its key cannot be read")
    meta = signers.PdfSignatureMetadata(
        field_name="Layan",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200],
    )
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(content)), meta, signer=signer, output=out)
    return out.getvalue()


def install_certificate(folder: Path, pkcs12: bytes, passphrase: bytes | None) -> str:
    """Keep an agency's certificate (from a PKCS#12 file) in `folder`, the key readable by
    this server's user only; the certificate's subject. ValueError for a file that cannot
    be read with the passphrase, or that holds no key and certificate."""
    key, cert, chain = p12.load_key_and_certificates(pkcs12, passphrase)
    if key is None or cert is None:
        raise ValueError("the file holds no private key and certificate")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_path = folder / KEY
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    os.chmod(key_path, 0o600)
    (folder / CERTIFICATE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if chain:
        (folder / CHAIN).write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        )
    return cert.subject.rfc4514_string()
