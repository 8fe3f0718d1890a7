"""XES in and out: the writer's text, and what the readers find in hand-written logs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from layan.analytics.eventlog import SCHEMA
from layan.analytics.xes import LogHeader, escape, write_xes
from layan.analytics.xes_read import read_xes
from layan.core.errors import ValidationFailedError

NS = {"x": "http://www.xes-standard.org/"}
HOW = ["fast", "general"]


def frame(rows: list[dict[str, Any]], services: list[str] | None = None) -> pl.DataFrame:
    full = [{column: row.get(column) for column in SCHEMA} for row in rows]
    out = pl.DataFrame(full, schema=SCHEMA, orient="row")
    return out.with_columns(service=pl.Series(services or ["ktp-el-baru"] * len(rows)))


def written(rows: pl.DataFrame, chunk: int = 1000) -> bytes:
    out = io.BytesIO()
    write_xes((rows.slice(i, chunk) for i in range(0, rows.height, chunk)), out, LogHeader())
    return out.getvalue()


T = datetime(2026, 3, 2, 1, 0, 0, 123456, tzinfo=UTC)
EVENTS = [
    {"case_id": "A1", "activity": "submit", "lifecycle": "complete", "timestamp": T,
     "resource": "citizen", "role": "applicant", "agency": "DISDUKCAPIL"},
    {"case_id": "A1", "activity": "verifikasi", "lifecycle": "complete", "timestamp": T,
     "resource": "officer:7", "role": "front_desk", "unit": "DISDUKCAPIL.LOKET",
     "agency": "DISDUKCAPIL", "task": 42, "outcome": "approve"},
    {"case_id": "B2", "activity": 'Tanda "tangan" & <stempel>', "lifecycle": "start",
     "timestamp": T, "resource": "officer:8", "role": "approver\tbaris\nbaru",
     "agency": "DISDUKCAPIL"},
]  # fmt: skip


def test_the_writer_declares_extensions_globals_and_classifiers_as_the_standard_asks() -> None:
    root = ET.fromstring(written(frame(EVENTS)))
    assert root.tag == "{http://www.xes-standard.org/}log"
    assert root.get("xes.version") == "1849-2016"
    prefixes = {e.get("prefix") for e in root.findall("x:extension", NS)}
    assert prefixes == {"concept", "lifecycle", "time", "org"}
    scopes = {g.get("scope"): [a.get("key") for a in g] for g in root.findall("x:global", NS)}
    assert scopes["trace"] == ["concept:name", "layan:service"]
    assert "time:timestamp" in scopes["event"] and "layan:agency" in scopes["event"]
    names = [c.get("name") for c in root.findall("x:classifier", NS)]
    assert names == ["Activity", "Activity and transition", "Resource"]


def test_the_writer_makes_one_trace_per_case_with_its_events_in_order() -> None:
    root = ET.fromstring(written(frame(EVENTS), chunk=1))  # a case runs across chunks
    traces = root.findall("x:trace", NS)
    assert [t.find("x:string[@key='concept:name']", NS).get("value") for t in traces] == [
        "A1",
        "B2",
    ]
    first = traces[0].findall("x:event", NS)[1]
    attrs = {a.get("key"): (a.tag.split("}")[1], a.get("value")) for a in first}
    assert attrs == {
        "concept:name": ("string", "verifikasi"),
        "lifecycle:transition": ("string", "complete"),
        "time:timestamp": ("date", "2026-03-02T01:00:00.123+00:00"),
        "org:resource": ("string", "officer:7"),
        "org:role": ("string", "front_desk"),
        "org:group": ("string", "DISDUKCAPIL.LOKET"),
        "layan:agency": ("string", "DISDUKCAPIL"),
        "layan:task": ("int", "42"),
        "layan:outcome": ("string", "approve"),
    }


def test_values_are_escaped_and_stay_on_one_line() -> None:
    text = written(frame(EVENTS)).decode()
    assert 'value="Tanda &quot;tangan&quot; &amp; &lt;stempel&gt;"' in text
    assert 'value="approver&#9;baris&#10;baru"' in text
    assert escape("a\x01b\ufffe") == "a\ufffdb\ufffd"  # XML 1.0 cannot carry these


@pytest.mark.parametrize("how", HOW)
def test_what_is_written_reads_back_to_the_millisecond(how: str) -> None:
    log = read_xes(written(frame(EVENTS)), how=how)  # type: ignore[arg-type]
    expected = frame(EVENTS).drop("service").with_columns(pl.col("timestamp").dt.truncate("1ms"))
    assert log.frame.equals(expected)
    assert log.attributes == {
        "concept:name": "Layan",
        "lifecycle:model": "standard",
        "source": "Layan",
    }
    assert log.cases == 2


PROM = b"""<?xml version="1.0" encoding="UTF-8" ?>
<!-- written by hand, the way older tools lay a log out -->
<log xes.version="1.0" xes.features="nested-attributes" openxes.version="1.0RC7">
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="MXML Legacy Classifier" keys="concept:name lifecycle:transition"/>
  <string key="concept:name" value="Perizinan lama"/>
  <trace>
    <string value="case &amp; 1" key="concept:name"/>
    <event>
      <date key="time:timestamp" value="2025-01-06T08:00:00+07:00"/>
      <string key="concept:name" value="Pendaftaran"><string key="note" value="nested"/></string>
      <string key="org:resource" value="Budi"/>
    </event>
    <event><string key="concept:name" value="Verifikasi &#x26; cek"/><date
      key="time:timestamp" value="2025-01-06T01:30:00.5Z"/>
      <string key="lifecycle:transition" value="complete"/>
      <list key="documents"><values><string key="doc" value="KTP"/></values></list>
    </event>
  </trace>
  <trace>
    <event>
      <string key="concept:name" value="Pendaftaran"/>
      <date key="time:timestamp" value="2025-01-07T09:15:00"/>
    </event>
    <string key="concept:name" value="case 2"/>
  </trace>
