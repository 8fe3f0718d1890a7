"""OCEL 2.0 JSON of Layan's log: objects, types and qualified relationships, exactly."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from layan.analytics.exports import CHUNK_SCHEMA
from layan.analytics.ocel import OcelWriter

T = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
AT_SUBMIT, AT_STEP = "2026-06-02T01:00:00.000+00:00", "2026-06-02T02:30:00.000+00:00"


def chunk(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults = {"service": "kartu-keluarga", "owner": "DISDUKCAPIL", "ledger": "DISDUKCAPIL"}
    full = [{c: {**defaults, **r}.get(c) for c in CHUNK_SCHEMA} for r in rows]
    return pl.DataFrame(full, schema=CHUNK_SCHEMA, orient="row")


def written(*chunks: pl.DataFrame) -> dict[str, Any]:
    out = io.StringIO()
    writer = OcelWriter(out)
    for part in chunks:
        writer.write(part)
    writer.close()
    assert writer.events == sum(c.height for c in chunks)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


SUBMIT = {
    "case_id": "A1",
    "activity": "submit",
    "lifecycle": "complete",
    "timestamp": T,
    "resource": "citizen",
    "role": "applicant",
    "agency": "DISDUKCAPIL",
    "seq": 1,
}
STEP = {"case_id": "A1", "activity": "verifikasi", "lifecycle": "complete",
        "timestamp": T + timedelta(minutes=90), "resource": "officer:7", "role": "front_desk",
        "unit": "DISDUKCAPIL.LOKET", "agency": "DISDUKCAPIL", "task": 42, "outcome": "approve",
        "ledger": "DISDUKCAPIL", "seq": 2}  # fmt: skip


def test_events_are_related_to_their_application_task_and_unit() -> None:
    log = written(chunk(SUBMIT), chunk(STEP))
    assert log["events"] == [
        {
            "id": "DISDUKCAPIL:1",
            "type": "submit",
            "time": "2026-06-02T01:00:00.000+00:00",
            "attributes": [
                {"name": "lifecycle", "value": "complete"},
                {"name": "resource", "value": "citizen"},
                {"name": "role", "value": "applicant"},
                {"name": "agency", "value": "DISDUKCAPIL"},
            ],
            "relationships": [{"objectId": "application:A1", "qualifier": "application"}],
        },
        {
            "id": "DISDUKCAPIL:2",
            "type": "verifikasi",
            "time": "2026-06-02T02:30:00.000+00:00",
            "attributes": [
                {"name": "lifecycle", "value": "complete"},
                {"name": "resource", "value": "officer:7"},
                {"name": "role", "value": "front_desk"},
                {"name": "agency", "value": "DISDUKCAPIL"},
                {"name": "outcome", "value": "approve"},
            ],
            "relationships": [
                {"objectId": "application:A1", "qualifier": "application"},
                {"objectId": "task:42", "qualifier": "task"},
                {"objectId": "unit:DISDUKCAPIL.LOKET", "qualifier": "unit"},
            ],
        },
    ]


def test_objects_carry_their_attributes_and_the_task_its_application_and_unit() -> None:
    log = written(chunk(SUBMIT, STEP, {**STEP, "lifecycle": "start", "seq": 3}))
    objects = {o["id"]: o for o in log["objects"]}
    assert objects == {
        "application:A1": {
            "id": "application:A1",
            "type": "application",
            "attributes": [
                {"name": "service", "time": AT_SUBMIT, "value": "kartu-keluarga"},
                {"name": "agency", "time": AT_SUBMIT, "value": "DISDUKCAPIL"},
            ],
            "relationships": [],
        },
        "unit:DISDUKCAPIL.LOKET": {
            "id": "unit:DISDUKCAPIL.LOKET",
            "type": "unit",
            "attributes": [
                {"name": "agency", "time": AT_STEP, "value": "DISDUKCAPIL"}
            ],
            "relationships": [],
        },
        "task:42": {
            "id": "task:42",
            "type": "task",
            "attributes": [
                {"name": "step", "time": AT_STEP, "value": "verifikasi"},
                {"name": "unit", "time": AT_STEP, "value": "DISDUKCAPIL.LOKET"},
            ],
            "relationships": [
                {"objectId": "application:A1", "qualifier": "application"},
                {"objectId": "unit:DISDUKCAPIL.LOKET", "qualifier": "unit"},
            ],
        },
    }  # fmt: skip


def test_the_types_are_declared_once_each() -> None:
    log = written(chunk(SUBMIT, STEP), chunk(SUBMIT | {"case_id": "A2", "seq": 4}))
    assert [t["name"] for t in log["objectTypes"]] == ["application", "task", "unit"]
    assert [t["name"] for t in log["eventTypes"]] == ["submit", "verifikasi"]
    assert log["eventTypes"][0]["attributes"] == [
        {"name": n, "type": "string"}
        for n in ("lifecycle", "resource", "role", "agency", "outcome")
    ]
    assert sum(o["type"] == "application" for o in log["objects"]) == 2


def test_an_empty_log_is_still_a_whole_document() -> None:
    log = written()
    assert log["events"] == [] and log["objects"] == []
    assert len(log["objectTypes"]) == 3 and log["eventTypes"] == []
