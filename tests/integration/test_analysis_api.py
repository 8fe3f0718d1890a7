"""The staff's analysis as JSON: figures, what-if, backtest, and who may ask."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.factories import sign_in
from tests.integration.test_analysis import family_card

BASE = "/api/v1/analysis/services"


def test_the_bottlenecks_come_as_json_in_working_hours(client: TestClient, clock: Clock) -> None:
    family_card(client, clock, seed=1, day=0)
    answer = client.get(
        f"{BASE}/kartu-keluarga/bottlenecks",
        params={"from": "2026-06-01", "to": "2026-06-02"},
        headers=sign_in(client, "disdukcapil-kepala"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == {"from": "2026-06-01", "to": "2026-06-02", "tz": "Asia/Jakarta"}
    assert body["access"]["full"] is True
    steps = {s["step"]: s for s in body["figures"]["steps"]}
    assert steps["perekaman_data"]["waiting"] == {"n": 1, "mean": 2.0, "median": 2.0, "p90": 2.0}
    assert steps["perekaman_data"]["working"]["median"] == 1.0
    assert body["figures"]["variants"]["shown"][0]["cases"] == 1
    arcs = {(a["from"], a["to"]) for a in body["figures"]["dfg"]["arcs"]}
    assert ("verifikasi_berkas", "perekaman_data") in arcs


def test_a_period_before_the_cases_has_none(client: TestClient, clock: Clock) -> None:
    family_card(client, clock, seed=1, day=0)
    answer = client.get(
        f"{BASE}/kartu-keluarga/bottlenecks",
        params={"from": "2026-05-01", "to": "2026-05-31"},
        headers=sign_in(client, "auditor"),
    )
    assert answer.status_code == 200 and answer.json()["figures"]["cases"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "kemarin"}, "from"),
        ({"to": "2031-01-01"}, "to"),
        ({"from": "2026-06-02", "to": "2026-06-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-06-01"}, "from"),
    ],
)
def test_a_bad_period_is_answered_422_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    answer = client.get(
        f"{BASE}/kartu-keluarga/bottlenecks", params=params, headers=sign_in(client, "auditor")
    )
    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]


def test_the_simulation_compares_a_change_with_the_procedure(
    client: TestClient, clock: Clock
) -> None:
    family_card(client, clock, seed=1, day=0)
    family_card(client, clock, seed=2, day=1)
    answer = client.post(
        f"{BASE}/kartu-keluarga/simulation",
        json={
            "changes": [
                {"kind": "merge", "steps": ["perekaman_data", "tanda_tangan"]},
                {
                    "kind": "add_officers",
                    "unit": "DISDUKCAPIL.LOKET",
                    "role": "front_desk",
                    "count": 2,
                },
            ],
            "replications": 2,
            "seed": 7,
        },
        headers=sign_in(client, "disdukcapil-admin"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["cases"], body["replications"], body["seed"], body["queue"]) == (2, 2, 7, "fifo")
    assert body["changes"][0] == {"kind": "merge", "steps": ["perekaman_data", "tanda_tangan"]}
    stages = body["changed_procedure"]["stages"]
    assert [[s["station"] for s in stage] for stage in stages] == [
        ["verifikasi_berkas"],
        ["perekaman_data+tanda_tangan"],
    ]
    officers = {
        (o["unit"], o["role"]): o["officers"] for o in body["changed_procedure"]["officers"]
    }
    assert officers[("DISDUKCAPIL.LOKET", "front_desk")] == 3
    assert body["current"]["p50"]["mean"] == pytest.approx(6 / 8.5)
    # One officer does both, after the records step's look (2 hours): 1 hour sooner.
    assert body["changed"]["p50"]["mean"] == pytest.approx(5 / 8.5)
    assert sum(b["share"] for b in body["current"]["histogram"]) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": [{"kind": "teleport"}]}, "changes[0].kind"),
        ({"changes": [{"kind": "remove", "step": "tidak_ada"}]}, "changes[0].step"),
        ({"changes": [{"kind": "merge", "steps": "a"}]}, "changes[0].steps"),
        (
            {"changes": [{"kind": "add_officers", "unit": "X.Y", "role": "processor", "count": 1}]},
            "changes[0].unit",
        ),
        ({"replications": 0}, "replications"),
        ({"replications": 51}, "replications"),
        ({"replications": "banyak"}, "replications"),
        ({"replications": "9" * 5000}, "replications"),  # refused, not a 500
        ({"queue": "lifo"}, "queue"),
        ({"to": "2026-06-40"}, "to"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_simulation_request_is_answered_422_naming_the_field(
    client: TestClient, body: dict, field: str
) -> None:
    answer = client.post(
        f"{BASE}/kartu-keluarga/simulation", json=body, headers=sign_in(client, "disdukcapil-admin")
    )
    assert answer.status_code == 422, answer.text
    assert [f["field"] for f in answer.json()["error"]["fields"]] == [field]


def test_the_backtest_says_when_the_quarter_had_no_cases(client: TestClient) -> None:
    answer = client.get(f"{BASE}/kartu-keluarga/backtest", headers=sign_in(client, "auditor"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["quarter"]["from"] == "2026-01-01" and body["quarter"]["to"] == "2026-03-31"
    assert body["predicted"] is None and body["actual"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/kartu-keluarga/bottlenecks"),
        ("POST", "/kartu-keluarga/simulation"),
        ("GET", "/kartu-keluarga/backtest"),
    ],
)
def test_who_may_ask(client: TestClient, method: str, path: str) -> None:
    url = BASE + path
    assert client.request(method, url, json={}).status_code == 401
    other = sign_in(client, "polres-kepala")
    assert client.request(method, url, json={}, headers=other).status_code == 403
    processor = sign_in(client, "disdukcapil-pendaftaran")
    assert client.request(method, url, json={}, headers=processor).status_code == 403
    unknown = BASE + path.replace("kartu-keluarga", "tidak-ada")
    assert client.request(method, unknown, json={}, headers=other).status_code == 404


def test_a_partner_agency_may_not_change_another_agencys_steps(client: TestClient) -> None:
    answer = client.post(
        f"{BASE}/pbg/simulation",
        json={"changes": [{"kind": "remove", "step": "penerbitan_pbg"}], "replications": 1},
        headers=sign_in(client, "pupr-kepala"),
    )
    assert answer.status_code == 403
    own = client.post(
        f"{BASE}/pbg/simulation",
        json={
            "changes": [{"kind": "parallel", "steps": ["konsultasi_teknis", "kesesuaian_ruang"]}]
        },
        headers=sign_in(client, "pupr-kepala"),
    )
    assert own.status_code == 200, own.text
