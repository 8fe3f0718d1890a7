"""The published satisfaction report (laporan SKM/IKM), shaped from its figures.

Pure: no database and no web. The page, the CSV and the PDF show one `Report`, which
the web layer builds from the survey's queries: the periods of a year and their
boundaries, the per-element table, the trend and the rows of the CSV all come from
here, so the three outputs cannot disagree (the trend is drawn by `core.charts`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date

from layan.core.errors import Text
from layan.surveys import rules

PERIOD_KINDS = ("year", "semester", "quarter", "month")
# How many months each period of a kind spans; a year is one period of twelve.
_SPAN = {"year": 12, "semester": 6, "quarter": 3, "month": 1}
# A yearly report's trend shows this many years, the report's year last.
TREND_YEARS = 3
_ROMAN = ("I", "II", "III", "IV")
_MONTHS = (
    Text("Januari", "January"),
    Text("Februari", "February"),
    Text("Maret", "March"),
    Text("April", "April"),
    Text("Mei", "May"),
    Text("Juni", "June"),
    Text("Juli", "July"),
    Text("Agustus", "August"),
    Text("September", "September"),
    Text("Oktober", "October"),
    Text("November", "November"),
    Text("Desember", "December"),
)
_SHORT_MONTHS = (
    Text("Jan", "Jan"),
    Text("Feb", "Feb"),
    Text("Mar", "Mar"),
    Text("Apr", "Apr"),
    Text("Mei", "May"),
    Text("Jun", "Jun"),
    Text("Jul", "Jul"),
    Text("Agu", "Aug"),
    Text("Sep", "Sep"),
    Text("Okt", "Oct"),
    Text("Nov", "Nov"),
    Text("Des", "Dec"),
)


# --- periods -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period: a whole year, or one semester, quarter or month of it."""

    kind: str
    year: int
    number: int  # its place in the year, from 1 (always 1 for a whole year)
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        """A stable name: 2026, 2026-S1, 2026-Q2, 2026-03."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return f"{self.year}-{'S' if self.kind == 'semester' else 'Q'}{self.number}"

    def label(self, language: str) -> str:
        """As a report's heading names it: "Triwulan II 2026", "Q2 2026", "Maret 2026"."""
        if self.kind == "year":
            return Text(f"Tahun {self.year}", f"Year {self.year}")(language)
        if self.kind == "month":
            return f"{_MONTHS[self.number - 1](language)} {self.year}"
        roman = _ROMAN[self.number - 1]
        if self.kind == "semester":
            name = Text(f"Semester {roman}", f"H{self.number}")
        else:
            name = Text(f"Triwulan {roman}", f"Q{self.number}")
        return f"{name(language)} {self.year}"

    def short(self, language: str) -> str:
        """As a chart's axis names it: "TW II", "Q2", "Mar", "2026"."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "month":
            return _SHORT_MONTHS[self.number - 1](language)
        if self.kind == "semester":
            return Text(f"Smt {_ROMAN[self.number - 1]}", f"H{self.number}")(language)
        return Text(f"TW {_ROMAN[self.number - 1]}", f"Q{self.number}")(language)


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def periods_of_year(year: int, kind: str) -> tuple[Period, ...]:
    """The periods of a kind that make up a year, in order, without gaps or overlaps."""
    if kind not in _SPAN:
        raise ValueError(f"{kind}: not a kind of period ({', '.join(PERIOD_KINDS)})")
    span = _SPAN[kind]
    return tuple(
        Period(kind, year, n + 1, date(year, n * span + 1, 1), _month_end(year, (n + 1) * span))
        for n in range(12 // span)
    )


def trend_periods(year: int, kind: str) -> tuple[Period, ...]:
    """The periods a report's trend shows: the year's own, or the last years for a year."""
    if kind == "year":
        return tuple(periods_of_year(y, "year")[0] for y in range(year - TREND_YEARS + 1, year + 1))
    return periods_of_year(year, kind)


def select_period(year: int, kind: str, number: int | None = None) -> Period:
    """The period a report covers: the whole year, or the `number`th period of a kind.

    ValueError when the number is not one of the year's periods of that kind.
    """
    if number is None or kind == "year":
        return periods_of_year(year, "year")[0]
    periods = periods_of_year(year, kind)
    if not 1 <= number <= len(periods):
        raise ValueError(f"{number}: a year has {len(periods)} periods of kind {kind}")
    return periods[number - 1]


def started(period: Period, today: date) -> bool:
    return period.start <= today


def window(period: Period, today: date) -> tuple[date, date]:
    """The dates a period's figures cover: up to today while it runs, else all of it."""
    if period.start <= today < period.end:
        return period.start, today
    return period.start, period.end


