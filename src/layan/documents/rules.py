"""Pure rules of issued documents: what is signed, how, and what a verification says.

An issued output (or a refusal letter) is a record of its content, signed by the issuing
agency's Ed25519 key as a compact JWS (RFC 7515) with `alg` `EdDSA` (RFC 8037) and the
key's id in `kid`. The payload is the canonical JSON (sorted keys, no spaces, UTF-8) of
the document's fields, small enough that the whole JWS fits in a QR code printed on the
paper: anyone holding the agency's public key (`GET /api/v1/keys`) verifies it offline.

The payload never holds a NIK in clear (only its SHA-256, so the paper's printed NIK can
be compared with it) nor free text an officer wrote (a refusal's reason goes in as its
SHA-256).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS

from layan.core.checkpoints import canonical

ALG = "EdDSA"
CRV = "Ed25519"
KINDS = ("output", "refusal")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# The longest JWS accepted for verification: a QR code holds fewer characters than this.
MAX_JWS = 4096
_jws = PyJWS(algorithms=[ALG])


class InvalidJwsError(ValueError):
    """A text that is not a JWS this platform could have signed; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- keys ---------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """The key's id (`kid`): the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]


def public_x(public: Ed25519PublicKey) -> str:
    """The raw public key as base64url without padding: the JWK's `x` (RFC 8037)."""
    return _b64url(raw_public(public))


def public_from_x(x: str) -> Ed25519PublicKey:
    """The public key of a JWK's `x`; ValueError when it is not 32 bytes of base64url."""
    try:
        raw = _unb64url(x)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("x is not base64url") from exc
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


# --- what is signed -------------------------------------------------------------------


def nik_digest(nik: str) -> str:
    """The hex SHA-256 of a NIK's 16 digits, as a document names its subject."""
    return hashlib.sha256(nik.strip().encode("ascii", "replace")).hexdigest()


def contact_digest(address: str) -> str | None:
    """The hex SHA-256 of an email address as typed in any case; None for no address."""
    cleaned = address.strip().lower()
    return hashlib.sha256(cleaned.encode()).hexdigest() if cleaned else None


def mask_name(name: str) -> str:
    """Each word's first letter and stars: "Siti Aminah" -> "S*** A*****"."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


@dataclass(frozen=True)
class Record:
    """The fields of one issued document, as its JWS payload carries them."""

    id: str
    kind: str  # "output" or "refusal"
    agency: str
    service_code: str
    number: str
    issued_at: datetime
    subject_nik_sha256: str
    subject_name: str
    application: str  # the tracking number it was issued on
    signer: str  # the deciding official, by name
    fields: dict[str, str] = field(default_factory=dict)
    valid_until: date | None = None
    legal_basis: str | None = None  # a refusal's legal basis (a citation, never a person)
    reason_sha256: str | None = None  # a refusal's reason, by digest only

    def payload(self) -> dict[str, Any]:
        """The JSON of the payload; absent values are left out, so the QR stays small."""
        body: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "agency": self.agency,
            "service_code": self.service_code,
            "number": self.number,
            "issued_at": utc_text(self.issued_at),
            "subject_nik_sha256": self.subject_nik_sha256,
            "subject_name": self.subject_name,
            "application": self.application,
            "signer": self.signer,
        }
        if self.fields:
            body["fields"] = dict(self.fields)
        if self.valid_until is not None:
            body["valid_until"] = self.valid_until.isoformat()
        if self.legal_basis is not None:
            body["legal_basis"] = self.legal_basis
        if self.reason_sha256 is not None:
            body["reason_sha256"] = self.reason_sha256
        return body


def utc_text(moment: datetime) -> str:
    """A moment as the payload writes it: UTC to the second, "2026-12-04T03:00:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(payload: dict[str, Any], private: Ed25519PrivateKey, kid: str) -> str:
    """The compact JWS of `payload` (canonical JSON), with `alg` EdDSA and `kid`."""
    return _jws.encode(
        canonical(payload), private, algorithm=ALG, headers={"kid": kid, "typ": None}
    )


