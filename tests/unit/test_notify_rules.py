"""The notify room's pure rules: which events make which messages, templates, backoff,
idempotency keys and webhook signatures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from layan.applications.rules import check_channels
from layan.notify import rules


def test_the_events_that_concern_a_citizen_make_messages_and_others_none() -> None:
    assert rules.kinds_of("application", "submit") == (rules.SUBMITTED,)
    assert rules.kinds_of("application", "approve") == (rules.DECIDED, rules.SURVEY)
    assert rules.kinds_of("application", "return") == (rules.RETURNED,)
    assert rules.kinds_of("application", "service time breached") == (rules.DEADLINE_MISSED,)
    assert rules.kinds_of("complaint", "resolve") == (rules.COMPLAINT_ANSWERED,)
    assert rules.kinds_of("application", "verifikasi_berkas") == ()
    assert rules.kinds_of("application", "sla breached") == ()  # a step's, the officers' own


def test_every_kind_has_a_template_in_both_languages_using_known_placeholders() -> None:
    for kind in rules.EVENT_TYPES:
        for language in ("id", "en"):
            template = rules.DEFAULT_TEMPLATES[(kind, language)]
            assert rules.unknown_placeholders(template.subject + template.body) == []


def test_render_fills_placeholders_and_leaves_unknown_values_empty() -> None:
    template = rules.Template("Permohonan {number}", "{service}: {outcome}. {pin}{link}")
    shown = rules.render(template, {"number": "K7QM-8XPT", "service": "KTP-el", "pin": "123"})
    assert shown.subject == "Permohonan K7QM-8XPT"
    assert shown.body == "KTP-el: ."  # {pin} is no placeholder: never filled
    assert rules.unknown_placeholders("Hai {nik} {number} {pin}") == ["nik", "pin"]


def test_sms_bodies_are_cut_to_three_segments() -> None:
    long = rules.Template("s", "x" * 1000)
    assert len(rules.for_channel(rules.SMS, long).body) == rules.SMS_MOST
    assert rules.for_channel(rules.EMAIL, long).body == "x" * 1000


def test_backoff_grows_and_ends() -> None:
    waits = [rules.retry_after(n) for n in range(1, len(rules.BACKOFF) + 2)]
    assert waits[:-1] == sorted(waits[:-1]) and waits[0] == 30
    assert waits[-1] is None and rules.retry_after(0) is None


def test_a_message_key_is_the_same_for_the_same_message_and_differs_otherwise() -> None:
    key = rules.message_key(7, rules.SUBMITTED, rules.EMAIL, "a@contoh.id")
    assert key == rules.message_key(7, rules.SUBMITTED, rules.EMAIL, "a@contoh.id")
    assert "a@contoh.id" not in key
    others = {
        rules.message_key(8, rules.SUBMITTED, rules.EMAIL, "a@contoh.id"),
        rules.message_key(7, rules.SURVEY, rules.EMAIL, "a@contoh.id"),
        rules.message_key(7, rules.SUBMITTED, rules.SMS, "a@contoh.id"),
        rules.message_key(7, rules.SUBMITTED, rules.EMAIL, "b@contoh.id"),
    }
    assert key not in others and len(others) == 4


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**40))
def test_a_webhook_signature_verifies_only_its_own_body_and_only_while_fresh(
    body: bytes, at: int
) -> None:
    header = rules.sign_webhook("s3cret", at, body)
    assert rules.verify_webhook("s3cret", header, body, at + rules.WEBHOOK_TOLERANCE_SECONDS)
    assert not rules.verify_webhook("other", header, body, at)
    assert not rules.verify_webhook("s3cret", header, body + b"x", at)
    assert not rules.verify_webhook(
        "s3cret", header, body, at + rules.WEBHOOK_TOLERANCE_SECONDS + 1
    )
    assert not rules.verify_webhook("s3cret", "garbage", body, at)


def test_channels_are_checked_and_put_in_order() -> None:
    assert check_channels(None) == (None, [])
    assert check_channels(["whatsapp", "email"]) == (("email", "whatsapp"), [])
    assert check_channels([]) == ((), [])
    chosen, errors = check_channels(["email", "fax"])
    assert chosen is None and [e.field for e in errors] == ["applicant.channels"]
    assert "fax" in errors[0].text("en") and "fax" in errors[0].text("id")


def test_an_email_ends_with_its_stop_link() -> None:
    shown = rules.with_stop_link(rules.Template("s", "body"), "http://x/stop", "en")
    assert shown.body.endswith("No more messages about this application? http://x/stop")


def test_a_placeholder_may_not_format_convert_or_reach_into_its_value() -> None:
    assert rules.unknown_placeholders("{number:>99999} {number!r} {number.upper}") == [
        "number:>99999",
        "number!r",
        "number.upper",
    ]
