"""Issued documents' pure rules: what is signed, how a change is caught, numbers, periods."""

from __future__ import annotations

import base64
import json
from calendar import monthrange
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layan.documents import rules

KEY = rules.new_private_key()
KID = rules.key_id(KEY.public_key())
JWKS = [{"kid": KID, "agency": "POLRES", "x": rules.public_x(KEY.public_key())}]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
payloads = st.fixed_dictionaries(
    {"id": st.just("K7QM8XPT3RAB"), "agency": st.just("POLRES")},
    optional={
        "subject_name": text,
        "number": text,
        "fields": st.dictionaries(text, text, max_size=3),
    },
)


@settings(max_examples=60)
@given(payloads, st.data())
def test_any_changed_character_of_a_signed_document_is_caught(
    payload: dict, data: st.DataObject
) -> None:
    jws = rules.sign(payload, KEY, KID)
    holds, read, _why = rules.verify_with_keys(jws, JWKS)
    assert holds and read is not None and read.payload == payload
    position = data.draw(st.integers(0, len(jws) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    other = data.draw(st.sampled_from([c for c in alphabet if c != jws[position]]))
    changed = jws[:position] + other + jws[position + 1 :]
    # A change holds only where base64url leaves the last character's low bits unused:
    # the same bytes, so the same signed document.
    assert not rules.verify_with_keys(changed, JWKS)[0] or _same_bytes(changed, jws)


def _same_bytes(a: str, b: str) -> bool:
    """Two base64url texts may differ only in the unused low bits of their last character."""

    def raw(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    try:
        return all(raw(x) == raw(y) for x, y in zip(a.split("."), b.split("."), strict=True))
    except (ValueError, TypeError):
        return False


def test_the_payload_is_canonical_json_and_the_header_names_the_key() -> None:
    jws = rules.sign({"b": 1, "a": "é"}, KEY, KID)
    head, body, _sig = jws.split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "EdDSA", "kid": KID}
    assert base64.urlsafe_b64decode(body + "==") == '{"a":"é","b":1}'.encode()


def test_a_key_of_another_agency_proves_nothing() -> None:
    jws = rules.sign({"id": "X", "agency": "DISDUKCAPIL"}, KEY, KID)
    holds, _read, why = rules.verify_with_keys(jws, JWKS)
    assert not holds and "agency" in why


@pytest.mark.parametrize(
    "bad", ["", "abc", "a.b", "a.b.c.d", "x" * 5000, "eyJhbGciOiJub25lIn0.e30."]
)
def test_text_that_is_no_document_is_read_as_none(bad: str) -> None:
    with pytest.raises(rules.InvalidJwsError):
        rules.read(bad)


def test_the_record_leaves_out_what_it_does_not_have_and_names_the_nik_by_digest() -> None:
    record = rules.Record(
        "K7QM8XPT3RAB", "output", "POLRES", "skck", "331/00001/POLRES/VI/2026",
        datetime(2026, 6, 2, 1, 0, 30, 999, tzinfo=UTC), rules.nik_digest("3204016708900002"),
        "Siti Aminah", "ABCDEFGHJKMN", "Kasat",
    )  # fmt: skip
    body = record.payload()
    assert body["issued_at"] == "2026-06-02T01:00:30Z"
    assert "valid_until" not in body and "reason_sha256" not in body and "fields" not in body
    assert "3204016708900002" not in json.dumps(body)


def test_a_document_number_reads_like_a_government_letters() -> None:
    assert rules.document_number("470", 12, "DISDUKCAPIL", date(2026, 12, 4)) == (
        "470/00012/DISDUKCAPIL/XII/2026"
    )


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 60))
def test_a_period_in_months_ends_on_the_same_day_or_the_months_last(
    start: date, months: int
) -> None:
    end = rules.add_period(start, months=months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == min(start.day, monthrange(end.year, end.month)[1])


def test_six_months_from_the_31st_of_august_is_the_last_of_february() -> None:
    assert rules.add_period(date(2026, 8, 31), months=6) == date(2027, 2, 28)
    assert rules.add_period(date(2026, 6, 2), years=5) == date(2031, 6, 2)


@given(
    st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10), min_size=1, max_size=4)
)
def test_a_masked_name_keeps_only_each_words_first_letter(words: list[str]) -> None:
    masked = rules.mask_name(" ".join(words))
    assert [w[0] for w in masked.split()] == [w[0] for w in words]
    assert set(masked.replace(" ", "")) <= {w[0] for w in words} | {"*"}
    assert len(masked) == len(" ".join(words))
