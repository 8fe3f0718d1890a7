"""The event log in and out through `layan analytics`: XES and OCEL exports of what really
happened (applications submitted and worked through the API), the DFG of a file or of a
service, and an agency's old log imported beside the audit ledgers, never into them; on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from layan.analytics import rollups
from layan.analytics.dfg import performance_dfg
from layan.analytics.eventlog import Selection, read_imported, read_log
from layan.analytics.imports import PSEUDONYMISED
from layan.analytics.models import ImportedEvent, ImportedLog
from layan.analytics.xes_read import read_xes
from layan.cli import app
from layan.core.db import Database
from layan.core.events import Event, Ledger
from tests.conftest import SECRET, Clock
from tests.factories import officer_for, sign_in, standard, submit

runner = CliRunner()
NS = {"x": "http://www.xes-standard.org/"}
KK, PBG = "kartu-keluarga", "pbg"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`layan ...` on the test's database, as an operator runs it."""
    monkeypatch.setenv("LAYAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)

    def run(*args: str) -> Any:
        return runner.invoke(app, ["analytics", *args])

    return run


def _work(client: TestClient, clock: Clock, number: str, code: str, stages: int = 99) -> None:
    """Officers take each open step 20 minutes after it opens and approve it 40 later."""
    roles = {s.code: s.role for s in standard(code).procedure}
    for _ in range(stages):
        steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
        open_steps = [s for s in steps if s["status"] == "open"]
        if not open_steps:
            return
        for step in open_steps:
            headers = sign_in(client, officer_for(step["unit"], roles[step["step"]]))
            clock.advance(minutes=20)
            claimed = client.post(f"/api/v1/tasks/{step['task_id']}/claim", headers=headers)
            assert claimed.status_code == 204, claimed.text
            clock.advance(minutes=40)
            decided = client.post(
                f"/api/v1/tasks/{step['task_id']}/decision",
                headers=headers,
                json={"outcome": "approve"},
            )
            assert decided.status_code == 200, decided.text


@pytest.fixture
def worked(client: TestClient, clock: Clock) -> dict[str, str]:
    """Tuesday 2 June 2026, 08:00 WIB: two family cards, one decided and one at its first
    step; a family card applied for at 00:30 WIB on Thursday 4 June (still the 3rd in
    UTC); a building approval on Thursday morning, at its first step."""
    numbers = {}
    numbers["kk_done"] = submit(client, KK, seed=1).json()["tracking_number"]
    numbers["kk_open"] = submit(client, KK, seed=2).json()["tracking_number"]
    _work(client, clock, numbers["kk_done"], KK)
    _work(client, clock, numbers["kk_open"], KK, stages=1)
    clock.now = datetime(2026, 6, 3, 17, 30, tzinfo=UTC)
    numbers["kk_night"] = submit(client, KK, seed=3).json()["tracking_number"]
    clock.now = datetime(2026, 6, 4, 1, 0, tzinfo=UTC)
    numbers["pbg"] = submit(client, PBG, seed=4).json()["tracking_number"]
    _work(client, clock, numbers["pbg"], PBG, stages=1)
    return numbers


def _traces(path: Path) -> dict[str, str]:
    """Each trace's case and service, as a reading tool finds them."""
    root = ET.parse(path).getroot()
    found = {}
    for trace in root.findall("x:trace", NS):
        names = {a.get("key"): a.get("value") for a in trace.findall("x:string", NS)}
        found[names["concept:name"]] = names["layan:service"]
    return found


def test_the_xes_export_is_the_applications_log_one_trace_each(
    cli: Any, worked: dict[str, str], db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "layan.xes"
    done = cli("export-xes", "--out", str(path))
    assert done.exit_code == 0, done.output
    assert "4 case(s)" in done.stdout
    assert _traces(path) == {
        worked["kk_done"]: KK,
        worked["kk_open"]: KK,
        worked["kk_night"]: KK,
        worked["pbg"]: PBG,
    }
    with db.unit_of_work(readonly=True) as uow:
        logged = read_log(uow, Selection())
    exported = read_xes(path).frame.sort("case_id", maintain_order=True)
    assert exported.equals(logged.with_columns(pl.col("timestamp").dt.truncate("1ms")))
    assert {"schedule", "start", "complete"} <= set(exported["lifecycle"])
    decided = exported.filter(pl.col("outcome") == "approve")
    assert decided["task"].null_count() == 0 and decided["unit"].null_count() == 0


def test_the_export_takes_a_service_and_days_of_submission_in_local_time(
    cli: Any, worked: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "part.xes"
    assert cli("export-xes", "--out", str(path), "--service", KK).exit_code == 0
    assert set(_traces(path)) == {worked["kk_done"], worked["kk_open"], worked["kk_night"]}
    done = cli("export-xes", "--out", str(path), "--from", "2026-06-04", "--to", "2026-06-04")
    assert done.exit_code == 0, done.output
    assert set(_traces(path)) == {worked["kk_night"], worked["pbg"]}  # 00:30 WIB is the 4th
    assert cli("export-xes", "--out", str(path), "--to", "2026-06-03").exit_code == 0
    assert set(_traces(path)) == {worked["kk_done"], worked["kk_open"]}
    backwards = cli("export-xes", "--out", str(path), "--from", "2026-06-04", "--to", "2026-06-01")
    assert backwards.exit_code == 1 and "the period ends before it starts" in backwards.stderr
    assert cli("export-xes", "--out", str(path), "--from", "4 Juni").exit_code == 2


def test_the_dfg_of_the_exported_file_is_the_dfg_of_the_service(
    cli: Any, worked: dict[str, str], db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "kk.xes"
    assert cli("export-xes", "--out", str(path), "--service", KK).exit_code == 0
    from_file = cli("dfg", "--xes", str(path), "--json")
    from_log = cli("dfg", "--service", KK, "--json")
    assert from_file.exit_code == from_log.exit_code == 0, from_file.output + from_log.output
    graph = json.loads(from_file.stdout)
    assert graph == json.loads(from_log.stdout)
    with db.unit_of_work(readonly=True) as uow:
        assert graph == performance_dfg(read_log(uow, Selection(service=KK))).to_json()
    assert graph["start"] == {"submit": 3}
    first = standard(KK).procedure[0].code
    arc = next(a for a in graph["arcs"] if a["from"] == "submit")
    # The first family card's first step closed an hour after submission; the second's
    # waited until the first card was done (three steps of an hour) and closed at 4 h.
    assert arc == {"from": "submit", "to": first, "count": 2, "mean_seconds": 9000.0,
                   "median_seconds": 9000.0}  # fmt: skip
    table = cli("dfg", "--xes", str(path))
    assert table.exit_code == 0 and "1h" in table.stdout and "Cases start at" in table.stdout


def test_the_dfg_takes_exactly_one_log(cli: Any, tmp_path: Path) -> None:
    assert cli("dfg", "--json").exit_code == 2
    assert cli("dfg", "--xes", "x.xes", "--service", KK).exit_code == 2
    broken = tmp_path / "broken.xes"
    broken.write_text('<log><trace><event><string key="concept:name" value="a"/></event>')
    refused = cli("dfg", "--xes", str(broken), "--json")
    assert refused.exit_code == 1 and "line 1: not well-formed XML" in refused.stderr


def test_the_ocel_export_relates_events_to_applications_tasks_and_units(
    cli: Any, worked: dict[str, str], db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "layan.jsonocel"
    done = cli("export-ocel", "--out", str(path))
    assert done.exit_code == 0, done.output
    log = json.loads(path.read_text())
    assert {t["name"] for t in log["objectTypes"]} == {"application", "task", "unit"}
    objects = {o["id"]: o for o in log["objects"]}
    application = objects[f"application:{worked['pbg']}"]
    assert {a["name"]: a["value"] for a in application["attributes"]} == {
        "service": PBG,
        "agency": standard(PBG).agency,
    }
    with db.unit_of_work(readonly=True) as uow:
        events = uow.session.scalars(select(Event).where(Event.case_type == "application")).all()
    assert len(log["events"]) == len(events)
    by_id = {e["id"]: e for e in log["events"]}
    for event in events:
        exported = by_id[f"{event.ledger}:{event.seq}"]
        related = {r["qualifier"]: r["objectId"] for r in exported["relationships"]}
        assert exported["type"] == event.activity
        assert related["application"] == f"application:{event.case_id}"
        if "task" in event.payload:
            task = objects[related["task"]]
            assert {a["name"]: a["value"] for a in task["attributes"]} == {
                "step": event.activity,
                "unit": event.unit,
            }
            assert related["unit"] == f"unit:{event.unit}"
    assert {t["name"] for t in log["eventTypes"]} == {e.activity for e in events}


KEPT = ["case_id", "activity", "lifecycle", "timestamp", "resource", "role", "unit"]


def _stored(db: Database, log_id: int) -> pl.DataFrame:
    """An imported log's events as stored, in the order they were imported."""
    columns = [getattr(ImportedEvent, c) for c in KEPT]
    with db.unit_of_work(readonly=True) as uow:
        rows = uow.session.execute(
            select(*columns).where(ImportedEvent.log_id == log_id).order_by(ImportedEvent.id)
        ).all()
    schema = dict.fromkeys(KEPT, pl.String) | {"timestamp": pl.Datetime("us", "UTC")}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _assert_pseudonyms(stored: pl.DataFrame, exported: pl.DataFrame) -> None:
    """Each case and resource has one pseudonym of its own, never its own value."""
    for column in PSEUDONYMISED:
        pairs = pl.DataFrame({"was": exported[column], "now": stored[column]}).unique()
        assert pairs["was"].n_unique() == pairs["now"].n_unique() == pairs.height
        assert not set(pairs["was"].drop_nulls()) & set(pairs["now"].drop_nulls())
        assert (pairs["was"].is_null() == pairs["now"].is_null()).all()


def _counts(db: Database) -> tuple[int, int, int]:
    with db.unit_of_work(readonly=True) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Event)) or 0,
            uow.session.scalar(select(func.sum(Ledger.last_seq))) or 0,
            len(uow.session.scalars(select(Ledger.last_hash)).all()),
        )


def test_an_exported_log_imports_back_beside_the_ledgers_never_into_them(
    cli: Any, worked: dict[str, str], db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sistem-lama.xes"
    assert cli("export-xes", "--out", str(path)).exit_code == 0
    rollups.refresh_rollups(db)
    before = _counts(db)
    done = cli("import-xes", str(path), "--agency", "DPMPTSP", "--name", "Sistem lama")
    assert done.exit_code == 0, done.output
    log_id = int(done.stdout.split("imported log ")[1].split(":")[0])
    with db.unit_of_work(readonly=True) as uow:
        events = read_log(uow, Selection())
        log = uow.session.get(ImportedLog, log_id)
        assert log is not None
        assert (log.agency, log.name, log.cases, log.events) == (
            "DPMPTSP",
            "Sistem lama",
            4,
            events.height,
        )
    assert f": 4 case(s), {events.height} event(s)" in done.stdout
    exported = events.select(KEPT).with_columns(pl.col("timestamp").dt.truncate("1ms"))
    stored = _stored(db, log_id)
    plain = [c for c in KEPT if c not in PSEUDONYMISED]
    assert stored.select(plain).equals(exported.select(plain))
    _assert_pseudonyms(stored, exported)
    with db.unit_of_work(readonly=True) as uow:
        analysed = read_imported(uow, log_id)  # what the staff's analysis reads
    # Ordered by pseudonym now, so compared as sets of rows.
    assert analysed.select(plain).sort(plain).equals(exported.select(plain).sort(plain))
    assert analysed["agency"].unique().to_list() == ["DPMPTSP"]
    assert _counts(db) == before  # nothing written to the audit ledgers
    again = cli("import-xes", str(path), "--agency", "DPMPTSP")
    assert again.exit_code == 1 and f"already imported as log {log_id}" in again.stderr


def test_a_bad_file_or_an_unknown_agency_imports_nothing(
    cli: Any, db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xes"
    start = datetime(2025, 1, 6, 1, tzinfo=UTC)
    lines = ["<log>", "<trace>", '<string key="concept:name" value="k1"/>']
    for i in range(3):
        stamp = (start + timedelta(hours=i)).isoformat() if i < 2 else "besok"
        lines += [
            "<event>",
            f'<string key="concept:name" value="langkah {i}"/>',
            f'<date key="time:timestamp" value="{stamp}"/>',
            "</event>",
        ]
    bad.write_text("\n".join([*lines, "</trace>", "</log>"]))
    refused = cli("import-xes", str(bad), "--agency", "DPMPTSP")
    assert refused.exit_code == 1
    assert "line 12: time:timestamp 'besok' is not an ISO 8601 date and time" in refused.stderr
    bad.write_text(bad.read_text().replace("besok", start.isoformat()))
    unknown = cli("import-xes", str(bad), "--agency", "NOPE")
    assert unknown.exit_code == 1 and "Agency not found" in unknown.stderr
    missing = cli("import-xes", str(tmp_path / "none.xes"), "--agency", "DPMPTSP")
    assert missing.exit_code == 2
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ImportedLog)) == 0
        assert uow.session.scalar(select(func.count()).select_from(ImportedEvent)) == 0


FOREIGN = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xes.features="nested-attributes">
  <string key="concept:name" value="SiCantik 2024"/>
  <trace><string key="concept:name" value="503/IMB/2024/17"/>
    <event><string key="concept:name" value="Pendaftaran &amp; verifikasi"/>
      <date key="time:timestamp" value="2024-03-04T08:00:00+07:00"/>
      <string key="org:resource" value="Budi"><string key="nip" value="1980"/></string>
    </event>
    <event><string key="concept:name" value="Penetapan retribusi"/>
      <string key="lifecycle:transition" value="COMPLETE"/>
      <date key="time:timestamp" value="2024-03-05T02:15:30.250Z"/>
      <string key="org:group" value="Bidang Perizinan"/>
    </event>
  </trace>
</log>
"""


def test_an_older_systems_log_imports_as_it_reads(cli: Any, db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sicantik.xes"
    path.write_text(FOREIGN)
    done = cli("import-xes", str(path), "--agency", "DPMPTSP")
    assert done.exit_code == 0, done.output
    assert done.stdout.strip().endswith(": 1 case(s), 2 event(s)")
    log_id = int(done.stdout.split("imported log ")[1].split(":")[0])
    (first, second) = _stored(db, log_id).rows()
    assert first[1:4] == ("Pendaftaran & verifikasi", None, datetime(2024, 3, 4, 1, 0, tzinfo=UTC))
    assert second[1:] == (
        "Penetapan retribusi", "COMPLETE", datetime(2024, 3, 5, 2, 15, 30, 250000, tzinfo=UTC),
        None, None, "Bidang Perizinan",
    )  # fmt: skip
    # The case number and the officer's name are kept only as pseudonyms.
    assert first[0] == second[0] and len(first[0]) == 16 and "503" not in first[0]
    assert first[4] not in (None, "Budi") and len(first[4]) == 16
    with db.unit_of_work(readonly=True) as uow:
        log = uow.session.get(ImportedLog, log_id)
        assert log is not None and log.name == "sicantik"
        assert log.attributes == {"file": "sicantik.xes", "log": {"concept:name": "SiCantik 2024"}}


def test_a_value_longer_than_its_column_is_refused_with_its_line(
    cli: Any, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "long.xes"
    path.write_text(FOREIGN.replace("Penetapan retribusi", "Penetapan " + "r" * 200))
    refused = cli("import-xes", str(path), "--agency", "DPMPTSP")
    assert refused.exit_code == 1
    assert "line 9: concept:name is longer than 200 characters" in refused.stderr
    with db.unit_of_work(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(ImportedLog)) == 0
