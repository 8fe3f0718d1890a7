"""The published satisfaction report as a PDF: one or two A4 pages drawn with reportlab.

Pure: it draws a `report.Report` and nothing else, with the words the caller passes (the
pages' own, so the PDF says what the HTML page says). Respondents' suggestions are
printed as text only, the newest first, cut to a number and a length that keep the
report within two pages; the rest is counted ("and 12 more").
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from layan.surveys import report as shape
from layan.surveys.report import Report, Words

MAX_SUGGESTIONS = 12
MAX_SUGGESTION_CHARS = 240
MAX_ACTIONS = 10
_BRAND = colors.HexColor("#0b5394")
_SOFT = colors.HexColor("#f3f6f8")
_LINE = colors.HexColor("#c9d1d9")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontSize=15, leading=18, alignment=0, spaceAfter=2
        ),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=11, leading=13, spaceBefore=8, spaceAfter=3
        ),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "big": ParagraphStyle("big", parent=body, fontSize=13, leading=16),
    }


def _printable(text: str) -> str:
    """The text in the standard PDF fonts' character set; anything else becomes "?"."""
    return text.encode("cp1252", "replace").decode("cp1252")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(_printable(text)), style)


def _table(rows: list[list[object]], widths: list[float], numeric_from: int | None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    if numeric_from is not None:
        table.setStyle(TableStyle([("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT")]))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), _SOFT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, _LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _sample_sentence(report: Report, language: str, words: Words) -> str:
    figures = report.figures
    return words(
        f"ikm.sample.{figures.sample_status}",
        responses=figures.responses,
        required=figures.sample_required,
        served=figures.served,
    )


def _summary(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    figures = report.figures
    band = figures.band
    if figures.ikm is None or band is None:
        return [_p(_sample_sentence(report, language, words), st["big"])]
    headline = words(
        "ikm.pdf.headline",
        ikm=shape.shown(figures.ikm, 2, language),
        mutu=band.mutu,
        kinerja=band.kinerja(language),
        responses=figures.responses,
    )
    return [
        Paragraph(f"<b>{escape(_printable(headline))}</b>", st["big"]),
        _p(_sample_sentence(report, language, words), st["body"]),
    ]


def _elements(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    rows: list[list[object]] = [
        [
            words("ikm.col.no"),
            words("ikm.col.element"),
            words("ikm.col.nrr"),
            words("ikm.col.weighted"),
            words("ikm.col.answered"),
        ]
    ]
    for n, line in enumerate(report.elements, 1):
        rows.append(
            [
                str(n),
                _p(line.name(language), st["cell"]),
                shape.shown(line.nrr, 2, language),
                shape.shown(line.weighted, 3, language),
                str(line.answered),
            ]
        )
    rows.append(
        ["", words("ikm.weighted_total"), "", shape.shown(report.weighted_total, 3, language), ""]
    )
    rows.append(["", words("ikm.ikm_row"), "", shape.shown(report.figures.ikm, 2, language), ""])
    table = _table(rows, [10 * mm, 88 * mm, 22 * mm, 30 * mm, 28 * mm], 2)
    table.setStyle(TableStyle([("FONT", (0, -2), (-1, -1), "Helvetica-Bold", 8.5)]))
    return [_p(words("ikm.elements.heading"), st["h2"]), table]


def _trend(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    rows: list[list[object]] = [
        [
            words("ikm.col.period"),
            words("ikm.col.ikm"),
            words("ikm.col.mutu"),
            words("ikm.col.responses"),
            words("ikm.col.sample"),
        ]
    ]
    for point in report.trend:
        band = point.band
        rows.append(
            [
                point.period.label(language),
                shape.shown(point.ikm, 2, language),
                band.mutu if band else "–",
                str(point.responses),
                words(f"ikm.sample_short.{point.sample_status}"),
            ]
        )
    table = _table(rows, [42 * mm, 22 * mm, 16 * mm, 24 * mm, 74 * mm], 1)
    table.setStyle(TableStyle([("ALIGN", (4, 0), (4, -1), "LEFT")]))
    return [_p(words("ikm.trend.heading"), st["h2"]), table]


def _weakest(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    if not report.weakest:
        return []
    items = [
        ListItem(
            _p(f"{line.name(language)}: {shape.shown(line.nrr, 2, language)}", st["body"]),
            leftIndent=12,
        )
        for line in report.weakest
    ]
    return [
        _p(words("ikm.weakest.heading"), st["h2"]),
        ListFlowable(items, bulletType="1", bulletFontSize=9, leftIndent=12),
    ]


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_SUGGESTION_CHARS else flat[: MAX_SUGGESTION_CHARS - 1] + "…"


def _suggestions(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    flow: list[object] = [_p(words("ikm.suggestions.heading"), st["h2"])]
    shown = report.suggestions[:MAX_SUGGESTIONS]
    if not shown:
        return [*flow, _p(words("ikm.suggestions.none"), st["body"])]
    items = [ListItem(_p(_cut(text), st["small"]), leftIndent=10) for text in shown]
    flow.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=10))
    more = report.suggestions_total - len(shown)
    if more > 0:
        flow.append(_p(words("ikm.suggestions.more", n=more), st["small"]))
    return flow


def _actions(report: Report, language: str, words: Words, st: dict) -> list:  # type: ignore[type-arg]
    if not report.actions:
        return []
    rows: list[list[object]] = [
        [words("ikm.col.action"), words("ikm.col.status"), words("ikm.col.due")]
    ]
    for action in report.actions[:MAX_ACTIONS]:
        rows.append(
            [
                _p(action.title, st["cell"]),
                words(f"ikm.action.{action.status}"),
                shape.long_date(action.due_on, language),
            ]
        )
    flow: list[object] = [
        _p(words("ikm.actions.heading"), st["h2"]),
        _table(rows, [118 * mm, 30 * mm, 30 * mm], None),
    ]
    more = len(report.actions) - MAX_ACTIONS
    if more > 0:
        flow.append(_p(words("ikm.actions.more", n=more), st["small"]))
    return flow


def render_pdf(report: Report, language: str, words: Words, *, compress: bool = True) -> bytes:
    """The report as PDF bytes: title, scope and period, the index and its sample, the
    element table, the trend, the weakest elements, suggestions and follow-up actions.

    `compress=False` leaves the page streams readable, for checking what is printed.
    """
    st = _styles()
    out = io.BytesIO()
    title = words("ikm.pdf.title", name=report.scope_name)
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=report.agency_name,
        creator="Layan",
        lang=language,
        pageCompression=1 if compress else 0,
    )
    figures = report.figures
    period = words(
        "ikm.period",
        label=figures.period.label(language),
        start=shape.long_date(figures.start, language),
        end=shape.long_date(figures.end, language),
    )
    flow: list[object] = [
        _p(title, st["title"]),
        _p(f"{words(f'ikm.scope.{report.scope_kind}')}: {report.scope_code}", st["body"]),
        _p(report.agency_name, st["body"]),
        _p(period, st["body"]),
    ]
    if report.legacy:
        flow.append(_p(words("ikm.legacy.on"), st["small"]))
    flow += [Spacer(1, 3 * mm), *_summary(report, language, words, st)]
    if report.elements:
        flow += _elements(report, language, words, st)
    flow += [KeepTogether(_trend(report, language, words, st))]
    flow += _weakest(report, language, words, st)
    flow += _suggestions(report, language, words, st)
    flow += _actions(report, language, words, st)
    flow += [Spacer(1, 3 * mm), _p(words("ikm.pdf.footer"), st["small"])]
    document.build(flow)
    return out.getvalue()
