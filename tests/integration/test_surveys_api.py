"""The satisfaction survey through the API: answers, paper imports and the index (IKM)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.core.db import Database
from layan.core.events import Event, verify_chain
from layan.surveys.models import SurveyResponse
from tests.conftest import Clock
from tests.factories import officer_for, sign_in, standard, submit

KEYS = (
    "requirements",
    "procedure",
    "time",
    "fee",
    "product",
    "competence",
    "behaviour",
    "complaints",
    "facilities",
)
HEADER = ("unit", "service", "date", *KEYS)
ADMIN = "polres-admin"
# Three respondents of POLRES.SKCK in May: 36 + 27 + 28 = 91 points over 27 answers.
MAY_SKCK = [
    ("POLRES.SKCK", "skck", "2026-05-04", 4, 4, 4, 4, 4, 4, 4, 4, 4),
    ("POLRES.SKCK", "skck", "2026-05-12", 3, 3, 3, 3, 3, 3, 3, 3, 3),
    ("POLRES.SKCK", "skck", "2026-05-29", 4, 4, 3, 3, 2, 4, 4, 1, 3),
]
# One respondent of POLRES.KASAT answering all 4s, and an April one outside May.
MAY_KASAT = [("POLRES.KASAT", "skck", "2026-05-20", *[4] * 9)]
APRIL = [("POLRES.SKCK", "skck", "2026-04-30", *[1] * 9)]


def _csv(rows: list[tuple[Any, ...]], header: tuple[str, ...] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _import(client: TestClient, content: bytes, username: str | None = ADMIN) -> Any:
    headers = sign_in(client, username) if username else {}
    return client.post(
        "/api/v1/surveys/import",
        headers=headers,
        files={"file": ("skm.csv", content, "text/csv")},
    )


def _ikm(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/v1/ikm", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _count(db: Database, model: Any = SurveyResponse) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return int(uow.session.execute(select(func.count(model.id))).scalar_one())


def _survey_events(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        stmt = select(func.count(Event.id)).where(Event.case_type == "survey")
        return int(uow.session.execute(stmt).scalar_one())


def _fields(response: Any) -> set[str]:
    return {f["field"] for f in response.json()["error"]["fields"]}


def _answers(score: int = 4, **overrides: Any) -> dict[str, Any]:
    return {**dict.fromkeys(KEYS, score), **overrides}


def _decide(client: TestClient, task: dict[str, Any], outcome: str = "approve") -> None:
    role = next(s.role for s in standard("skck").procedure if s.code == task["step"])
    extra = {"reason": "Catatan tidak lengkap", "legal_basis": "Perpol 6/2023"}
    response = client.post(
        f"/api/v1/tasks/{task['task_id']}/decision",
        headers=sign_in(client, officer_for(task["unit"], role)),
        json={"outcome": outcome, **(extra if outcome == "reject" else {})},
    )
    assert response.status_code == 200, response.text


def _open_steps(client: TestClient, number: str) -> list[dict[str, Any]]:
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    return [s for s in steps if s["status"] in ("open", "claimed")]


def _finished(client: TestClient, *, seed: int = 1, reject: bool = False) -> tuple[str, str]:
    """An SKCK application worked to its end (approved, or rejected at the first step)."""
    receipt = submit(client, "skck", seed=seed).json()
    number = receipt["tracking_number"]
    for _ in range(6):
        steps = _open_steps(client, number)
        if not steps:
            break
        for step in steps:
            _decide(client, step, "reject" if reject else "approve")
    status = client.get(f"/api/v1/applications/{number}").json()["status"]
    assert status == ("rejected" if reject else "approved")
    return number, receipt["pin"]


def _answer(client: TestClient, number: str, pin: str, **answers: Any) -> Any:
    return client.post(
        f"/api/v1/applications/{number}/survey",
        headers={"X-Tracking-Pin": pin},
        json=_answers(**answers) if not answers.get("raw") else answers["raw"],
    )


# --- paper imports and the index ---------------------------------------------------


def test_an_imported_csv_gives_the_index_computed_by_hand_per_unit_service_and_agency(
    client: TestClient,
) -> None:
    response = _import(client, _csv(MAY_SKCK + MAY_KASAT + APRIL))
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 5
    may = {"from": "2026-05-01", "to": "2026-05-31"}

    unit = _ikm(client, unit="POLRES.SKCK", **may)
    # 91 points / 27 answers x 25 = 84.259... -> 84.26, band B
    assert (unit["ikm"], unit["mutu"], unit["kinerja"]) == ("84.26", "B", "Baik")
    assert unit["responses"] == 3
    assert unit["nrr"] == {
        "requirements": "3.67",
        "procedure": "3.67",
        "time": "3.33",
        "fee": "3.33",
        "product": "3.00",
        "competence": "3.67",
        "behaviour": "3.67",
        "complaints": "2.67",
        "facilities": "3.33",
    }
    assert unit["answered"] == dict.fromkeys(KEYS, 3)
    assert unit["period"] == {"from": "2026-05-01", "to": "2026-05-31"}

    # with POLRES.KASAT's all-4 respondent: 127 points / 36 answers x 25 = 88.19, still B
    service = _ikm(client, service="skck", **may)
    agency = _ikm(client, agency="POLRES", **may)
    for whole in (service, agency):
        assert (whole["ikm"], whole["mutu"], whole["responses"]) == ("88.19", "B", 4)

    kasat = _ikm(client, unit="POLRES.KASAT", **may)
    assert (kasat["ikm"], kasat["mutu"], kasat["kinerja"]) == ("100.00", "A", "Sangat Baik")

    # the default period is the current year to date, and takes April's respondent in:
    # 100 points / 36 answers x 25 = 69.44, band C
    year = _ikm(client, unit="POLRES.SKCK")
    assert (year["ikm"], year["mutu"], year["responses"]) == ("69.44", "C", 4)
    assert year["period"] == {"from": "2026-01-01", "to": "2026-06-02"}


def test_the_legacy_flag_weighs_each_element_0_111_as_printed(client: TestClient) -> None:
    assert _import(client, _csv(MAY_SKCK + MAY_KASAT)).status_code == 201
    may = {"from": "2026-05-01", "to": "2026-05-31"}
    # 91/3 x 0.111 x 25 = 84.175 exactly, rounded half up
    legacy = _ikm(client, unit="POLRES.SKCK", legacy="true", **may)
    assert (legacy["ikm"], legacy["legacy"]) == ("84.18", True)
    assert _ikm(client, unit="POLRES.KASAT", legacy="true", **may)["ikm"] == "99.90"
    assert _ikm(client, unit="POLRES.KASAT", **may)["ikm"] == "100.00"


def test_a_scope_without_responses_has_no_index_but_still_its_counts(client: TestClient) -> None:
    empty = _ikm(client, agency="DINKES")
    assert (empty["ikm"], empty["mutu"], empty["kinerja"], empty["responses"]) == (
        None,
        None,
        None,
        0,
    )
    assert empty["nrr"] == dict.fromkeys(KEYS)


def test_an_invalid_csv_names_every_row_and_field_and_stores_nothing(
    client: TestClient, db: Database
) -> None:
    rows = [
        MAY_SKCK[0],
        ("POLRES.SKCK", "skck", "2026-05-05", 4, 4, 5, 4, 4, 4, 4, 4, 4),
        ("POLRES.NOPE", "skck", "2026-05-05", *[3] * 9),
        ("POLRES.SKCK", "skck", "2026-07-01", *[3] * 9),
        ("POLRES.SKCK", "ktp-el-baru", "2026-05-05", *[3] * 9),
        ("POLRES.SKCK", "skck", "05/05/2026", 4, "x", 4, 4, 4, 4, 4, 4, 4),
    ]
    response = _import(client, _csv(rows))
    assert response.status_code == 422, response.text
    assert _fields(response) == {
        "row[3].time",
        "row[4].unit",
        "row[5].date",
        "row[6].service",
        "row[7].date",
        "row[7].procedure",
    }
    assert _count(db) == 0 and _survey_events(db) == 0


def test_a_csv_missing_a_column_is_refused_naming_it(client: TestClient, db: Database) -> None:
    header = tuple(h for h in HEADER if h != "facilities")
    response = _import(client, _csv([row[:-1] for row in MAY_SKCK], header))
    assert response.status_code == 422
    assert _fields(response) == {"header.facilities"}
    assert _count(db) == 0


def test_a_paper_row_may_leave_an_element_blank_but_not_all(client: TestClient) -> None:
    partly = ("POLRES.SKCK", "skck", "2026-05-05", 4, 4, 4, "", 4, 4, 4, 4, 4)
    blank = ("POLRES.SKCK", "skck", "2026-05-05", *[""] * 9)
    refused = _import(client, _csv([partly, blank]))
    assert refused.status_code == 422 and _fields(refused) == {"row[3]"}
    assert _import(client, _csv([partly])).status_code == 201
    may = _ikm(client, unit="POLRES.SKCK", **{"from": "2026-05-01", "to": "2026-05-31"})
    assert may["answered"]["fee"] == 0 and may["nrr"]["fee"] is None
    assert may["ikm"] == "100.00"


def test_a_semicolon_csv_from_a_spreadsheet_with_a_profile_is_imported(
    client: TestClient, db: Database
) -> None:
    header = (*HEADER, "age_band", "sex", "suggestion")
    row = (*MAY_SKCK[0], "30-39", "p", "Antrean lebih tertib")
    content = "\ufeff" + ";".join(header) + "\r\n" + ";".join(map(str, row)) + "\r\n"
    response = _import(client, content.encode())
    assert response.status_code == 201, response.text
    with db.unit_of_work(readonly=True) as uow:
        stored = uow.session.execute(select(SurveyResponse)).scalar_one()
    assert stored.profile == {"age_band": "30-39", "sex": "P"}
    assert stored.suggestion == "Antrean lebih tertib" and stored.channel == "paper"


def test_only_an_admin_of_the_units_agency_may_import(client: TestClient, db: Database) -> None:
    content = _csv(MAY_SKCK)
    assert _import(client, content, username=None).status_code == 401
    clerk = officer_for("POLRES.SKCK", "front_desk")
    assert _import(client, content, username=clerk).status_code == 403
    assert _import(client, content, username="disdukcapil-admin").status_code == 403
    assert _count(db) == 0
    assert _import(client, content, username="admin").status_code == 201  # platform admin


def test_the_same_file_is_not_imported_twice(client: TestClient, db: Database) -> None:
    content = _csv(MAY_SKCK)
    assert _import(client, content).status_code == 201
    assert _import(client, content).status_code == 409
    assert _count(db) == 3


def test_an_import_is_one_event_in_the_agencys_chain_without_answers(
    client: TestClient, db: Database
) -> None:
    header = (*HEADER, "suggestion")
    assert _import(client, _csv([(*MAY_SKCK[0], "Petugas ramah")], header)).status_code == 201
    with db.unit_of_work(readonly=True) as uow:
        events = list(
            uow.session.execute(select(Event).where(Event.case_type == "survey")).scalars()
        )
        checked, problems = verify_chain(uow.session)
    assert [(e.ledger, e.activity, e.payload["rows"]) for e in events] == [
        ("POLRES", "paper surveys imported", 1)
    ]
    assert "ramah" not in json.dumps(events[0].payload)
    assert checked > 0 and problems == []


# --- answers at the end of an application ------------------------------------------


def test_an_ended_application_is_answered_once_with_its_pin(
    client: TestClient, db: Database
) -> None:
    number, pin = _finished(client)
    assert _answer(client, number, "000000").status_code == 404
    first = _answer(client, number, pin, complaints=1)
    assert first.status_code == 201, first.text
    assert first.json()["low_scores"] == ["complaints"]
    assert first.json()["complaint_url"] == f"/pengaduan/baru?permohonan={number}"
    assert _answer(client, number, pin).status_code == 409
    assert _count(db) == 1
    with db.unit_of_work(readonly=True) as uow:
        event = uow.session.execute(select(Event).where(Event.case_type == "survey")).scalar_one()
    assert (event.ledger, event.unit, event.resource) == ("POLRES", "POLRES.KASAT", "citizen")
    assert number not in json.dumps(event.payload)


def test_answering_an_application_still_in_process_is_refused(client: TestClient) -> None:
    receipt = submit(client, "skck").json()
    response = _answer(client, receipt["tracking_number"], receipt["pin"])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "survey.not_finished"


def test_incomplete_answers_name_each_missing_element(client: TestClient, db: Database) -> None:
    number, pin = _finished(client)
    raw = {"requirements": 4, "procedure": "9", "nickname": "x"}
    response = _answer(client, number, pin, raw=raw)
    assert response.status_code == 422
    assert _fields(response) == {
        "procedure",
        "time",
        "fee",
        "product",
        "competence",
        "behaviour",
        "complaints",
        "facilities",
        "nickname",
    }
    assert _count(db) == 0


def test_a_rejected_application_is_asked_too_and_counted_at_the_unit_that_rejected_it(
    client: TestClient,
) -> None:
    number, pin = _finished(client, reject=True)
    assert _answer(client, number, pin, time=2).status_code == 201
    report = _ikm(client, unit="POLRES.SKCK")
    assert report["responses"] == 1 and report["served"] == 1
    assert _ikm(client, unit="POLRES.KASAT")["served"] == 0


def test_the_sample_size_is_met_once_responses_reach_it_for_the_people_served(
    client: TestClient,
) -> None:
    finished = [_finished(client, seed=seed) for seed in (1, 2, 3)]
    for number, pin in finished[:2]:
        assert _answer(client, number, pin).status_code == 201
    # Krejcie-Morgan for 3 people served: 3.841 x 3 x 0.25 / (0.0025 x 2 + 0.96025) -> 3
    for scope in ({"unit": "POLRES.KASAT"}, {"service": "skck"}, {"agency": "POLRES"}):
        before = _ikm(client, **scope)
        assert (before["served"], before["sample_size_required"]) == (3, 3), scope
        assert before["responses"] == 2 and before["sample_size_met"] is False
    # an application is served by the unit that ended it, not by every unit on its way
    assert _ikm(client, unit="POLRES.SKCK")["served"] == 0
    # paper questionnaires add responses, never people served
    assert _import(client, _csv(MAY_KASAT)).status_code == 201
    after = _ikm(client, unit="POLRES.KASAT")
    assert (after["served"], after["responses"], after["sample_size_met"]) == (3, 3, True)
    outside = _ikm(client, agency="POLRES", **{"from": "2026-06-03", "to": "2026-12-31"})
    assert outside["served"] == 0


# --- walk-in ----------------------------------------------------------------------


def test_walk_in_answers_are_limited_to_five_per_source_and_hour(
    client: TestClient, db: Database, clock: Clock
) -> None:
    url = "/api/v1/units/DISDUKCAPIL.LOKET/survey"
    body = _answers(service="ktp-el-baru")
    for _ in range(5):
        assert client.post(url, json=body).status_code == 201
        clock.advance(minutes=5)
    refused = client.post(url, json=body)
    assert refused.status_code == 429
    assert _count(db) == 5
    clock.advance(minutes=40)  # the first answer is now more than an hour old
    assert client.post(url, json=body).status_code == 201
    with db.unit_of_work(readonly=True) as uow:
        hashes = set(uow.session.execute(select(SurveyResponse.source_hash)).scalars())
    assert len(hashes) == 1 and len(next(iter(hashes))) == 64  # an HMAC, not the address
    report = _ikm(client, unit="DISDUKCAPIL.LOKET")
    assert (report["responses"], report["served"]) == (6, 0)


def test_a_walk_in_answer_names_a_service_of_the_unit(client: TestClient) -> None:
    url = "/api/v1/units/DISDUKCAPIL.LOKET/survey"
    assert _fields(client.post(url, json=_answers())) == {"service"}
    assert _fields(client.post(url, json=_answers(service="skck"))) == {"service"}
    assert client.post("/api/v1/units/DISDUKCAPIL.NOPE/survey", json=_answers()).status_code == 404


# --- the query's own checks --------------------------------------------------------


def test_the_index_needs_exactly_one_known_scope_and_a_sound_period(client: TestClient) -> None:
    none = client.get("/api/v1/ikm")
    assert none.status_code == 422 and _fields(none) == {"unit", "service", "agency"}
    two = client.get("/api/v1/ikm", params={"unit": "POLRES.SKCK", "agency": "POLRES"})
    assert two.status_code == 422 and _fields(two) == {"unit", "agency"}
    assert client.get("/api/v1/ikm", params={"unit": "POLRES.NOPE"}).status_code == 404
    assert client.get("/api/v1/ikm", params={"service": "nothing"}).status_code == 404
    assert client.get("/api/v1/ikm", params={"agency": "NOPE"}).status_code == 404
    backwards = client.get(
        "/api/v1/ikm", params={"agency": "POLRES", "from": "2026-05-02", "to": "2026-05-01"}
    )
    assert backwards.status_code == 422 and _fields(backwards) == {"from", "to"}
    bad = client.get("/api/v1/ikm", params={"agency": "POLRES", "from": "2026-13-01"})
    assert bad.status_code == 422 and _fields(bad) == {"from"}
