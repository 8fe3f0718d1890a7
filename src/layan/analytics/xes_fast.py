"""The fast XES reader: Polars over the lines of a log written one element per line.

Every XES writer (ProM, pm4py, Disco, Celonis, Layan) puts each element on a line of its
own, and every attribute reads `<type key="K" value="V"/>`. Split at the double quotes
(which an XML value can only carry as `&quot;`), such a line is five fields: the tag and
`key=`, the key, ` value=`, the value, and `/>`. Polars's CSV reader splits the whole file
that way on every core; the shape of each distinct line start is then recognised once,
the nesting depth is a running sum, and each event's attributes are picked by key with
vectorised filters, so no Python code runs per event.

It is strict: the file must be well-formed and every line one of those shapes, with
closing tags matching their openings. For anything else (several elements on a line,
comments, CDATA, another encoding, unknown elements, a DOCTYPE, attributes in another
order, a stray character) it returns None and `analytics.xes_read` hands the file to the
general reader, which also reports what is wrong with a bad file. Both readers give
identical results on the same file (tests/unit/test_xes_readers.py holds them to it).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl

from layan.analytics.xes import EVENT_KEYS, RAW_SCHEMA, RawLog
from layan.analytics.xes_general import read_general
from layan.analytics.xes_shapes import (
    EVENT_OPEN,
    ODD,
    OPEN,
    OTHER_KEY,
    TRACE_OPEN,
    VALUED,
    VALUED_OPEN,
    line_roles,
)
from layan.core.errors import DomainError

_FIRST_TRACE = re.compile(rb"(?m)^[ \t]*<trace>[ \t]*\r?$")
_HEADER_LIMIT = 16 << 20
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_REFERENCE = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _header(source: Path | bytes) -> tuple[bytes, int] | None:
    """The text before the first `<trace>` line, and how many lines it has."""
    if isinstance(source, bytes):
        found = _FIRST_TRACE.search(source, 0, _HEADER_LIMIT)
        return (source[: found.start()], source.count(b"\n", 0, found.start())) if found else None
    with source.open("rb") as stream:
        head = b""
        while len(head) < _HEADER_LIMIT and (block := stream.read(1 << 16)):
            head += block
            found = _FIRST_TRACE.search(head)
            if found and found.end() < len(head):
                return head[: found.start()], head.count(b"\n", 0, found.start())
    return None


def _log_attributes(head: bytes) -> dict[str, str] | None:
    """The log's attributes from its header, or None when the header is not plain UTF-8
    XES: another encoding, a DOCTYPE, or a trace already."""
    declared = _ENCODING.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        raw = read_general(head + b"\n</log>\n")
    except DomainError:
        return None
    return raw.attributes if raw.events.height == 0 else None


def _fields() -> dict[str, pl.DataType]:
    """The fields of a line split at double quotes. The few distinct line starts, keys and
    tails are read as categories, so each is recognised once by its code; the categories
    are this read's own, so reading many logs leaves nothing behind."""
    own = pl.Categorical(pl.Categories.random())
    return {"f0": own, "f1": own, "f2": own, "f3": pl.String(), "f4": own, "f5": pl.String()}


def _lines(source: Path | bytes, skip: int) -> pl.DataFrame | None:
    """The body split at double quotes, one row per line (blank ones included)."""
    try:
        return pl.read_csv(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            has_header=False,
            separator='"',
            quote_char=None,
            schema=_fields(),
            truncate_ragged_lines=True,
            missing_columns="insert",
            skip_lines=skip,
        )
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None


def _unescape(text: str) -> str | None:
    """An attribute value as XML reads it; None when an `&` starts no reference XML
    knows, or one to a character XML cannot carry."""

    def character(found: re.Match[str]) -> str:
        hexa, decimal, name = found.groups()
        if name:
            return _NAMED[name]
        code = int(hexa, 16) if hexa else int(decimal)
        if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF:
            if code not in (0xFFFE, 0xFFFF):
                return chr(code)
        raise ValueError(code)

    if "&" in _REFERENCE.sub("", text):
        return None
    try:
        return _REFERENCE.sub(character, text)
    except ValueError:
        return None


