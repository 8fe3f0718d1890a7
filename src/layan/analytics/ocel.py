"""OCEL 2.0 (JSON) for Layan's event log: events related to the objects they touch.

A case-centric log (XES) must pick one case notion; an application's steps also belong to
tasks, and tasks to units of several agencies. OCEL keeps them all:

- object types `application` (its `service` and owning `agency`), `task` (its `step` and
  `unit`, related to its application and unit) and `unit` (its `agency`);
- one event type per activity, with `lifecycle`, `resource`, `role`, `agency` and, for a
  decision, `outcome`;
- each event related to its application (qualifier "application"), to its task where it
  has one ("task") and to its unit where it has one ("unit").

An event's id is its place in its agency's hash chain (`LEDGER:SEQ`), so anyone holding
the export can find it in the audit ledger. Events are written as they come, one chunk
at a time; objects, being far fewer, are kept until the end and written last.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TextIO

import polars as pl

EVENT_ATTRIBUTES = ("lifecycle", "resource", "role", "agency", "outcome")
OBJECT_TYPES = [
    {
        "name": "application",
        "attributes": [{"name": "service", "type": "string"}, {"name": "agency", "type": "string"}],
    },
    {
        "name": "task",
        "attributes": [{"name": "step", "type": "string"}, {"name": "unit", "type": "string"}],
    },
    {"name": "unit", "attributes": [{"name": "agency", "type": "string"}]},
]


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class OcelWriter:
    """Writes one OCEL 2.0 JSON log to `out` from chunks in `exports.CHUNK_SCHEMA`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.events = 0
        self.activities: set[str] = set()
        # id -> (attributes, first seen, relationships)
        self.objects: dict[str, tuple[str, dict[str, str], datetime, list[dict[str, str]]]] = {}
        out.write('{"events":[')

    @property
    def applications(self) -> int:
        return sum(1 for kind, *_rest in self.objects.values() if kind == "application")

    def _object(
        self,
        kind: str,
        key: str,
        at: datetime,
        attributes: dict[str, str],
        related: dict[str, str | None] | None = None,
    ) -> str:
        """The object's id, noting it (attributes, related objects by qualifier) the first
        time it is seen."""
        ident = f"{kind}:{key}"
        if ident not in self.objects:
            links = [
                {"objectId": target, "qualifier": qualifier}
                for qualifier, target in (related or {}).items()
                if target is not None
            ]
            self.objects[ident] = (kind, attributes, at, links)
        return ident

    def _event(self, row: dict[str, Any]) -> dict[str, Any]:
        at = row["timestamp"]
        application = self._object(
            "application", row["case_id"], at, {"service": row["service"], "agency": row["owner"]}
        )
        unit = task = None
        if row["unit"]:
            unit = self._object("unit", row["unit"], at, {"agency": row["agency"]})
        if row["task"] is not None:
            details = {"step": row["activity"], "unit": row["unit"] or ""}
            links = {"application": application, "unit": unit}
            task = self._object("task", str(row["task"]), at, details, links)
        related = [
            {"objectId": target, "qualifier": qualifier}
            for qualifier, target in (("application", application), ("task", task), ("unit", unit))
            if target is not None
        ]
        self.activities.add(row["activity"])
        return {
            "id": f"{row['ledger']}:{row['seq']}",
            "type": row["activity"],
            "time": _time(at),
            "attributes": [
                {"name": name, "value": row[name]}
                for name in EVENT_ATTRIBUTES
                if row[name] is not None
            ],
            "relationships": related,
        }

    def write(self, chunk: pl.DataFrame) -> None:
        """Append the chunk's events."""
        parts = [_dump(self._event(row)) for row in chunk.iter_rows(named=True)]
        if parts:
            self.out.write(("," if self.events else "") + ",".join(parts))
        self.events += len(parts)

    def close(self) -> None:
        """Write the objects and the types, and end the log."""
        self.out.write('],"objects":[')
        self.out.write(
            ",".join(
                _dump(
                    {
                        "id": ident,
                        "type": kind,
                        "attributes": [
                            {"name": k, "time": _time(at), "value": v} for k, v in values.items()
                        ],
                        "relationships": links,
                    }
                )
                for ident, (kind, values, at, links) in self.objects.items()
            )
        )
        event_types = [
            {"name": name, "attributes": [{"name": a, "type": "string"} for a in EVENT_ATTRIBUTES]}
            for name in sorted(self.activities)
        ]
        self.out.write(
            f'],"objectTypes":{_dump(OBJECT_TYPES)},"eventTypes":{_dump(event_types)}}}\n'
        )