# --- figures -------------------------------------------------------------------------

THREE = Decimal("0.001")


@dataclass(frozen=True)
class Figures:
    """The index of one period, with the counts shown beside it.

    `result` is None for a period that has not begun: nothing is computed for it.
    """

    period: Period
    start: date
    end: date
    result: rules.IkmResult | None
    served: int = 0
    sample_required: int = 0
    sample_met: bool = False

    @property
    def started(self) -> bool:
        return self.result is not None

    @property
    def responses(self) -> int:
        return self.result.responses if self.result else 0

    @property
    def ikm(self) -> Decimal | None:
        return self.result.ikm if self.result else None

    @property
    def band(self) -> rules.Band | None:
        return self.result.band if self.result else None

    @property
    def sample_status(self) -> str:
        if self.result is None:
            return "not_started"
        return sample_status(self.result.responses, self.served, self.sample_met)


def sample_status(responses: int, served: int, met: bool) -> str:
    """What a report says of the sample: no_responses; unknown_population when nobody was
    served through Layan (walk-in and paper only), so the sample cannot be judged; met; or
    not_met, when the index must not be used to rank."""
    if not responses:
        return "no_responses"
    if served <= 0:
        return "unknown_population"
    return "met" if met else "not_met"


@dataclass(frozen=True)
class ElementLine:
    """One row of the per-element table."""

    key: str
    name: Text
    nrr: Decimal | None  # rounded half up to 2 decimals
    weighted: Decimal | None  # NRR x weight, rounded half up to 3 decimals
    answered: int


def weight_of(result: rules.IkmResult) -> Decimal | None:
    """The weight of each answered element: 0.111 in legacy mode, else 1/(answered elements)."""
    answered = sum(1 for value in result.nrr.values() if value is not None)
    if not answered:
        return None
    exact = rules.weight(result.legacy, answered)
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def element_lines(result: rules.IkmResult) -> tuple[ElementLine, ...]:
    """The nine elements in questionnaire order, with their NRR, weighted NRR and count."""
    weight = weight_of(result)
    rounded = rules.rounded_nrr(result)
    lines = []
    for element in rules.ELEMENTS:
        exact = result.nrr.get(element.key)
        weighted = None
        if exact is not None and weight is not None:
            weighted = (exact * weight).quantize(THREE, rounding=ROUND_HALF_UP)
        lines.append(
            ElementLine(
                element.key,
                element.name,
                rounded.get(element.key),
                weighted,
                result.answered.get(element.key, 0),
            )
        )
    return tuple(lines)


@dataclass(frozen=True)
class ActionLine:
    """A follow-up action as the public report lists it."""

    title: str
    status: str  # open | done
    due_on: date
    closed_on: date | None = None


