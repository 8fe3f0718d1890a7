"""Chart geometry: scales from zero to a round number, gaps for missing values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layan.core.charts import bar_chart, line_chart, nice_top


@pytest.mark.parametrize(
    ("value", "top"), [(0.0, 1.0), (0.7, 1.0), (1.0, 1.0), (3.2, 5.0), (19.0, 20.0), (230.0, 250.0)]
)
def test_a_scale_ends_at_the_round_number_above_the_largest_value(value: float, top: float) -> None:
    assert nice_top(value) == top


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_the_round_top_is_never_below_the_value_nor_far_above(value: float) -> None:
    top = nice_top(value)
    assert value <= top * (1 + 1e-9) and top < value * 2.5 + 1e-9


def test_bars_are_as_tall_as_their_share_of_the_scale() -> None:
    chart = bar_chart([("Jan", 50.0, "50"), ("Feb", 100.0, "100"), ("Mar", None, "-")], top=100)
    plot = chart.baseline - chart.top
    jan, feb, mar = chart.bars
    assert feb.height == pytest.approx(plot) and jan.height == pytest.approx(plot / 2)
    assert mar.height == 0 and mar.value == "-"
    assert [t.label for t in chart.ticks] == ["0", "25", "50", "75", "100"]


def test_a_small_sample_is_drawn_muted() -> None:
    chart = bar_chart([("A", 3.0, "3"), ("B", 4.0, "4")], muted=frozenset({1}))
    assert [b.muted for b in chart.bars] == [False, True]


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero() -> None:
    chart = line_chart(
        ["Jan", "Feb", "Mar", "Apr"], [("on time", "first", [80.0, None, 90.0, 95.0])]
    )
    (series,) = chart.series
    assert series.path.count("M") == 2 and series.path.count("L") == 1
    assert [value for _, _, value in series.points] == ["80", "90", "95"]


def test_long_periods_label_every_few_months_and_the_last() -> None:
    months = [f"{m:02d}/26" for m in range(1, 13)] + [f"{m:02d}/27" for m in range(1, 13)]
    chart = bar_chart([(m, 1.0, "1") for m in months])
    texts = [label.text for label in chart.labels]
    assert len(texts) <= 13 and texts[0] == "01/26" and texts[-1] == "12/27"


def test_bar_heights_are_proportional_to_the_index_on_a_0_to_100_scale() -> None:
    chart = bar_chart(
        [("TW I", 100.0, "100"), ("TW II", 50.0, "50"), ("TW III", None, "–")],
        top=100,
        current=1,
    )
    full, half, empty = chart.bars
    plot = chart.baseline - chart.top
    assert full.height == pytest.approx(plot, abs=0.1)
    assert half.height == pytest.approx(plot / 2, abs=0.1)
    assert empty.height == 0
    assert full.y + full.height == pytest.approx(chart.baseline, abs=0.1)
    assert half.y + half.height == pytest.approx(chart.baseline, abs=0.1)
    assert [b.current for b in chart.bars] == [False, True, False]
    assert [b.value for b in chart.bars] == ["100", "50", "–"]
    assert [t.label for t in chart.ticks] == ["0", "25", "50", "75", "100"]
    assert chart.ticks[0].y == chart.baseline and chart.ticks[-1].y == chart.top


@pytest.mark.parametrize("count", [1, 3, 4, 12])
def test_every_bar_and_label_stays_inside_the_viewbox(count: int) -> None:
    values = [25 + 75 * i / max(count - 1, 1) for i in range(count)]
    chart = bar_chart([(str(i), v, str(v)) for i, v in enumerate(values)], top=100)
    for bar in chart.bars:
        assert 0 <= bar.x and bar.x + bar.width <= chart.width
        assert 0 <= bar.y and bar.y + bar.height <= chart.height
        assert chart.left <= bar.center <= chart.right
        assert 0 < bar.value_y < chart.height
    assert chart.label_y < chart.height
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs) and len(set(xs)) == count


def test_a_value_above_the_scale_is_drawn_at_its_top_not_beyond() -> None:
    (bar,) = bar_chart([("x", 250.0, "250")], top=100).bars
    assert bar.y >= 0 and bar.height == pytest.approx(212 - 20, abs=0.1)
