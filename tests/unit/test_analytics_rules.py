"""The arithmetic of the dashboard: months, lead-time buckets, percentiles, periods, KPIs."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from layan.analytics import rules
from layan.core.errors import ValidationFailedError


def test_a_month_is_the_agencys_local_month() -> None:
    # 31 May 2026, 20:00 UTC is already 1 June in Jakarta (UTC+7) and Jayapura (UTC+9).
    moment = datetime(2026, 5, 31, 20, 0, tzinfo=UTC)
    assert rules.month_of(moment, "UTC") == "2026-05"
    assert rules.month_of(moment, "Asia/Jakarta") == "2026-06"


def test_months_between_runs_across_a_year_end() -> None:
    assert rules.months_between("2025-11", "2026-02") == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert rules.months_between("2026-03", "2026-02") == []


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0.0, 0),
        (0.01, 1),
        (0.1, 1),
        (0.11, 2),
        (2.0, 20),
        (5.0, 50),
        (5.01, 55),
        (12.3, 125),
        (20.0, 200),
        (20.1, 210),
        (99.2, 1000),
        (150.0, 1000),
    ],
)
def test_a_lead_time_goes_to_the_step_of_a_day_that_holds_it(days: float, bucket: int) -> None:
    # Tenths up to 5 working days, halves up to 20, whole days up to 100, then one bucket.
    assert rules.bucket_of(days) == bucket


def test_a_percentile_is_the_bucket_within_which_that_share_was_decided() -> None:
    buckets = {2: 1, 3: 1, 22: 1}  # 0.2, 0.3 and 2.2 working days
    assert rules.percentile(buckets, 0.5) == 0.3
    assert rules.percentile(buckets, 0.9) == 2.2
    assert rules.percentile({}, 0.5) is None
    with pytest.raises(ValueError):
        rules.percentile(buckets, 0)


@example(values=[1.6955234490106548e-08], q=1.0)  # just above an edge: counted below it
@given(st.lists(st.floats(0, 99.9, allow_nan=False), min_size=1, max_size=200), st.floats(0.01, 1))
def test_the_percentile_of_the_histogram_is_within_a_bucket_of_the_exact_one(values, q) -> None:  # type: ignore[no-untyped-def]
    buckets = rules.merged_buckets((rules.bucket_of(v), 1) for v in values)
    ordered = sorted(values)
    # The smallest value that at least q of the values are at or below.
    exact = ordered[max(math.ceil(q * len(values) - 1e-9), 1) - 1]
    step = 0.1 if exact <= 5 else 0.5 if exact <= 20 else 1.0  # the bucket's width there
    # bucket_of rounds tenths to six decimals before rounding up (so 0.3 is not taken for
    # 0.30000000000000004): a value within 1e-7 working days above an edge, a few
    # milliseconds, counts in the bucket below.
    slack = 1e-7
    assert exact - slack <= rules.percentile(buckets, q) <= exact + step + slack  # type: ignore[operator]


def test_shares_have_one_decimal_and_none_without_a_whole() -> None:
    assert rules.share(2, 3) == 66.7
    assert rules.share(0, 0) is None


def test_the_four_indicators_need_their_inputs() -> None:
    found = rules.kpis(
        received=80,
        cohort_decided=60,
        ikm=82.5,
        online_and_counter=(30, 10),
        cost_and_transactions=(5_000_000, 100),
    )
    assert found.completion_rate == 75.0
    assert found.digital_take_up == 75.0
    assert found.cost_per_transaction == 50_000
    bare = rules.kpis(received=80, cohort_decided=60, ikm=None)
    assert bare.digital_take_up is None and bare.cost_per_transaction is None
    assert rules.kpis(received=0, cohort_decided=0, ikm=None).completion_rate is None


def test_a_period_defaults_to_the_last_twelve_months() -> None:
    assert rules.period(None, None, date(2026, 6, 15)) == ("2025-07", "2026-06")
    assert rules.period("2026-01-20", "2026-03", date(2026, 6, 15)) == ("2026-01", "2026-03")


@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        ("2026-13", None, "from", "YYYY-MM"),
        ("2026-02-30", None, "from", "no such date"),
        ("2026-05", "2026-01", "from", "ends before"),
        ("2000-01", "2026-01", "from", "at most 120"),
        (None, "juni", "to", "YYYY-MM"),
    ],
)
def test_a_period_that_cannot_be_read_names_its_field(first, last, field, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailedError) as caught:
        rules.period(first, last, date(2026, 6, 15))
    (error,) = caught.value.errors
    assert error.field == field and words in error.text.en
