"""XES (IEEE 1849-2016) for Layan's event log: its vocabulary, and the writer.

One trace per case (`concept:name` = the tracking number, `layan:service` = the service
code), one event per row with the standard extensions' attributes (concept, lifecycle,
time, org) and Layan's own (`layan:agency`, `layan:task`, `layan:outcome`). The log
declares the extensions it uses, the attributes every trace and event carries (globals)
and the classifiers, so pm4py, ProM, Disco and Celonis read it without a mapping step.

The writer turns frames in the columns of `analytics.eventlog.SCHEMA` (plus `service`)
into XES text with Polars expressions, a chunk at a time, so a log of millions of events
is written without holding it in memory. It writes one element per line, which is the
layout the fast reader (`analytics.xes_fast`) reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

import polars as pl

from layan.analytics.eventlog import SCHEMA
from layan.core.errors import FieldError, Text, ValidationFailedError

# (frame column, XES key, XES type) of every event attribute Layan writes and reads back.
EVENT_ATTRIBUTES = (
    ("activity", "concept:name", "string"),
    ("lifecycle", "lifecycle:transition", "string"),
    ("timestamp", "time:timestamp", "date"),
    ("resource", "org:resource", "string"),
    ("role", "org:role", "string"),
    ("unit", "org:group", "string"),
    ("agency", "layan:agency", "string"),
    ("task", "layan:task", "int"),
    ("outcome", "layan:outcome", "string"),
)
# Elements that are attributes (with `values`, which holds a list's).
ATTRIBUTE_TAGS = frozenset(
    {"string", "date", "int", "float", "boolean", "id", "list", "container", "values"}
)
TRACE_ATTRIBUTES = (("case_id", "concept:name", "string"), ("service", "layan:service", "string"))
EVENT_KEYS = {key: column for column, key, _type in EVENT_ATTRIBUTES}
TRACE_KEYS = {key: column for column, key, _type in TRACE_ATTRIBUTES}

# What a reader hands over: the event columns as text, the event's line and its trace's.
RAW_SCHEMA = {**dict.fromkeys(SCHEMA, pl.String), "line": pl.Int64, "trace_line": pl.Int64}


@dataclass
class RawLog:
    """What a reader found, as text: one row per event in file order (`RAW_SCHEMA`), and
    the log's own attributes."""

    events: pl.DataFrame
    attributes: dict[str, str] = field(default_factory=dict)


def refused(line: int | None, code: str, text: Text) -> ValidationFailedError:
    """The error for a bad file: what is wrong, and on which line."""
    where = f"line {line}" if line is not None else "file"
    return ValidationFailedError(
        Text("Berkas XES ditolak", "The XES file was refused"),
        code="xes_refused",
        errors=[FieldError(where, code, text)],
    )


_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
# Attributes every trace or event has, with the default value tools show for a missing
# one; ProM's convention for a string is "__INVALID__".
_TRACE_GLOBALS = (("string", "concept:name"), ("string", "layan:service"))
_EVENT_GLOBALS = (
    ("string", "concept:name"),
    ("string", "lifecycle:transition"),
    ("date", "time:timestamp"),
    ("string", "org:resource"),
    ("string", "org:role"),
    ("string", "layan:agency"),
)
_DEFAULTS = {"string": "__INVALID__", "date": "1970-01-01T00:00:00.000+00:00"}
_CLASSIFIERS = (
    ("Activity", "concept:name"),
    ("Activity and transition", "concept:name lifecycle:transition"),
    ("Resource", "org:resource"),
)
# XML 1.0 cannot carry these characters at all, not even as references.
_NOT_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\t", "&#9;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.3f+00:00"


def escape(text: str) -> str:
    """`text` as an XML attribute value between double quotes, on one line."""
    for char, entity in _ESCAPES:
        text = text.replace(char, entity)
    return "".join("\ufffd" if _illegal(c) else c for c in text)


def _illegal(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 and char not in "\t\n\r") or code in (0xFFFE, 0xFFFF)


def escaped(column: pl.Expr) -> pl.Expr:
    """The vectorised `escape` of a string column (nulls stay null)."""
    expr = column.str.replace_all(_NOT_XML, "\ufffd")
    for char, entity in _ESCAPES:
        expr = expr.str.replace_all(char, entity, literal=True)
    return expr