</log>
"""


def test_the_general_reader_takes_real_logs_whatever_their_layout() -> None:
    log = read_xes(PROM)
    assert log.frame.select("case_id", "activity", "lifecycle", "resource").rows() == [
        ("case & 1", "Pendaftaran", None, "Budi"),
        ("case & 1", "Verifikasi & cek", "complete", None),
        ("case 2", "Pendaftaran", None, None),
    ]
    assert log.frame["timestamp"].to_list() == [
        datetime(2025, 1, 6, 1, 0, tzinfo=UTC),
        datetime(2025, 1, 6, 1, 30, 0, 500000, tzinfo=UTC),
        datetime(2025, 1, 7, 9, 15, tzinfo=UTC),  # no zone: read as UTC
    ]
    assert log.lines.to_list() == [13, 18, 25]
    assert log.attributes == {"concept:name": "Perizinan lama"}


def test_the_fast_reader_steps_aside_for_a_layout_it_does_not_know() -> None:
    with pytest.raises(LookupError):
        read_xes(PROM, how="fast")


def one_per_line(*events: str, trace: str = '<string key="concept:name" value="c1"/>') -> bytes:
    body = "\n".join(f"\t\t{line}" for line in events)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016">\n'
        f"\t<trace>\n\t\t{trace}\n{body}\n\t</trace>\n</log>\n"
    ).encode()


def event(*attributes: str) -> str:
    return "\n\t\t".join(["<event>", *(f"\t{a}" for a in attributes), "</event>"])


@pytest.mark.parametrize("how", HOW)
def test_escapes_nested_attributes_repeats_and_missing_transitions_read_alike(how: str) -> None:
    data = one_per_line(
        event(
            '<string key="concept:name" value="Cek &lt;berkas&gt; &amp; &#233;&#xA;"/>',
            '<date key="time:timestamp" value="2026-01-01T08:00:00.250+07:00"/>',
            '<string key="org:role" value="first"/>',
            '<string key="org:role" value="second"/>',
            '<container key="extra">',
            '\t<string key="concept:name" value="not the activity"/>',
            "</container>",
        ),
        event(
            '<string key="concept:name" value="">',
            '\t<int key="layan:task" value="99"/>',
            "</string>",
            '<string key="concept:name" value="Selesai"/>',
            '<date key="time:timestamp" value="2026-01-01T02:00:00Z"/>',
            '<int key="layan:task" value=" 7 "/>',
        ),
    )
    log = read_xes(data, how=how)  # type: ignore[arg-type]
    assert log.frame.rows() == [
        ("c1", "Cek <berkas> & \xe9\n", None, datetime(2026, 1, 1, 1, 0, 0, 250000, tzinfo=UTC),
         None, "second", None, None, None, None),
        ("c1", "Selesai", None, datetime(2026, 1, 1, 2, tzinfo=UTC), None, None, None, None, 7,
         None),
    ]  # fmt: skip
    assert log.lines.to_list() == [5, 14]


MALFORMED = [
    (b"", "line 1", "not well-formed XML: no element found"),
    (b"<log><trace></log>", "line 1", "not well-formed XML: mismatched tag"),
    (b"<rss/>", "line 1", "not an XES log: the root element is <rss>, not <log>"),
    (b'<log>\n<event><string key="concept:name" value="a"/></event>\n</log>', "line 2",
     "an event outside a trace"),
    (b'<!DOCTYPE log [<!ENTITY x "y">]>\n<log/>', "line 1",
     "an XES file may not carry a DOCTYPE declaration"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "where", "message"), MALFORMED)
def test_a_file_that_is_not_an_xes_log_is_refused_with_the_line(
    data: bytes, where: str, message: str
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        read_xes(data)
    [error] = refused.value.errors
    assert (error.field, error.text.en) == (where, message)
    assert error.text.id and error.text.id != error.text.en


MISSING = [
    (event('<date key="time:timestamp" value="2026-01-01T00:00:00Z"/>'), "line 5",
     "an event without concept:name"),
    (event('<string key="concept:name" value="a"/>'), "line 5", "an event without time:timestamp"),
    (event('<string key="concept:name" value="a"/>',
           '<date key="time:timestamp" value="kemarin sore"/>'), "line 5",
     "time:timestamp 'kemarin sore' is not an ISO 8601 date and time"),
    (event('<string key="concept:name" value="a"/>',
           '<date key="time:timestamp" value="2026-01-01T00:00:00Z"/>',
           '<int key="layan:task" value="tujuh"/>'), "line 5",
     "layan:task 'tujuh' is not a whole number"),
]  # fmt: skip


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(("body", "where", "message"), MISSING)
def test_an_event_missing_what_a_log_needs_is_refused_with_its_line(
    how: str, body: str, where: str, message: str
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        read_xes(one_per_line(event('<string key="concept:name" value="ok"/>',
                                    '<date key="time:timestamp" value="2026-01-01T00:00:00Z"/>'),
                              body), how=how)  # type: ignore[arg-type]  # fmt: skip
    [error] = refused.value.errors
    assert (error.field, error.text.en) == (where.replace("5", "9"), message)


@pytest.mark.parametrize("how", HOW)
def test_a_trace_without_a_name_is_refused_at_the_trace(how: str) -> None:
    data = one_per_line(
        event(
            '<string key="concept:name" value="a"/>',
            '<date key="time:timestamp" value="2026-01-01T00:00:00Z"/>',
        ),
        trace='<string key="org:resource" value="x"/>',
    )
    with pytest.raises(ValidationFailedError) as refused:
        read_xes(data, how=how)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "line 3"
    assert refused.value.errors[0].text.en == "a trace without concept:name"
