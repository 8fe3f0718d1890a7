"""Signed checkpoints of the audit ledgers: Ed25519 over canonical JSON, no database.

A checkpoint records every ledger's head (agency, last sequence number, last hash) at a
moment and is signed with a private key kept away from the database. Because each event
hashes the one before it, a checkpointed (seq, hash) fixes every earlier event of that
ledger: whoever later rewrites a whole ledger and its head cannot produce the same hash
at that seq, and cannot sign a new checkpoint without the private key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "layan-checkpoint/1"
ALGORITHM = "Ed25519"


class CheckpointError(ValueError):
    """A checkpoint or key that cannot be read, or whose signature does not hold."""


@dataclass(frozen=True)
class LedgerHead:
    """One ledger as the checkpoint saw it."""

    agency: str
    last_seq: int
    last_hash: str


def generate_key() -> tuple[bytes, bytes]:
    """A new key pair as (private PEM, public PEM); the private PEM is not encrypted."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private_pem, public_pem_of(private)


def public_pem_of(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"not a readable private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("the private key is not an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"not a readable public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError("the public key is not an Ed25519 key")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key: SHA-256 of its raw bytes, first 16 hex digits."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signed_fields(created_at: datetime, heads: list[LedgerHead], kid: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "key_id": kid,
        "created_at": created_at.isoformat(timespec="seconds"),
        "ledgers": [
            {"agency": h.agency, "last_seq": h.last_seq, "last_hash": h.last_hash}
            for h in sorted(heads, key=lambda h: h.agency)
        ],
    }


def sign_checkpoint(
    private_pem: bytes, created_at: datetime, heads: list[LedgerHead]
) -> dict[str, Any]:
    """The checkpoint document: the signed fields plus `signature` (base64)."""
    private = load_private_key(private_pem)
    fields = _signed_fields(created_at, heads, key_id(private.public_key()))
    signature = private.sign(canonical(fields))
    return {**fields, "signature": base64.b64encode(signature).decode("ascii")}


def verify_checkpoint(document: dict[str, Any], public_pem: bytes) -> list[LedgerHead]:
    """The checkpointed ledger heads, once the signature holds; CheckpointError if not."""
    public = load_public_key(public_pem)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError("not a Layan checkpoint")
    fields = {k: v for k, v in document.items() if k != "signature"}
    try:
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
        public.verify(signature, canonical(fields))
    except (InvalidSignature, ValueError):
        raise CheckpointError("the checkpoint's signature does not hold for this key") from None
    try:
        return [
            LedgerHead(str(h["agency"]), int(h["last_seq"]), str(h["last_hash"]))
            for h in fields["ledgers"]
        ]
    except (KeyError, TypeError, ValueError):
        raise CheckpointError("the checkpoint's ledgers cannot be read") from None
