"""Signed checkpoints: canonical JSON, Ed25519 signatures, tampering refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from layan.core.checkpoints import (
    CheckpointError,
    LedgerHead,
    canonical,
    generate_key,
    sign_checkpoint,
    verify_checkpoint,
)

HEADS = [LedgerHead("PUPR", 12, "a" * 64), LedgerHead("DPMPTSP", 3, "b" * 64)]
AT = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


def test_canonical_json_ignores_key_order_and_spacing() -> None:
    assert canonical({"b": 1, "a": [1, "é"]}) == canonical({"a": [1, "é"], "b": 1})
    assert canonical({"a": 1, "b": "é"}) == '{"a":1,"b":"é"}'.encode()


def test_a_checkpoint_verifies_with_its_public_key_after_a_json_round_trip() -> None:
    private, public = generate_key()
    document = sign_checkpoint(private, AT, HEADS)
    assert {"created_at", "ledgers", "signature", "key_id"} <= document.keys()
    assert [h["agency"] for h in document["ledgers"]] == ["DPMPTSP", "PUPR"]
    copied = json.loads(json.dumps(document, indent=2))
    assert sorted(verify_checkpoint(copied, public), key=lambda h: h.agency) == sorted(
        HEADS, key=lambda h: h.agency
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["ledgers"][0].update(last_seq=11),
        lambda d: d["ledgers"][1].update(last_hash="c" * 64),
        lambda d: d["ledgers"].pop(),
        lambda d: d.update(created_at="2030-01-01T00:00:00+00:00"),
        lambda d: d.update(signature="AAAA"),
        lambda d: d.update(signature="not base64!"),
    ],
)
def test_any_change_to_a_checkpoint_breaks_its_signature(tamper) -> None:  # type: ignore[no-untyped-def]
    private, public = generate_key()
    document = sign_checkpoint(private, AT, HEADS)
    tamper(document)
    with pytest.raises(CheckpointError):
        verify_checkpoint(document, public)


def test_another_key_does_not_verify_and_bad_keys_are_named() -> None:
    private, _ = generate_key()
    _, other_public = generate_key()
    document = sign_checkpoint(private, AT, HEADS)
    with pytest.raises(CheckpointError, match="signature"):
        verify_checkpoint(document, other_public)
    with pytest.raises(CheckpointError, match="public key"):
        verify_checkpoint(document, b"not a key")
    with pytest.raises(CheckpointError, match="private key"):
        sign_checkpoint(b"not a key", AT, HEADS)
    with pytest.raises(CheckpointError, match="checkpoint"):
        verify_checkpoint({"format": "something else"}, other_public)
