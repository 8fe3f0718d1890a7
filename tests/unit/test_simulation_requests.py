"""What staff may ask of an analysis: periods, replications and changes, checked before
any work, each refusal naming its field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from layan.analytics.analysis_inputs import (
    change_as_dict,
    changes_of,
    last_full_quarter,
    period_of,
    queue_of,
    replications_of,
)
from layan.analytics.simulation_changes import AddOfficers, MergeSteps, ParallelSteps, RemoveStep
from layan.core.errors import ValidationFailedError

TODAY = date(2026, 6, 2)
WIB = "Asia/Jakarta"


def refused_field(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailedError) as refused:
        call(*args, **kwargs)
    (error,) = refused.value.errors
    return error.field


def test_the_period_defaults_to_the_last_90_days() -> None:
    period = period_of(None, None, TODAY, WIB)
    assert (period.first, period.last, period.days) == (date(2026, 3, 5), TODAY, 90)


def test_a_period_is_read_in_the_agencys_zone() -> None:
    period = period_of("2026-06-01", "2026-06-01", TODAY, WIB)
    assert period.since == datetime(2026, 5, 31, 17, 0, tzinfo=UTC)  # midnight WIB
    assert period.until == datetime(2026, 6, 1, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-02-30", None, "from"),
        ("2 Juni", None, "from"),
        (None, "2026-06-03", "to"),  # tomorrow
        ("1999-12-31", "2000-01-01", "from"),
        ("2026-06-02", "2026-06-01", "from"),
        ("2025-06-01", "2026-06-02", "from"),  # 367 days
    ],
)
def test_an_absurd_period_names_its_field(first: str | None, last: str | None, field: str) -> None:
    assert refused_field(period_of, first, last, TODAY, WIB) == field


def test_a_page_names_the_period_fields_in_its_own_words() -> None:
    assert refused_field(period_of, "x", None, TODAY, WIB, ("dari", "sampai")) == "dari"


def test_a_year_is_the_longest_period() -> None:
    assert period_of("2025-06-02", "2026-06-02", TODAY, WIB).days == 366


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (date(2026, 6, 2), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 1, 15), date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_the_last_full_quarter_is_the_one_before_today(
    today: date, first: date, last: date
) -> None:
    quarter = last_full_quarter(today, WIB)
    assert (quarter.first, quarter.last) == (first, last)


@pytest.mark.parametrize(("value", "expected"), [(None, 10), ("", 10), ("7", 7), (50, 50)])
def test_replications_default_and_bounds(value: object, expected: int) -> None:
    assert replications_of(value, 10) == expected


@pytest.mark.parametrize("value", [0, 51, "-1", "2.5", "lima", True])
def test_replications_out_of_bounds_are_refused(value: object) -> None:
    assert refused_field(replications_of, value, 10) == "replications"


def test_the_queue_is_first_come_first_served_unless_asked() -> None:
    assert queue_of(None) == "fifo" and queue_of("deadline") == "deadline"
    assert refused_field(queue_of, "lifo") == "queue"


def test_changes_are_read_in_order() -> None:
    found = changes_of(
        [
            {"kind": "remove", "step": "a"},
            {"kind": "merge", "steps": ["b", "c"]},
            {"kind": "parallel", "steps": ["d", "e"]},
            {"kind": "add_officers", "unit": "X.Y", "role": "processor", "count": "2"},
        ]
    )
    assert found == [
        RemoveStep("a"),
        MergeSteps(("b", "c")),
        ParallelSteps(("d", "e")),
        AddOfficers("X.Y", "processor", 2),
    ]
    assert changes_of([change_as_dict(c) for c in found]) == found


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ("remove", "changes"),
        ([1], "changes[0]"),
        ([{"kind": "remove", "step": "a"}, {"kind": "shrink"}], "changes[1].kind"),
        ([{"kind": "remove"}], "changes[0].step"),
        ([{"kind": "merge", "steps": [1, 2]}], "changes[0].steps"),
        ([{"kind": "add_officers", "unit": "X.Y", "role": "processor"}], "changes[0].count"),
        ([{"kind": "add_officers", "role": "processor", "count": 1}], "changes[0].unit"),
        ([{"kind": "remove", "step": "a"}] * 21, "changes"),
    ],
)
def test_a_malformed_change_names_its_field(changes: object, field: str) -> None:
    assert refused_field(changes_of, changes) == field