@dataclass(frozen=True)
class Report:
    """Everything the published report shows, for one scope and period."""

    scope_kind: str  # unit | service | agency
    scope_code: str
    scope_name: str
    agency_code: str
    agency_name: str
    period_kind: str  # the kind of the trend's periods
    figures: Figures
    trend: tuple[Figures, ...]
    suggestions: tuple[str, ...] = ()
    suggestions_total: int = 0
    actions: tuple[ActionLine, ...] = ()
    legacy: bool = False

    @property
    def elements(self) -> tuple[ElementLine, ...]:
        result = self.figures.result
        return element_lines(result) if result else ()

    @property
    def weakest(self) -> tuple[ElementLine, ...]:
        """The three answered elements with the lowest NRR, lowest first."""
        result = self.figures.result
        if result is None:
            return ()
        lines = {line.key: line for line in self.elements}
        return tuple(lines[key] for key in rules.weakest_elements(result, 3))

    @property
    def weight(self) -> Decimal | None:
        return weight_of(self.figures.result) if self.figures.result else None

    def weight_label(self, language: str) -> str:
        """The weight as the table's caption states it: 1/9 (exact) or 0,111 (legacy)."""
        answered = sum(1 for line in self.elements if line.nrr is not None)
        if self.legacy:
            return shown(rules.LEGACY_WEIGHT, 3, language)
        return f"1/{answered}" if answered else "–"

    @property
    def weighted_total(self) -> Decimal | None:
        result = self.figures.result
        if result is None or result.weighted_total is None:
            return None
        return result.weighted_total.quantize(THREE, rounding=ROUND_HALF_UP)


def shown(value: Decimal | None, places: int, language: str) -> str:
    """A figure as people read it: 84,26 in Indonesian, 84.26 in English, – when none."""
    if value is None:
        return "–"
    text = plain(value, places)
    return text.replace(".", ",") if language == "id" else text


def long_date(day: date, language: str) -> str:
    """A date as a report prints it: 2 Juni 2026, 2 June 2026."""
    return format_date(day, "d MMMM y", locale="id_ID" if language == "id" else "en_GB")


def plain(value: Decimal | None, places: int) -> str:
    """A figure for machines: dot decimals rounded half up, empty when none."""
    if value is None:
        return ""
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


# --- CSV -----------------------------------------------------------------------------

CSV_HEADER = ("key", "name", "nrr", "weighted_nrr", "answered")
Words = Callable[..., str]


def csv_rows(report: Report, language: str, words: Words) -> list[list[str]]:
    """The CSV's rows: the header, one row per element, then the summary rows.

    Element rows: key, name, NRR (2 decimals), weighted NRR (3 decimals), answers.
    Summary rows put their value in the third column: the weighted total, IKM, mutu,
    kinerja, responses, people served, the sample size and whether it is met, the
    period and the weighing; then one row per trend period (key `trend.<period>`) with
    its IKM and, in the last column, its responses. Decimals use a dot.
    """
    figures = report.figures
    rows = [list(CSV_HEADER)]
    for line in report.elements or element_lines(rules.compute_ikm([])):
        rows.append(
            [line.key, line.name(language), plain(line.nrr, 2), plain(line.weighted, 3)]
            + [str(line.answered)]
        )
    band = figures.band

    def summary(key: str, value: str, last: str = "") -> list[str]:
        return [key, words(f"ikm.csv.{key}"), value, "", last]

    rows += [
        summary("weighted_total", plain(report.weighted_total, 3)),
        summary("ikm", plain(figures.ikm, 2)),
        summary("mutu", band.mutu if band else ""),
        summary("kinerja", band.kinerja(language) if band else ""),
        summary("responses", str(figures.responses)),
        summary("served", str(figures.served)),
        summary("sample_size", str(figures.sample_required)),
        summary("sample_size_met", figures.sample_status),
        summary("period_from", figures.start.isoformat()),
        summary("period_to", figures.end.isoformat()),
        summary("weighting", "legacy-0.111" if report.legacy else "exact-1/n"),
    ]
    for point in report.trend:
        rows.append(
            [
                f"trend.{point.period.key}",
                point.period.label(language),
                plain(point.ikm, 2),
                "",
                str(point.responses),
            ]
        )
    return rows


def csv_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheets read the accents right."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_name(report: Report, extension: str) -> str:
    """A download's name, safe in a header: ikm-polres-skck-2026-q2.csv."""
    parts = ("ikm", report.scope_code, report.figures.period.key, "legacy" if report.legacy else "")
    stem = "-".join(p for p in parts if p).lower()
    return re.sub(r"[^a-z0-9-]+", "-", stem).strip("-") + f".{extension}"
