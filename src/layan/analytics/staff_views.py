"""What the staff's analysis pages share: step names, charts, and the page context.

Charts come from `core.charts` (geometry only) and are drawn by the `_chart.html`
macro; every chart stands beside a table of the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Request

from layan.analytics.bottlenecks import StepTimes
from layan.analytics.simulation_results import Bin
from layan.catalogue.queries import PublishedStandard
from layan.core import charts
from layan.core.errors import ValidationFailedError
from layan.web.errors import lang
from layan.web.messages import translate
from layan.web.templating import number, pick

OFFICER = {"x-permission": "officer"}
PERIOD_NAMES = ("dari", "sampai")
Namer = Callable[[str | None], str]


def step_namer(published: PublishedStandard | None, language: str) -> Namer:
    """A step's name in the page's language; a merged station's names joined by "+";
    an activity of an imported log (or a step since removed) as the log names it."""
    names = {}
    if published is not None:
        names = {s.code: pick(s.name, language) for s in published.standard.procedure}

    def name(code: str | None) -> str:
        if not code:
            return "–"
        return " + ".join(names.get(part, part) for part in code.split("+"))

    return name


def step_charts(steps: Sequence[StepTimes], language: str) -> dict[str, charts.Chart]:
    """Median waiting and median working per step, on one scale so they compare; bars are
    labelled with the step's row number in the table beside them."""
    waits = [s.waiting.median for s in steps]
    works = [s.working.median for s in steps]
    top = charts.nice_top(max([v for v in waits + works if v is not None], default=0.0))

    def bars(values: list[float | None]) -> charts.Chart:
        points = [(str(i + 1), v, number(v, language, 1)) for i, v in enumerate(values)]
        return charts.bar_chart(points, top=top)

    return {"waiting": bars(waits), "working": bars(works)}


def chart_words(steps: Sequence[StepTimes], which: str, namer: Namer, language: str) -> str:
    """What a step chart shows, in words (its SVG description)."""
    parts = []
    for i, s in enumerate(steps):
        value = s.waiting.median if which == "waiting" else s.working.median
        parts.append(f"{i + 1} {namer(s.step)}: {number(value, language, 1)}")
    return "; ".join(parts)


def histogram_chart(lines: Sequence[tuple[str, str, Sequence[Bin]]], language: str) -> charts.Chart:
    """Histograms on shared bins as lines (percent of cases per bin of working days)."""
    bins = next((list(b) for _, _, b in lines if b), [])
    labels = [number(b.low, language, 1 if b.low % 1 else 0) for b in bins]
    series = [
        (name, css, [b.share for b in found] or [None] * len(bins)) for name, css, found in lines
    ]
    return charts.line_chart(labels, series)


def field_errors(exc: ValidationFailedError, language: str) -> list[dict[str, str]]:
    """Errors as `_errors.html` lists them, each linking to the form."""
    return [
        {"field": e.field, "anchor": "changes", "message": f"{e.field}: {e.text(language)}"}
        for e in exc.errors
    ]


def base_context(request: Request, published: PublishedStandard | None) -> dict[str, Any]:
    language = lang(request)
    return {
        "step_name": step_namer(published, language),
        "hours": lambda value: number(value, language, 1),
        "days": lambda value: number(value, language, 2),
        "pct": lambda value: number(value, language, 1),
        "role_name": lambda role: translate(f"role.{role}", language),
    }
