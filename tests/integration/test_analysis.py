"""Applications worked through the API at known moments, for the analysis tests.

Each step is taken by its officer after a known wait and decided after a known working
time, on the test clock, so the bottleneck figures are known by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from layan.accounts import service as accounts
from layan.analytics import analysis
from layan.core.access import Principal
from layan.core.db import Database
from layan.core.errors import NotFoundError, PermissionDeniedError, ValidationFailedError
from tests.conftest import START, Clock
from tests.factories import officer_for, sign_in, standard, submit


def open_step(client: TestClient, number: str) -> dict[str, Any]:
    steps = client.get(f"/api/v1/applications/{number}").json()["steps"]
    return next(s for s in steps if s["status"] in ("open", "claimed"))


def work_step(
    client: TestClient,
    clock: Clock,
    number: str,
    code: str,
    *,
    wait_hours: float,
    work_hours: float,
    outcome: str = "approve",
) -> dict[str, Any]:
    """Let the open step wait, be taken, be worked and decided; the decision's answer."""
    step = open_step(client, number)
    role = next(s.role for s in standard(code).procedure if s.code == step["step"])
    headers = sign_in(client, officer_for(step["unit"], role))
    clock.advance(hours=wait_hours)
    claimed = client.post(f"/api/v1/tasks/{step['task_id']}/claim", headers=headers)
    assert claimed.status_code == 204, claimed.text
    clock.advance(hours=work_hours)
    body: dict[str, Any] = {"outcome": outcome}
    if outcome != "approve":
        body["reason"] = "Berkas belum lengkap"
    decided = client.post(f"/api/v1/tasks/{step['task_id']}/decision", headers=headers, json=body)
    assert decided.status_code == 200, decided.text
    return decided.json()


def family_card(client: TestClient, clock: Clock, seed: int = 1, day: int = 0) -> str:
    """A family card (kartu-keluarga: counter, records, signature) submitted at 08:00 on
    the `day`-th day after Tuesday 2 June 2026: the counter waits 1 hour and works 0.5,
    records 2 and 1, the signature 1 and 0.5; decided at 14:00, 6 working hours later."""
    clock.now = START + timedelta(days=day)
    response = submit(client, "kartu-keluarga", seed=seed)
    assert response.status_code == 201, response.text
    number = response.json()["tracking_number"]
    for wait, work in ((1, 0.5), (2, 1), (1, 0.5)):
        work_step(client, clock, number, "kartu-keluarga", wait_hours=wait, work_hours=work)
    return str(number)


def principal(client: TestClient, db: Database, username: str) -> Principal:
    token = sign_in(client, username)["Authorization"].split()[1]
    with db.unit_of_work(readonly=True) as uow:
        return accounts.principal_for_token(uow, token)


# --- the use cases ----------------------------------------------------------------------


def test_the_bottlenecks_of_worked_applications_are_known_by_hand(
    client: TestClient, db: Database, clock: Clock
) -> None:
    family_card(client, clock, seed=1, day=0)
    family_card(client, clock, seed=2, day=1)
    found = analysis.service_bottlenecks(
        db, principal(client, db, "disdukcapil-kepala"), "kartu-keluarga"
    )
    figures = found.figures
    steps = {s.step: s for s in figures.steps}
    assert (
        steps["verifikasi_berkas"].waiting.median,
        steps["verifikasi_berkas"].working.median,
    ) == (1.0, 0.5)
    assert (steps["perekaman_data"].waiting.median, steps["perekaman_data"].working.median) == (
        2.0,
        1.0,
    )
    assert (steps["tanda_tangan"].waiting.n, steps["tanda_tangan"].working.mean) == (2, 0.5)
    assert (figures.cases, figures.decided) == (2, 2)
    assert figures.lead_days.median == pytest.approx(6 / 8.5)
    assert [(h.from_unit, h.to_unit, h.count) for h in figures.handoffs] == [
        ("DISDUKCAPIL.LOKET", "DISDUKCAPIL.PENDAFTARAN", 2),
        ("DISDUKCAPIL.PENDAFTARAN", "DISDUKCAPIL.KABID", 2),
    ]
    assert figures.agency_handoffs == 0
    assert figures.variants.shown[0].steps == (
        "verifikasi_berkas",
        "perekaman_data",
        "tanda_tangan",
    )
    assert {a.source for a in figures.dfg.arcs} >= {"submit", "verifikasi_berkas", "tanda_tangan"}


