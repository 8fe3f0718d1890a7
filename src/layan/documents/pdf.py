"""An issued document as a one-page A4 PDF: letterhead, content, signature block and QR.

Pure: it draws a `Sheet` and nothing else. The QR code (segno) holds the document's
compact JWS itself and is drawn as vector squares, so it stays sharp at any print size
and scans from paper. Fonts are embedded (Bitstream Vera, shipped with reportlab), so the
file shows the same everywhere; the output is byte-for-byte the same for the same sheet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

QR_SIZE = 48 * mm
QR_ERROR = "m"  # 15% of the code may be lost (a crease, a stamp) and it still reads
_FONTS = Path(reportlab.__file__).parent / "fonts"
_INK = colors.HexColor("#111111")
_MUTED = colors.HexColor("#444444")


@dataclass(frozen=True)
class Letterhead:
    """The kop surat: the government above the agency, and how to reach the agency."""

    government: str  # e.g. "PEMERINTAH KABUPATEN SUKA MAJU"
    agency: str
    address: str = ""
    contact: str = ""  # phone, email, website on one line


@dataclass(frozen=True)
class Sheet:
    """Everything printed on one issued document, in the words it is printed in."""

    letterhead: Letterhead
    title: str
    number: str
    intro: str
    rows: list[tuple[str, str]]
    statement: str
    place_and_date: str
    signer_title: str
    signer_name: str
    jws: str
    verify_lines: list[str]
    legal_basis: list[str] = field(default_factory=list)
    legal_basis_heading: str = "Dasar hukum"
    validity: str | None = None
    footnote: str | None = None
    electronic_note: str = "Ditandatangani secara elektronik"


@cache
def _font_names() -> tuple[str, str, str]:
    for name, file in (
        ("Layan", "Vera.ttf"),
        ("Layan-Bold", "VeraBd.ttf"),
        ("Layan-It", "VeraIt.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(_FONTS / file)))
    return "Layan", "Layan-Bold", "Layan-It"


@cache
def _covered() -> frozenset[int]:
    font = pdfmetrics.getFont(_font_names()[0])
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def printable(text: str) -> str:
    """The text with characters the embedded font cannot draw replaced by "?"."""
    covered = _covered()
    return "".join(c if ord(c) in covered or c in "\n" else "?" for c in text)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


class QrCode(Flowable):
    """A QR code of `data` drawn as squares, `size` wide including its quiet zone."""

    def __init__(self, data: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.code = segno.make(data, error=QR_ERROR, micro=False)
        self.size = size
        self.width = self.height = size

    def wrap(self, *_: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        rows = list(self.code.matrix_iter(scale=1, border=4))
        module = self.size / len(rows)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(rows):
            top = self.size - (y + 1) * module
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                # One rectangle per run of dark modules: fewer shapes, no hairline gaps.
                canvas.rect(start * module, top, (x - start) * module, module, stroke=0, fill=1)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = _font_names()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13.5, textColor=_INK)
    return {
        "gov": ParagraphStyle("gov", parent=body, fontName=bold, fontSize=12, alignment=TA_CENTER),
        "agency": ParagraphStyle(
            "agency", parent=body, fontName=bold, fontSize=13, leading=16, alignment=TA_CENTER
        ),
        "address": ParagraphStyle(
            "address", parent=body, fontSize=8.5, leading=11, alignment=TA_CENTER
        ),
        "title": ParagraphStyle(
            "title", parent=body, fontName=bold, fontSize=12.5, leading=16, alignment=TA_CENTER
        ),
        "number": ParagraphStyle("number", parent=body, alignment=TA_CENTER),
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=bold),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=_MUTED),
        "note": ParagraphStyle("note", parent=body, fontName=italic, fontSize=8.5, leading=11),
    }


def _letterhead(head: Letterhead, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    parts: list[Flowable] = [
        _p(head.government.upper(), s["gov"]),
        _p(head.agency.upper(), s["agency"]),
    ]
    for line in (head.address, head.contact):
        if line:
            parts.append(_p(line, s["address"]))
    parts += [
        Spacer(1, 1.5 * mm),
        HRFlowable(width="100%", thickness=1.6, color=_INK, spaceAfter=0.6 * mm),
        HRFlowable(width="100%", thickness=0.5, color=_INK, spaceAfter=5 * mm),
    ]
    return parts


def _rows(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [[_p(label, s["body"]), _p(":", s["body"]), _p(value, s["bold"])] for label, value in rows],
        colWidths=[52 * mm, 4 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _closing(sheet: Sheet, s: dict[str, ParagraphStyle]) -> Table:
    """The QR code and its note on the left, the place, date and signature on the right."""
    signature = [
        _p(sheet.place_and_date, s["body"]),
        _p(sheet.signer_title, s["body"]),
        Spacer(1, 3 * mm),
        _p(sheet.electronic_note, s["note"]),
        Spacer(1, 3 * mm),
        _p(sheet.signer_name, s["bold"]),
    ]
    verify = [QrCode(sheet.jws), *[_p(line, s["small"]) for line in sheet.verify_lines]]
    table = Table([[verify, signature]], colWidths=[80 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 8 * mm),
            ]
        )
    )
    return table


def render(sheet: Sheet) -> bytes:
    """The document as PDF bytes."""
    s = _styles()
    story: list[Flowable] = _letterhead(sheet.letterhead, s)
    story += [_p(sheet.title, s["title"]), _p(sheet.number, s["number"]), Spacer(1, 6 * mm)]
    story += [_p(sheet.intro, s["body"]), Spacer(1, 2 * mm)]
    if sheet.rows:
        story += [_rows(sheet.rows, s), Spacer(1, 3 * mm)]
    story += [_p(sheet.statement, s["body"]), Spacer(1, 3 * mm)]
    if sheet.validity:
        story += [_p(sheet.validity, s["bold"]), Spacer(1, 3 * mm)]
    if sheet.legal_basis:
        story.append(_p(sheet.legal_basis_heading + ":", s["small"]))
        story += [_p(f"{i}. {basis}", s["small"]) for i, basis in enumerate(sheet.legal_basis, 1)]
        story.append(Spacer(1, 3 * mm))
    if sheet.footnote:
        story += [_p(sheet.footnote, s["small"]), Spacer(1, 3 * mm)]
    story.append(KeepTogether([Spacer(1, 4 * mm), _closing(sheet, s)]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=20 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=printable(f"{sheet.title} {sheet.number}"),
        author=printable(sheet.letterhead.agency),
        creator="Layan",
        invariant=1,  # no creation time or random id: the same sheet, the same bytes
    )
    document.build(story)
    return buffer.getvalue()
