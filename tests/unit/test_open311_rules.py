"""The pure rules of the Open311 face: states, W3C times, windows, attributes, XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from layan.complaints.rules import Status, open_or_closed
from layan.core.errors import Text
from layan.open311 import keys, rules

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (Status.SUBMITTED, "open"),
        (Status.IN_PROGRESS, "open"),
        (Status.APPEALED, "open"),
        (Status.RESOLVED, "closed"),
        (Status.ARCHIVED, "closed"),
        (Status.DUPLICATE, "closed"),
    ],
)
def test_a_complaint_status_is_open_or_closed_as_open311_reads_it(status: str, state: str) -> None:
    assert open_or_closed(status) == state


def test_the_status_filter_takes_open_closed_or_both_and_refuses_others() -> None:
    assert rules.parse_states("open") == ("open", True)
    assert rules.parse_states("closed,open") == (None, True)
    assert rules.parse_states(None) == (None, True)
    assert rules.parse_states("pending")[1] is False


def test_times_are_written_with_the_agencys_offset() -> None:
    assert rules.w3c(NOW) == "2026-06-02T08:00:00+07:00"
    assert rules.w3c(NOW, "Asia/Jayapura") == "2026-06-02T10:00:00+09:00"
    assert rules.w3c(None) is None


def test_w3c_dates_and_datetimes_are_read_and_others_refused() -> None:
    assert rules.parse_w3c("2026-06-02T08:00:00+07:00") == NOW
    assert rules.parse_w3c("2026-06-02T01:00:00Z") == NOW
    assert rules.parse_w3c("2026-06-02T08:00:00 07:00") == NOW  # a "+" decoded as a space
    assert rules.parse_w3c("2026-06-02") == datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    assert rules.parse_w3c("kemarin") is None


def test_the_request_window_is_90_days_by_default_and_never_longer() -> None:
    assert rules.request_window(None, None, NOW) == (NOW - timedelta(days=90), NOW)
    start = NOW - timedelta(days=10)
    assert rules.request_window(start, None, NOW) == (start, NOW)
    assert rules.request_window(None, NOW, NOW) == (NOW - timedelta(days=90), NOW)
    assert isinstance(rules.request_window(NOW - timedelta(days=91), NOW, NOW), Text)
    assert isinstance(rules.request_window(NOW, start, NOW), Text)


def test_a_deadline_notice_says_the_day_in_words_in_either_language() -> None:
    due = datetime(2026, 6, 5, 9, 0, tzinfo=UTC)
    assert rules.deadline_notice("verification", due, "Asia/Jakarta", "id") == (
        "Diverifikasi paling lambat Jumat, 5 Juni 2026 16.00 WIB"
    )
    assert "by Friday, 5 June 2026" in rules.deadline_notice(
        "verification", due, "Asia/Jakarta", "en"
    )


def test_attributes_default_to_a_public_complaint() -> None:
    assert rules.attribute_values({}) == {"kind": "pengaduan", "privacy": "public"}
    given = rules.attribute_values({"attribute[kind]": "aspirasi", "attribute[title]": " Jalan "})
    assert given == {"kind": "aspirasi", "privacy": "public", "title": "Jalan"}


def test_attribute_definitions_carry_order_and_values() -> None:
    kind = rules.ATTRIBUTES[0].as_dict(1, "en")
    assert kind["code"] == "kind" and kind["order"] == 1 and kind["required"] is False
    assert kind["values"][2] == {"key": "permintaan_informasi", "name": "Request for information"}


def test_complaint_fields_are_named_as_an_open311_client_knows_them() -> None:
    assert rules.open311_field("category") == "service_code"
    assert rules.open311_field("location.lon") == "long"
    assert rules.open311_field("description") == "description"


def test_keys_are_kept_only_as_their_sha256() -> None:
    digest = keys.key_hash("abc")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_list_renders_under_its_plural_root_with_singular_children() -> None:
    body = [{"service_code": "skck", "metadata": False, "lat": -6.9, "address_id": None}]
    tree = ET.fromstring(rules.to_xml("services", body))
    assert tree.tag == "services" and [c.tag for c in tree] == ["service"]
    assert tree.findtext("service/metadata") == "false"
    assert tree.findtext("service/lat") == "-6.9"
    assert tree.findtext("service/address_id") == ""


def test_nested_lists_and_errors_follow_the_specification() -> None:
    definition = {"service_code": "skck", "attributes": [{"values": [{"key": "a"}]}]}
    tree = ET.fromstring(rules.to_xml("service_definition", definition))
    assert tree.findtext("attributes/attribute/values/value/key") == "a"
    errors = ET.fromstring(rules.to_xml("errors", rules.error_list(403, ["api_key missing"])))
    assert errors.findtext("error/code") == "403"
    assert errors.findtext("error/description") == "api_key missing"


def test_text_is_escaped_in_xml_never_taken_as_markup() -> None:
    tree = ET.fromstring(rules.to_xml("errors", rules.error_list(400, ["a < b & <c>"])))
    assert tree.findtext("error/description") == "a < b & <c>"
