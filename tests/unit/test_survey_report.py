"""The published report's pure shaping: periods, the element table, CSV rows, the chart, PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from layan.surveys import pdf, report, rules
from layan.web.messages import translate

KEYS = rules.ELEMENT_KEYS
# Three respondents: 36 + 27 + 28 = 91 points over 27 answers -> 84.26, band B.
MAY = [
    dict.fromkeys(KEYS, 4),
    dict.fromkeys(KEYS, 3),
    dict(zip(KEYS, (4, 4, 3, 3, 2, 4, 4, 1, 3), strict=True)),
]


def words(language: str = "id") -> report.Words:
    return lambda key, **params: translate(key, language, **params)


def figures(
    period: report.Period, rows: list[dict[str, int]] | None, **counts: int
) -> report.Figures:
    result = None if rows is None else rules.compute_ikm(rows)
    served = counts.get("served", 0)
    return report.Figures(
        period,
        period.start,
        period.end,
        result,
        served,
        rules.sample_size(served),
        rules.sample_size_met(result.responses if result else 0, served),
    )


def may_report(**changes: object) -> report.Report:
    quarters = report.periods_of_year(2026, "quarter")
    main = figures(report.select_period(2026, "quarter", 2), MAY, served=10)
    trend = (figures(quarters[0], []), main, figures(quarters[2], None), figures(quarters[3], None))
    fields: dict[str, object] = {
        "scope_kind": "unit",
        "scope_code": "POLRES.SKCK",
        "scope_name": "Unit Pelayanan SKCK",
        "agency_code": "POLRES",
        "agency_name": "Kepolisian Resor Suka Maju",
        "period_kind": "quarter",
        "figures": main,
        "trend": trend,
        "suggestions": ("Ruang tunggu panas", "Antrean, lama"),
        "suggestions_total": 2,
        **changes,
    }
    return report.Report(**fields)  # type: ignore[arg-type]


# --- periods -------------------------------------------------------------------------


def test_the_quarters_of_a_year_run_from_january_to_december_without_gaps() -> None:
    quarters = report.periods_of_year(2026, "quarter")
    assert [(q.start, q.end) for q in quarters] == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
    ]
    assert [q.key for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def test_semesters_split_the_year_at_the_end_of_june() -> None:
    first, second = report.periods_of_year(2026, "semester")
    assert (first.start, first.end) == (date(2026, 1, 1), date(2026, 6, 30))
    assert (second.start, second.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert (first.key, second.label("id"), second.label("en")) == (
        "2026-S1",
        "Semester II 2026",
        "H2 2026",
    )


@pytest.mark.parametrize("kind", ["year", "semester", "quarter", "month"])
@pytest.mark.parametrize("year", [2026, 2028])
def test_the_periods_of_any_kind_cover_every_day_of_the_year_once(kind: str, year: int) -> None:
    periods = report.periods_of_year(year, kind)
    assert periods[0].start == date(year, 1, 1) and periods[-1].end == date(year, 12, 31)
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
    assert [p.number for p in periods] == list(range(1, len(periods) + 1))


def test_months_end_on_their_last_day_including_february_in_a_leap_year() -> None:
    assert report.periods_of_year(2026, "month")[1].end == date(2026, 2, 28)
    assert report.periods_of_year(2028, "month")[1].end == date(2028, 2, 29)
    march = report.periods_of_year(2026, "month")[2]
    assert (march.key, march.label("id"), march.label("en"), march.short("id")) == (
        "2026-03",
        "Maret 2026",
        "March 2026",
        "Mar",
    )
    assert report.periods_of_year(2026, "month")[7].short("id") == "Agu"


def test_a_quarter_is_named_in_roman_numerals_in_indonesian_and_q_in_english() -> None:
    second = report.select_period(2026, "quarter", 2)
    assert (second.label("id"), second.label("en")) == ("Triwulan II 2026", "Q2 2026")
    assert (second.short("id"), second.short("en")) == ("TW II", "Q2")


def test_a_report_without_a_period_number_covers_the_whole_year() -> None:
    whole = report.select_period(2026, "month", None)
    assert (whole.kind, whole.start, whole.end) == ("year", date(2026, 1, 1), date(2026, 12, 31))
    assert whole.label("id") == "Tahun 2026"
    assert report.select_period(2026, "year", 3) == whole


@pytest.mark.parametrize(("kind", "number"), [("quarter", 5), ("semester", 3), ("month", 0)])
def test_a_period_number_outside_the_year_is_refused(kind: str, number: int) -> None:
    with pytest.raises(ValueError, match=str(number)):
        report.select_period(2026, kind, number)


def test_an_unknown_kind_of_period_is_refused() -> None:
    with pytest.raises(ValueError, match="week"):
        report.periods_of_year(2026, "week")


def test_a_yearly_trend_shows_the_last_three_years() -> None:
    years = report.trend_periods(2026, "year")
    assert [p.key for p in years] == ["2024", "2025", "2026"]
    assert len(report.trend_periods(2026, "month")) == 12


def test_a_running_period_is_counted_up_to_today_and_others_whole() -> None:
    q2 = report.select_period(2026, "quarter", 2)
    today = date(2026, 6, 2)
    assert report.window(q2, today) == (date(2026, 4, 1), today)
    assert report.window(q2, date(2026, 6, 30)) == (q2.start, q2.end)
    assert report.window(q2, date(2026, 8, 1)) == (q2.start, q2.end)
    q3 = report.select_period(2026, "quarter", 3)
    assert not report.started(q3, today) and report.started(q2, today)


# --- figures and the element table ---------------------------------------------------


def test_the_element_table_gives_nrr_to_2_decimals_and_weighted_nrr_to_3() -> None:
    shaped = may_report()
    lines = {line.key: line for line in shaped.elements}
    assert [line.key for line in shaped.elements] == list(KEYS)
    assert (lines["complaints"].nrr, lines["complaints"].weighted) == (
        Decimal("2.67"),
        Decimal("0.296"),
    )
    assert (lines["requirements"].nrr, lines["requirements"].weighted) == (
        Decimal("3.67"),
        Decimal("0.407"),
    )
    assert all(line.answered == 3 for line in shaped.elements)
    assert shaped.weighted_total == Decimal("3.370")
    assert shaped.weight_label("id") == "1/9"
    assert [line.key for line in shaped.weakest] == ["complaints", "product", "time"]


def test_legacy_weighing_uses_0_111_for_every_element() -> None:
    legacy = rules.compute_ikm(MAY, legacy=True)
    period = report.select_period(2026, "year")
    shaped = may_report(
        figures=report.Figures(period, period.start, period.end, legacy), legacy=True
    )
    lines = {line.key: line for line in shaped.elements}
    assert lines["complaints"].weighted == Decimal("0.296")  # 2.666... x 0.111
    assert lines["requirements"].weighted == Decimal("0.407")  # 3.666... x 0.111
    assert shaped.weight_label("id") == "0,111"
    assert shaped.figures.ikm == Decimal("84.18")  # 91/3 x 0.111 x 25 = 84.175


@pytest.mark.parametrize(
    ("responses", "served", "met", "status"),
    [
        (0, 100, False, "no_responses"),
        (5, 0, True, "unknown_population"),
        (79, 100, False, "not_met"),
        (80, 100, True, "met"),
    ],
)
def test_the_sample_sentence_follows_the_responses_and_the_people_served(
    responses: int, served: int, met: bool, status: str
) -> None:
    assert report.sample_status(responses, served, met) == status


def test_a_period_not_begun_has_no_figures_and_says_so() -> None:
    future = figures(report.select_period(2026, "quarter", 4), None)
    assert (future.started, future.responses, future.ikm, future.band) == (False, 0, None, None)
    assert future.sample_status == "not_started"


def test_figures_are_shown_with_a_decimal_comma_in_indonesian_and_a_dot_in_english() -> None:
    assert report.shown(Decimal("84.255"), 2, "id") == "84,26"
    assert report.shown(Decimal("84.255"), 2, "en") == "84.26"
    assert report.shown(None, 2, "id") == "–"
    assert report.plain(Decimal("3.3704"), 3) == "3.370"
    assert report.plain(None, 2) == ""


# --- CSV -----------------------------------------------------------------------------


def _parsed(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_the_csv_has_one_row_per_element_then_the_summary_rows() -> None:
    rows = _parsed(report.csv_bytes(report.csv_rows(may_report(), "id", words())))
    assert rows[0] == ["key", "name", "nrr", "weighted_nrr", "answered"]
    assert rows[1] == ["requirements", "Persyaratan", "3.67", "0.407", "3"]
    assert rows[2] == ["procedure", "Sistem, Mekanisme, dan Prosedur", "3.67", "0.407", "3"]
    assert rows[8] == [
        "complaints",
        "Penanganan Pengaduan, Saran dan Masukan",
        "2.67",
        "0.296",
        "3",
    ]
    assert [row[0] for row in rows[1:10]] == list(KEYS)
    summary = {row[0]: row[2] for row in rows[10:]}
    assert summary["ikm"] == "84.26"
    assert (summary["mutu"], summary["kinerja"]) == ("B", "Baik")
    assert (summary["responses"], summary["served"], summary["sample_size"]) == ("3", "10", "10")
    assert summary["sample_size_met"] == "not_met"
    assert summary["weighted_total"] == "3.370"
    assert summary["weighting"] == "exact-1/n"
    trend = {row[0]: (row[2], row[4]) for row in rows if row[0].startswith("trend.")}
    assert trend == {
        "trend.2026-Q1": ("", "0"),
        "trend.2026-Q2": ("84.26", "3"),
        "trend.2026-Q3": ("", "0"),
        "trend.2026-Q4": ("", "0"),
    }


def test_the_csv_names_the_elements_in_english_when_asked() -> None:
    rows = report.csv_rows(may_report(), "en", words("en"))
    assert rows[1][:2] == ["requirements", "Requirements"]
    assert next(r for r in rows if r[0] == "kinerja")[2] == "Good"
    assert next(r for r in rows if r[0] == "ikm")[1] == "Satisfaction index (IKM)"


def test_a_csv_without_responses_keeps_every_element_row_and_leaves_figures_blank() -> None:
    empty = figures(report.select_period(2026, "year"), [])
    rows = report.csv_rows(may_report(figures=empty, trend=(empty,)), "id", words())
    assert [row[0] for row in rows[1:10]] == list(KEYS)
    assert all(row[2:] == ["", "", "0"] for row in rows[1:10])
    summary = {row[0]: row[2] for row in rows[10:]}
    assert (summary["ikm"], summary["mutu"], summary["sample_size_met"]) == (
        "",
        "",
        "no_responses",
    )


def test_a_download_is_named_after_its_scope_and_period_safely() -> None:
    assert report.file_name(may_report(), "csv") == "ikm-polres-skck-2026-q2.csv"
    assert report.file_name(may_report(legacy=True), "pdf") == "ikm-polres-skck-2026-q2-legacy.pdf"
    odd = may_report(scope_code='a"b/..\\c d')
    assert re.fullmatch(r"[a-z0-9-]+\.csv", report.file_name(odd, "csv"))


# --- PDF -----------------------------------------------------------------------------


def _pages(content: bytes) -> int:
    found = re.search(rb"/Type /Pages\s*/Count (\d+)|/Count (\d+)", content)
    assert found is not None
    return int(next(g for g in found.groups() if g))


def test_the_pdf_names_the_scope_and_prints_the_index_and_its_band() -> None:
    content = pdf.render_pdf(may_report(), "id", words(), compress=False)
    assert content.startswith(b"%PDF")
    assert _pages(content) == 1
    for text in (b"Unit Pelayanan SKCK", b"POLRES.SKCK", b"84,26", b"Triwulan II 2026"):
        assert text in content, text
    assert b"Ruang tunggu panas" in content


def test_a_full_year_of_months_with_many_long_suggestions_fits_on_two_pages() -> None:
    months = report.periods_of_year(2026, "month")
    trend = tuple(figures(m, MAY) for m in months)
    long_text = "Pelayanan perlu diperbaiki <segera> & " * 60
    actions = tuple(
        report.ActionLine(f"Tindak lanjut {n} " + "x" * 150, "open", date(2026, 7, 1))
        for n in range(40)
    )
    shaped = may_report(
        trend=trend,
        period_kind="month",
        suggestions=tuple(f"{n}. {long_text}" for n in range(200)),
        suggestions_total=230,
        actions=actions,
    )
    content = pdf.render_pdf(shaped, "en", words("en"), compress=False)
    assert _pages(content) <= 2
    assert f"and {230 - pdf.MAX_SUGGESTIONS} more suggestions".encode() in content
    assert f"and {40 - pdf.MAX_ACTIONS} more actions".encode() in content
    assert b"December 2026" in content


def test_a_pdf_of_a_period_without_responses_says_so() -> None:
    empty = figures(report.select_period(2026, "quarter", 1), [])
    shaped = may_report(figures=empty, trend=(empty,), suggestions=(), suggestions_total=0)
    content = pdf.render_pdf(shaped, "id", words(), compress=False)
    assert _pages(content) == 1
    assert b"Belum ada responden pada periode ini" in content


def test_characters_outside_the_pdf_fonts_become_question_marks() -> None:
    shaped = may_report(suggestions=("Ruang tunggu \U0001f600 panas 中文",), suggestions_total=1)
    content = pdf.render_pdf(shaped, "id", words(), compress=False)
    assert b"Ruang tunggu ? panas ??" in content
