"""Charts as numbers: the geometry of bar and line charts that a page draws as inline SVG.

Drawn on the server, so a chart shows on a cheap phone with no JavaScript and prints;
every chart goes beside a table of the same numbers, which is its text for screen
readers. Scales start at zero (a cropped axis exaggerates small differences) and end at a
round number; a value missing for a period leaves a gap, never a fake zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 8.0, 20.0, 28.0
_MOST_LABELS = 12


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Bar:
    """One bar in the chart's own units (its viewBox)."""

    x: float
    y: float
    width: float
    height: float
    center: float
    label: str  # the period or category, under the bar
    value: str  # the value as shown above the bar ("-" when there is none)
    value_y: float
    muted: bool = False  # drawn faint: a sample too small to read as a finding
    current: bool = False  # the period the page is about, marked out


@dataclass(frozen=True)
class Series:
    """One line: its name, a CSS class, the SVG path (broken where values are missing)
    and its points (where a marker and a value go)."""

    name: str
    css: str
    path: str
    points: tuple[tuple[float, float, str], ...]  # x, y, value as shown


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    baseline: float
    label_y: float
    ticks: tuple[Tick, ...]
    labels: tuple[Label, ...]
    bars: tuple[Bar, ...] = ()
    series: tuple[Series, ...] = ()


def nice_top(value: float) -> float:
    """The round number a scale ends at: the first of 1, 2, 2.5, 5 (x 10^k) >= value."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value - 1e-12)


def _shown(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.2g}"


def _frame(
    count: int, top: float, width: int, height: int
) -> tuple[float, float, tuple[Tick, ...]]:
    plot = height - _BOTTOM - _TOP
    ticks = tuple(
        Tick(round(height - _BOTTOM - plot * n / 4, 1), _shown(top * n / 4)) for n in range(5)
    )
    slot = (width - _RIGHT - _LEFT) / max(count, 1)
    return plot, slot, ticks


def _labels(labels: Sequence[str], slot: float) -> tuple[Label, ...]:
    """Period names under the axis, every k-th one when there are too many to read."""
    every = max(1, math.ceil(len(labels) / _MOST_LABELS))
    return tuple(
        Label(round(_LEFT + slot * i + slot / 2, 1), text)
        for i, text in enumerate(labels)
        if i % every == 0 or i == len(labels) - 1
    )


def bar_chart(
    points: Sequence[tuple[str, float | None, str]],
    *,
    top: float | None = None,
    muted: frozenset[int] = frozenset(),
    current: int | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Bars for (label, value or None, value as shown), on a scale from 0 to `top`
    (by default the round number above the largest value); the `muted` ones faint, the
    `current` one marked out. A value beyond the scale is drawn at its top."""
    values = [v for _, v, _ in points if v is not None]
    top = top or nice_top(max(values, default=0.0))
    plot, slot, ticks = _frame(len(points), top, width, height)
    baseline, bar_width = height - _BOTTOM, round(min(slot * 0.6, 72.0), 1)
    bars = []
    for i, (label, value, text) in enumerate(points):
        center = _LEFT + slot * i + slot / 2
        size = 0.0 if value is None else min(max(value, 0.0), top) / top
        bar_height = round(plot * size, 1)
        y = round(baseline - bar_height, 1)
        bars.append(
            Bar(
                round(center - bar_width / 2, 1),
                y,
                bar_width,
                bar_height,
                round(center, 1),
                label,
                text,
                round(y - 5, 1),
                i in muted,
                i == current,
            )
        )
    labels = _labels([label for label, _, _ in points], slot)
    return _chart(width, height, ticks, labels, bars=tuple(bars))


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    top: float | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Lines of (name, CSS class, one value or None per label) over the same periods."""
    values = [v for _, _, line in series for v in line if v is not None]
    top = top or nice_top(max(values, default=0.0))
    plot, slot, ticks = _frame(len(labels), top, width, height)
    baseline = height - _BOTTOM
    drawn = []
    for name, css, line in series:
        points, path, pen_down = [], [], False
        for i, value in enumerate(line):
            if value is None:
                pen_down = False
                continue
            x = round(_LEFT + slot * i + slot / 2, 1)
            y = round(baseline - plot * min(max(value, 0.0), top) / top, 1)
            path.append(f"{'L' if pen_down else 'M'}{x} {y}")
            points.append((x, y, _shown(value)))
            pen_down = True
        drawn.append(Series(name, css, " ".join(path), tuple(points)))
    return _chart(width, height, ticks, _labels(labels, slot), series=tuple(drawn))


def _chart(width: int, height: int, ticks: Any, labels: Any, **marks: Any) -> Chart:
    """The frame every chart shares (margins, baseline, axis labels) around its marks."""
    baseline = height - _BOTTOM
    return Chart(
        width, height, _LEFT, width - _RIGHT, _TOP, baseline, baseline + 18, ticks, labels, **marks
    )