@dataclass(frozen=True)
class Unverified:
    """A JWS taken apart before its signature is checked: never trust it as it is."""

    kid: str
    payload: dict[str, Any]


def read(jws: str) -> Unverified:
    """The header's key id and the payload of a compact JWS; InvalidJwsError if it cannot
    be one of ours (wrong shape, algorithm, key id or JSON)."""
    text = jws.strip()
    if not text or len(text) > MAX_JWS or text.count(".") != 2:
        raise InvalidJwsError("not a compact JWS (three base64url parts)")
    try:
        header = jwt.get_unverified_header(text)
        body = json.loads(_unb64url(text.split(".")[1]))
    except (jwt.exceptions.DecodeError, ValueError, binascii.Error):
        raise InvalidJwsError("the JWS cannot be read") from None
    if header.get("alg") != ALG:
        raise InvalidJwsError(f"alg must be {ALG}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidJwsError("the header names no key (kid)")
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise InvalidJwsError("the payload is not a document record")
    return Unverified(kid, body)


def signature_holds(jws: str, public: Ed25519PublicKey) -> bool:
    """Whether the JWS was signed by `public` and not changed since, to the last byte."""
    try:
        _jws.decode_complete(jws.strip(), public, algorithms=[ALG])
    except jwt.exceptions.PyJWTError:
        return False
    return True


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What checking one document found."""

    signature_valid: bool
    revoked: bool
    expired: bool
    key_status: str | None  # "active", "retired", or None for an unknown key

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.revoked and not self.expired


def verdict(
    *,
    signature_valid: bool,
    key_status: str | None,
    revoked: bool,
    valid_until: date | None,
    today: date,
) -> Verdict:
    """A document is valid when its signature holds under a key the agency published,
    it was not revoked, and its validity (if it has one) has not ended."""
    expired = valid_until is not None and today > valid_until
    return Verdict(signature_valid and key_status is not None, revoked, expired, key_status)


# --- numbers, validity, placeholders -----------------------------------------------------


def document_number(classification: str, seq: int, agency: str, on: date) -> str:
    """The agency's document number: 470/00012/DISDUKCAPIL/XII/2026 (classification of the
    archive, the agency's sequence of the year, the agency, the month in Roman numerals,
    the year), as Indonesian government letters are numbered."""
    return f"{classification}/{seq:05d}/{agency}/{ROMAN_MONTHS[on.month - 1]}/{on.year}"


def add_period(start: date, *, years: int = 0, months: int = 0, days: int = 0) -> date:
    """`start` plus a period; a day past the month's end is the month's last day."""
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=days)


def fill(template: str, values: dict[str, str]) -> str:
    """`{code}` placeholders replaced by their values; unknown ones are left as they are.

    A placeholder is a plain name, never an expression: a standard's text cannot run code.
    """
    out = template
    for code, value in values.items():
        out = out.replace("{" + code + "}", value)
    return out


def verify_with_keys(jws: str, jwks: list[dict[str, Any]]) -> tuple[bool, Unverified | None, str]:
    """Check a JWS with a saved copy of `GET /api/v1/keys` only (no database, offline):
    (holds, what it says, why not)."""
    try:
        unverified = read(jws)
    except InvalidJwsError as exc:
        return False, None, exc.reason
    key = next((k for k in jwks if isinstance(k, dict) and k.get("kid") == unverified.kid), None)
    if key is None:
        return False, unverified, f"key {unverified.kid} is not in the list"
    if key.get("agency") != unverified.payload.get("agency"):
        return False, unverified, "the key is not the issuing agency's"
    try:
        public = public_from_x(str(key.get("x", "")))
    except ValueError:
        return False, unverified, "the key's x is not an Ed25519 key"
    if not signature_holds(jws, public):
        return False, unverified, "the signature does not hold: the document was changed"
    return True, unverified, ""
