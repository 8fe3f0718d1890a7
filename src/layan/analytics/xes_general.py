"""The general XES reader: any well-formed XES log, read with the standard library's
expat parser, one element at a time.

It accepts what the fast reader steps aside for: attributes in any order, nested
attributes (ignored below the event), several elements on a line, comments, CDATA,
character references, encodings other than UTF-8. A DOCTYPE is refused, so no entity
can be declared, expanded or fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.parsers import expat

import polars as pl

from layan.analytics.eventlog import SCHEMA
from layan.analytics.xes import (
    ATTRIBUTE_TAGS,
    EVENT_KEYS,
    RAW_SCHEMA,
    TRACE_KEYS,
    RawLog,
    refused,
)
from layan.core.errors import Text

_POSITION = {column: i for i, column in enumerate(SCHEMA)}
_CASE = _POSITION["case_id"]
OUTSIDE = Text("ada event di luar trace", "an event outside a trace")
DOCTYPE = Text(
    "berkas XES tidak boleh memuat DOCTYPE", "an XES file may not carry a DOCTYPE declaration"
)


def not_a_log(tag: str) -> Text:
    return Text(
        f"bukan log XES: elemen akarnya <{tag}>, bukan <log>",
        f"not an XES log: the root element is <{tag}>, not <log>",
    )


class _Reader:
    """expat's callbacks, with a stack of the kinds of element enclosing the current one."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.stack: list[str] = []
        self.rows: list[list[Any]] = []
        self.trace_rows: list[list[Any]] = []
        self.case: str | None = None
        self.event: list[Any] = []
        self.attributes: dict[str, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        parent = self.stack[-1] if self.stack else None
        line = self.parser.CurrentLineNumber
        kind = "other"
        if parent is None:
            if tag != "log":
                raise refused(line, "xes_root", not_a_log(tag))
            kind = "log"
        elif tag == "trace" and parent == "log":
            kind, self.case, self.trace_rows = "trace", None, []
            self.trace_line = line
        elif tag == "event" and parent == "trace":
            kind, self.event = "event", [None] * len(SCHEMA) + [line, self.trace_line]
        elif tag == "event":
            raise refused(line, "xes_event_outside", OUTSIDE)
        elif tag in ATTRIBUTE_TAGS:
            kind = "attribute"
            self._attribute(parent, attrs)
        self.stack.append(kind)

    def _attribute(self, parent: str | None, attrs: dict[str, str]) -> None:
        """Keep an attribute of an event, its trace or the log; the last of a key wins."""
        key, value = attrs.get("key"), attrs.get("value")
        if key is None or value is None:
            return
        if parent == "event" and key in EVENT_KEYS:
            self.event[_POSITION[EVENT_KEYS[key]]] = value
        elif parent == "trace" and TRACE_KEYS.get(key) == "case_id":
            self.case = value
        elif parent == "log":
            self.attributes[key] = value

    def end(self, _tag: str) -> None:
        kind = self.stack.pop()
        if kind == "event":
            self.trace_rows.append(self.event)
        elif kind == "trace":
            # The trace's name may follow its events: it is known only at its end.
            for row in self.trace_rows:
                row[_CASE] = self.case
            self.rows += self.trace_rows

    def doctype(self, *_args: object) -> None:
        raise refused(self.parser.CurrentLineNumber, "xes_doctype", DOCTYPE)


def read_general(source: Path | bytes) -> RawLog:
    """Read any well-formed XES log; refused with the line of the first fault."""
    parser = expat.ParserCreate()
    reader = _Reader(parser)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.StartDoctypeDeclHandler = reader.doctype
    try:
        if isinstance(source, bytes):
            parser.Parse(source, True)
        else:
            with source.open("rb") as stream:
                parser.ParseFile(stream)
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code]
        raise refused(
            exc.lineno,
            "xes_not_xml",
            Text(f"bukan XML yang benar: {message}", f"not well-formed XML: {message}"),
        ) from None
    return RawLog(pl.DataFrame(reader.rows, schema=RAW_SCHEMA, orient="row"), reader.attributes)