@dataclass(frozen=True)
class LogHeader:
    """What the log says of itself: its name, and where it came from."""

    name: str = "Layan"
    source: str = "Layan"


def header(log: LogHeader) -> str:
    """The XES text before the first trace: extensions, globals, classifiers, log name."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">',
    ]
    lines += [f'\t<extension name="{n}" prefix="{p}" uri="{u}"/>' for n, p, u in _EXTENSIONS]
    for scope, declared in (("trace", _TRACE_GLOBALS), ("event", _EVENT_GLOBALS)):
        lines.append(f'\t<global scope="{scope}">')
        lines += [f'\t\t<{t} key="{k}" value="{_DEFAULTS[t]}"/>' for t, k in declared]
        lines.append("\t</global>")
    lines += [f'\t<classifier name="{n}" keys="{k}"/>' for n, k in _CLASSIFIERS]
    lines += [
        f'\t<string key="concept:name" value="{escape(log.name)}"/>',
        '\t<string key="lifecycle:model" value="standard"/>',
        f'\t<string key="source" value="{escape(log.source)}"/>',
    ]
    return "\n".join(lines) + "\n"


FOOTER = "</log>\n"


def _attribute(indent: str, xes_type: str, key: str, value: pl.Expr) -> pl.Expr:
    """One attribute line, null when the value is."""
    return pl.format(f'{indent}<{xes_type} key="{key}" value="{{}}"/>\n', value)


def _event_text() -> pl.Expr:
    values = {
        "timestamp": pl.col("timestamp").dt.convert_time_zone("UTC").dt.strftime(TIME_FORMAT),
        "task": pl.col("task").cast(pl.String),
    }
    lines = [
        _attribute("\t\t\t", xes_type, key, values.get(column, escaped(pl.col(column))))
        for column, key, xes_type in EVENT_ATTRIBUTES
    ]
    return pl.concat_str(
        [pl.lit("\t\t<event>\n"), *lines, pl.lit("\t\t</event>\n")], ignore_nulls=True
    )


def _trace_opening() -> pl.Expr:
    lines = [
        _attribute("\t\t", xes_type, key, escaped(pl.col(column)))
        for column, key, xes_type in TRACE_ATTRIBUTES
    ]
    return pl.concat_str([pl.lit("\t<trace>\n"), *lines], ignore_nulls=True)


class XesWriter:
    """Writes a log to `out` (binary, UTF-8) chunk by chunk.

    Chunks are frames in `eventlog.SCHEMA`'s columns plus `service`, each case's events
    together and in order; a case may run on from one chunk into the next.
    """

    def __init__(self, out: BinaryIO, log: LogHeader = LogHeader()) -> None:
        self.out = out
        self.last_case: str | None = None
        self.events = 0
        self.traces = 0
        out.write(header(log).encode())

    def write(self, chunk: pl.DataFrame) -> None:
        """Append the events of `chunk`, opening and closing traces where cases change."""
        if chunk.height == 0:
            return
        previous = pl.col("case_id").shift(1, fill_value=self.last_case)
        opens = previous.is_null() | (pl.col("case_id") != previous)
        closes = opens & previous.is_not_null()
        text = chunk.select(
            pl.concat_str(
                [
                    pl.when(closes).then(pl.lit("\t</trace>\n")),
                    pl.when(opens).then(_trace_opening()),
                    _event_text(),
                ],
                ignore_nulls=True,
            ).str.join("")
        ).item()
        self.traces += chunk.select(opens.sum()).item()
        self.out.write(text.encode())
        self.last_case = chunk["case_id"][-1]
        self.events += chunk.height

    def close(self) -> None:
        """End the last trace and the log."""
        self.out.write((("\t</trace>\n" if self.last_case is not None else "") + FOOTER).encode())


def write_xes(chunks: Iterable[pl.DataFrame], out: BinaryIO, log: LogHeader = LogHeader()) -> int:
    """Write the events of `chunks` as one XES log; the number of events written."""
    writer = XesWriter(out, log)
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    return writer.events
