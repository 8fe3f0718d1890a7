"""Tracking numbers, PINs, decisions and the paused clock, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.applications import rules
from layan.catalogue.rules import Duration
from layan.core.calendar import WorkingCalendar
from layan.core.codes import ALPHABET
from layan.core.errors import ValidationFailedError


def test_a_tracking_number_has_twelve_unambiguous_characters() -> None:
    numbers = {rules.new_tracking_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert len(number) == 12
        assert not set(number) & set("01ILOU")


@given(st.integers(min_value=0, max_value=11), st.sampled_from(ALPHABET))
def test_any_single_misread_character_is_caught_by_the_check(position: int, wrong: str) -> None:
    number = rules.new_tracking_number()
    typo = number[:position] + wrong + number[position + 1 :]
    if typo != number:
        assert rules.normalise_tracking_number(typo) is None
    assert rules.normalise_tracking_number(number) == number


def test_a_tracking_number_is_accepted_in_spoken_groups_and_lower_case() -> None:
    number = rules.new_tracking_number()
    spoken = rules.format_tracking_number(number)
    assert spoken.count("-") == 2
    assert rules.normalise_tracking_number(spoken.lower()) == number
    assert rules.normalise_tracking_number(" " + spoken.replace("-", " ") + " ") == number


def test_the_pin_depends_on_the_secret_and_the_number() -> None:
    pin = rules.tracking_pin("secret-a", "ABCDEFGHJKMN")
    assert len(pin) == 6 and pin.isdigit()
    assert rules.tracking_pin("secret-a", "ABCDEFGHJKMN") == pin
    assert (
        rules.tracking_pin("secret-b", "ABCDEFGHJKMN") != pin
        or rules.tracking_pin("secret-c", "ABCDEFGHJKMN") != pin
    )
    assert rules.pin_matches("secret-a", "ABCDEFGHJKMN", pin)
    assert not rules.pin_matches("secret-a", "ABCDEFGHJKMN", None)


def test_an_approval_needs_nothing_more() -> None:
    assert rules.check_decision(rules.Decision("approve")).outcome == "approve"


@pytest.mark.parametrize(
    ("decision", "fields"),
    [
        (rules.Decision("return"), ["reason"]),
        (rules.Decision("return", "   "), ["reason"]),
        (rules.Decision("reject", "tidak lengkap"), ["legal_basis"]),
        (rules.Decision("reject"), ["reason", "legal_basis"]),
        (rules.Decision("maybe"), ["outcome"]),
    ],
)
def test_a_decision_without_what_the_law_asks_is_refused(
    decision: rules.Decision, fields: list[str]
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        rules.check_decision(decision)
    assert [e.field for e in refused.value.errors] == fields


CAL = WorkingCalendar(tz="Asia/Jakarta")
MONDAY_9 = datetime(2026, 6, 8, 2, 0, tzinfo=UTC)  # 09:00 WIB


def test_a_deadline_in_days_lands_at_close_of_business() -> None:
    due = rules.deadline(CAL, MONDAY_9, Duration(days=3), cuti=True)
    assert due == datetime(2026, 6, 11, 9, 0, tzinfo=UTC)  # Thursday 16:00 WIB


def test_a_deadline_in_hours_counts_only_opening_hours() -> None:
    friday_15 = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)  # 15:00 WIB
    due = rules.deadline(CAL, friday_15, Duration(hours=2), cuti=True)
    assert due == datetime(2026, 6, 15, 1, 30, tzinfo=UTC)  # Monday 08:30 WIB


def test_a_paused_clock_resumes_with_the_time_it_had_left() -> None:
    due = rules.deadline(CAL, MONDAY_9, Duration(days=5), cuti=True)
    left = rules.seconds_left(CAL, MONDAY_9, due, cuti=True)
    later = datetime(2026, 6, 22, 2, 0, tzinfo=UTC)  # two weeks on, 09:00 WIB
    resumed = rules.resumed_deadline(CAL, later, left, cuti=True)
    assert rules.seconds_left(CAL, later, resumed, cuti=True) == pytest.approx(left)
    assert (resumed - due).days == 14


def test_an_overdue_clock_stays_overdue_after_a_pause() -> None:
    resumed = rules.resumed_deadline(CAL, MONDAY_9, -3600, cuti=True)
    assert resumed < MONDAY_9


def test_a_birth_date_that_differs_from_the_nik_is_flagged_never_refused() -> None:
    nik = "3201011708900001"  # a man born 17-08-1990
    assert rules.identity_flags(nik, {"birth_date": "1990-08-17"}) == []
    [flag] = rules.identity_flags(nik, {"birth_date": "1991-01-02"})
    assert flag["code"] == "nik.mismatch" and flag["en"] and flag["id"]
    assert rules.identity_flags(nik, {}) == []


def test_a_stage_is_done_when_the_newest_task_of_each_step_is_approved() -> None:
    assert rules.stage_done([("a", "approved"), ("b", "approved")])
    assert not rules.stage_done([("a", "approved"), ("b", "open")])
    # Returned, then reopened and approved: the newest task decides.
    assert rules.stage_done([("a", "returned"), ("b", "approved"), ("a", "approved")])
    assert not rules.stage_done([("a", "approved"), ("a", "returned")])
    assert rules.stage_done([("a", "approved"), ("b", "cancelled")])
    assert not rules.stage_done([]) and not rules.stage_done([("a", "cancelled")])
