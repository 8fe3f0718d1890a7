"""The fast XES reader and the general one find the same events in the same log, and
what Layan writes reads back as it was."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layan.analytics.eventlog import SCHEMA
from layan.analytics.xes import LogHeader, escape, write_xes
from layan.analytics.xes_read import read_xes
from layan.core.errors import ValidationFailedError

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
NAMES = st.sampled_from(["submit", "verifikasi", "tanda tangan", "A&B", 'x"y', "<z>"])
STAMPS = st.sampled_from(
    [
        "2026-01-05T08:00:00.000+07:00",
        "2026-01-05T01:00:00Z",
        "2026-01-05T01:00:00.5+00:00",
        "2026-01-05T01:00:01",
        "2026-01-04T20:00:00.123456-05:00",
        "2026-01-05T01:00:00.1234567+0000",
    ]
)
KEYS = st.sampled_from(
    ["concept:name", "lifecycle:transition", "org:resource", "org:role", "org:group",
     "layan:agency", "layan:outcome", "cost", "concept:instance"]
)  # fmt: skip
NESTED = '<string key="concept:name" value="nested"/>'
EXTRAS = st.sampled_from(
    [
        [],
        ['<container key="detail">', f"\t{NESTED}", "</container>"],
        ['<list key="docs">', "\t<values>", f"\t\t{NESTED}", "\t</values>", "</list>"],
        [
            '<string key="org:role" value="outer">',
            '\t<int key="layan:task" value="5"/>',
            "</string>",
        ],
        ['<boolean key="late" value="true"/>'],
    ]
)


def attribute(key: str, value: str, kind: str = "string") -> str:
    return f'<{kind} key="{escape(key)}" value="{escape(value)}"/>'


@st.composite
def events(draw: st.DrawFn) -> list[str]:
    """An event's lines: its attributes in any order, repeated keys, nested ones."""
    blocks = [[attribute("concept:name", draw(NAMES))]]
    blocks.append([attribute("time:timestamp", draw(STAMPS), "date")])
    for _ in range(draw(st.integers(0, 4))):
        blocks.append([attribute(draw(KEYS), draw(TEXT))])
    if draw(st.booleans()):
        blocks.append([attribute("layan:task", str(draw(st.integers(-5, 10**12))), "int")])
    blocks.append(draw(EXTRAS))
    draw(st.randoms()).shuffle(blocks)
    return ["<event>", *(f"\t{line}" for block in blocks for line in block), "</event>"]


@st.composite
def logs(draw: st.DrawFn) -> bytes:
    """A log with one element per line, indented with tabs or spaces, LF or CRLF."""
    body: list[str] = []
    for case in range(draw(st.integers(1, 4))):
        trace = [attribute("concept:name", draw(st.sampled_from([f"C{case}", "C&1", "k"])))]
        for _ in range(draw(st.integers(0, 4))):
            trace += draw(events())
        if draw(st.booleans()):
            trace += ['<string key="note" value="after the events"/>']
        body += [
            "<trace>",
            *(f"\t{line}" for line in trace),
            "</trace>",
            *draw(st.sampled_from([[], [""]])),
        ]
    indent = draw(st.sampled_from(["\t", "  ", "    "]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">',
        *(indent + line.replace("\t", indent) for line in body),
        "</log>",
    ]
    return (newline.join(lines) + newline).encode()


def fast(data: bytes) -> object:
    """The fast reader's events and log attributes, or its complaint with the line."""
    try:
        log = read_xes(data, how="fast")
    except ValidationFailedError as refused:
        return [(e.field, e.text.en) for e in refused.errors]
    return log.frame.rows(), log.lines.to_list(), log.attributes


@given(logs())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_fast_reader_finds_what_the_general_one_finds(data: bytes) -> None:
    assert fast(data) == general(data, lines=True)


@given(logs(), st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_fast_reader_steps_aside_for_a_broken_log_or_agrees(
    data: bytes, pick: st.DataObject
) -> None:
    lines = data.split(b"\n")
    dropped = pick.draw(st.integers(0, len(lines) - 1))
    broken = b"\n".join(lines[:dropped] + lines[dropped + 1 :])
    try:
        found = fast(broken)
    except LookupError:
        return  # stepped aside: the general reader speaks for the file
    assert found == general(broken, lines=True)


def general(data: bytes, lines: bool = False) -> object:
    """The general reader's events and log attributes, or its complaint (with the event
    lines and the line of the fault when `lines`)."""
    try:
        log = read_xes(data, how="general")
    except ValidationFailedError as refused:
        return [(e.field, e.text.en) if lines else e.text.en for e in refused.errors]
    if lines:
        return log.frame.rows(), log.lines.to_list(), log.attributes
    return log.frame.rows(), log.attributes


@given(logs())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_log_reads_the_same_whatever_its_layout(data: bytes) -> None:
    one_line = re.sub(rb">\s*\r?\n\s*<", b"><", data)  # every element on one line
    with pytest.raises(LookupError):
        read_xes(one_line, how="fast")
    with_comments = data.replace(b"<event>", b"<event><!-- <event> -->")
    assert general(one_line) == general(with_comments) == general(data)


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["LYN1", "LYN2", "LYN&3"]),
        TEXT.filter(bool),
        st.sampled_from(["schedule", "start", "complete", None]),
        st.integers(0, 10**6),
        TEXT,
        st.one_of(st.none(), st.integers(1, 10**9)),
    ),
    min_size=1,
    max_size=20,
)


def _legal(text: str | None) -> str | None:
    """What XML can carry of a text: characters it cannot are written as U+FFFD."""
    return (
        None if text is None else re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)
    )


@given(ROWS, st.integers(1, 7))
@settings(max_examples=120, deadline=None)
def test_what_layan_writes_reads_back_as_it_was(rows: list[tuple], chunk: int) -> None:
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    table = pl.DataFrame(
        [
            {
                "case_id": case, "activity": activity, "lifecycle": lifecycle,
                "timestamp": start + timedelta(milliseconds=ms), "resource": resource or None,
                "role": "processor", "unit": None, "agency": "DPMPTSP", "task": task,
                "outcome": None,
            }
            for case, activity, lifecycle, ms, resource, task in rows
        ],
        schema=SCHEMA,
        orient="row",
    ).sort("case_id", maintain_order=True)  # fmt: skip
    out = io.BytesIO()
    chunks = (
        table.slice(i, chunk).with_columns(service=pl.lit("pbg"))
        for i in range(0, len(rows), chunk)
    )
    write_xes(chunks, out, LogHeader(name="uji & <coba>"))
    expected = table.with_columns(
        pl.col(c).map_elements(_legal, return_dtype=pl.String) for c in ("activity", "resource")
    )
    for how in ("fast", "general"):
        log = read_xes(out.getvalue(), how=how)  # type: ignore[arg-type]
        assert log.frame.equals(expected)
        assert log.attributes["concept:name"] == "uji & <coba>"