def _references(values: pl.Series, flagged_lines: pl.Series) -> dict[str, str] | None:
    """Each value holding a reference, read; None when any value holds a character XML
    would refuse or rewrite, or a reference that does not read."""
    flagged = values.filter(flagged_lines).unique()
    if flagged.str.contains_any(ODD).any():
        return None
    read = {value: _unescape(value) for value in flagged.to_list()}
    if any(v is None for v in read.values()):
        return None
    return {k: v for k, v in read.items() if v is not None}


def _column(numbers: pl.Series, found: pl.Series, count: int) -> pl.Series:
    """The value of each event (or trace) numbered 1..count from the values `found`
    with their element's number: null where it has none, the last where it repeats."""
    steps = numbers.diff().drop_nulls()
    if numbers.len() == count and (steps == 1).all():
        return found  # every element has the key, once: already in order
    if (steps == 0).any():
        kept = pl.DataFrame({"n": numbers, "v": found}).unique(
            "n", keep="last", maintain_order=True
        )
        numbers, found = kept["n"], kept["v"]
    return pl.repeat(None, count, dtype=pl.String, eager=True).scatter(numbers - 1, found)


def _event_keys(frame: pl.DataFrame) -> pl.Series:
    """Each line's key code where it is a valued attribute of an event, OTHER_KEY
    elsewhere."""
    in_event = pl.col("level") == 3
    if frame.select(
        ((pl.col("level") == 2) & pl.col("role").is_in([VALUED_OPEN, OPEN])).any()
    ).item():
        # A trace attribute with children: what nests in it belongs to no event.
        opened = pl.when((pl.col("level") == 2) & (pl.col("delta") == 1))
        in_event = in_event & opened.then(pl.col("role") == EVENT_OPEN).forward_fill()
    valued = in_event & (pl.col("role") >= VALUED)
    return frame.select(pl.when(valued).then("key").otherwise(OTHER_KEY)).to_series()


def _found(frame: pl.DataFrame, values: pl.Series) -> list[pl.DataFrame]:
    """For each event key in turn, then for the trace's name: the numbers of the elements
    that carry it and its values, picked from all lines at once."""
    role, level = pl.col("role"), pl.col("level")
    lines = frame.select(
        key=_event_keys(frame),
        named=(level == 2) & (role >= VALUED) & (pl.col("key") == 0),
        event=(role == EVENT_OPEN).cum_sum(),
        trace=(role == TRACE_OPEN).cum_sum(),
        value=values,
    ).lazy()
    value = pl.col("value").fill_null("")
    picks = [
        lines.filter(pl.col("key") == i).select(number="event", value=value)
        for i in range(len(EVENT_KEYS))
    ]
    picks.append(lines.filter("named").select(number="trace", value=value))
    return pl.collect_all(picks)


def _events(frame: pl.DataFrame, values: pl.Series, skip: int) -> pl.DataFrame:
    """One row per event: its attributes by key, its line, its trace's name and line."""
    role = frame["role"]
    trace_rows, event_rows = (role == TRACE_OPEN).arg_true(), (role == EVENT_OPEN).arg_true()
    *by_key, names = _found(frame, values)
    columns = {
        column: _column(found["number"], found["value"], event_rows.len())
        for column, found in zip(EVENT_KEYS.values(), by_key, strict=True)
    }
    trace = trace_rows.search_sorted(event_rows, side="right") - 1
    first = skip + 1  # the body's first line
    return (
        pl.DataFrame(columns)
        .with_columns(
            case_id=_column(names["number"], names["value"], trace_rows.len()).gather(trace),
            line=event_rows.cast(pl.Int64) + first,
            trace_line=trace_rows.cast(pl.Int64).gather(trace) + first,
        )
        .select(list(RAW_SCHEMA))
    )


def read_fast(source: Path | bytes) -> RawLog | None:
    """The log's events, or None when the file is not in the one-element-per-line layout
    this reader knows (the general reader then reads it)."""
    head = _header(source)
    attributes = _log_attributes(head[0]) if head is not None else None
    if head is None or attributes is None:
        return None
    lines = _lines(source, head[1])
    if lines is None or lines.height == 0:
        return None
    frame = line_roles(lines)
    references = _references(lines["f3"], frame["flagged"]) if frame is not None else None
    if frame is None or references is None:
        return None
    raw = _events(frame, lines["f3"], head[1])
    if references:
        raw = raw.with_columns(
            pl.col(c).replace(references) for c in RAW_SCHEMA if RAW_SCHEMA[c] == pl.String
        )
    return RawLog(raw, attributes)