def test_a_simulated_change_is_set_beside_the_procedure_as_it_ran(
    client: TestClient, db: Database, clock: Clock
) -> None:
    family_card(client, clock, seed=1, day=0)
    family_card(client, clock, seed=2, day=1)
    report = analysis.simulate_service(
        db,
        principal(client, db, "disdukcapil-admin"),
        "kartu-keluarga",
        changes=[{"kind": "remove", "step": "perekaman_data"}],
        replications=3,
    )
    assert report.measured_cases == 2 and report.result.current.cases == 2
    assert report.fitted.model.officers[("DISDUKCAPIL.PENDAFTARAN", "processor")] == 1
    # Alone in their queues, the cards waited only until an officer looked (1, 2 and 1
    # hours) and were worked 0.5, 1 and 0.5: 6 working hours, as they did; without the
    # records step, 3.
    assert report.result.current.p50.mean == pytest.approx(6 / 8.5)
    assert report.result.changed.p50.mean == pytest.approx(3 / 8.5)
    assert report.result.current.on_time.mean == 100.0


def test_the_backtest_sets_the_last_quarter_beside_what_happened(
    client: TestClient, db: Database, clock: Clock
) -> None:
    clock.now = START - timedelta(days=112)  # Tuesday 10 February 2026
    start = clock.now
    response = submit(client, "kartu-keluarga", seed=3)
    number = response.json()["tracking_number"]
    for wait, work in ((1, 0.5), (2, 1), (1, 0.5)):
        work_step(client, clock, number, "kartu-keluarga", wait_hours=wait, work_hours=work)
    assert clock.now - start == timedelta(hours=6)
    clock.now = START
    found = analysis.backtest_service(
        db, principal(client, db, "auditor"), "kartu-keluarga", replications=2
    )
    assert (str(found.quarter.first), str(found.quarter.last)) == ("2026-01-01", "2026-03-31")
    assert found.result is not None
    assert found.result.actual.decided == 1
    assert found.result.actual.p50 == pytest.approx(6 / 8.5)
    # Alone in its queues, it waited only for officers to look, as the model has it.
    assert found.result.predicted.p50.mean == pytest.approx(6 / 8.5)
    assert found.result.p50_error == pytest.approx(0.0, abs=1e-9)


def test_a_quarter_without_cases_has_no_backtest(client: TestClient, db: Database) -> None:
    found = analysis.backtest_service(db, principal(client, db, "auditor"), "kartu-keluarga")
    assert found.result is None


@pytest.mark.parametrize("username", ["dpmptsp-kepala", "disdukcapil-loket", "polres-admin"])
def test_officers_who_do_not_run_the_service_are_refused(
    client: TestClient, db: Database, username: str
) -> None:
    who = principal(client, db, username)
    with pytest.raises(PermissionDeniedError):
        analysis.service_bottlenecks(db, who, "kartu-keluarga")
    with pytest.raises(PermissionDeniedError):
        analysis.simulate_service(db, who, "kartu-keluarga")


def test_an_unknown_service_is_not_found(client: TestClient, db: Database) -> None:
    with pytest.raises(NotFoundError):
        analysis.service_bottlenecks(db, principal(client, db, "auditor"), "tidak-ada")


def test_a_partner_agency_sees_only_its_own_steps(client: TestClient, db: Database) -> None:
    pupr = principal(client, db, "pupr-kepala")
    found = analysis.service_bottlenecks(db, pupr, "pbg")
    assert not found.access.full
    assert found.access.units == {"PUPR.TPT", "PUPR.TATA-RUANG"}
    assert found.figures.dfg is None and found.figures.variants.shown == []
    home = analysis.analysis_home(db, pupr)
    assert {(s.published.standard.code, s.full) for s in home.services} == {
        ("pbg", False),
        ("izin-reklame", False),
    }
    with pytest.raises(PermissionDeniedError):
        analysis.simulate_service(
            db, pupr, "pbg", changes=[{"kind": "remove", "step": "verifikasi_berkas"}]
        )


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        (analysis.Asked("2026-02-30", None), "from"),
        (analysis.Asked("2026-06-03", "2026-06-01"), "from"),
        (analysis.Asked(None, "2099-01-01"), "to"),
        (analysis.Asked("2024-01-01", "2026-06-01"), "from"),
    ],
)
def test_an_absurd_period_is_refused_naming_its_field(
    client: TestClient, db: Database, asked: analysis.Asked, field: str
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        analysis.service_bottlenecks(db, principal(client, db, "auditor"), "kartu-keluarga", asked)
    assert [e.field for e in refused.value.errors] == [field]
