"""Agency admins record counter transactions and costs; the dashboard's indicators use them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.analytics import rollups
from layan.core.db import Database
from layan.core.events import Event
from tests.factories import submit
from tests.pages import by_id, check_page, csrf, find_all, get_page, sign_in_page, text_of

PAGE = "/petugas/admin/kinerja"


def _post(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    form = get_page(client, PAGE)
    return client.post(PAGE, data={"csrf_token": csrf(form), **fields}, follow_redirects=False)


def test_an_admin_records_a_month_and_the_indicators_use_it(
    client: TestClient, db: Database
) -> None:
    for seed in range(3):
        assert submit(client, "kartu-keluarga", seed=seed).status_code == 201
    rollups.refresh_rollups(db)
    sign_in_page(client, "disdukcapil-admin")
    saved = _post(client, month="2026-06", service="", counter_transactions="1.000", cost_rupiah="")
    assert saved.status_code == 303, saved.text
    assert _post(
        client, month="2026-06", counter_transactions="1", cost_rupiah="3.030.000"
    ).is_redirect
    page = get_page(client, PAGE)
    rows = [text_of(r) for r in find_all(by_id(page, "entered"), "tr")[1:]]
    assert len(rows) == 1 and "Rp3.030.000" in rows[0]  # the month was corrected, not doubled
    found = client.get("/api/v1/dashboard?agency=DISDUKCAPIL&from=2026-06&to=2026-06").json()
    assert found["kpis"]["digital_take_up"] == 75.0  # 3 online, 1 at the counter
    assert found["kpis"]["cost_per_transaction"] == 757_500
    # A later cost alone keeps the counter figure entered before.
    assert _post(client, month="2026-06", cost_rupiah="4000000").is_redirect
    found = client.get("/api/v1/dashboard?agency=DISDUKCAPIL&from=2026-06&to=2026-06").json()
    assert found["kpis"]["digital_take_up"] == 75.0
    assert found["kpis"]["cost_per_transaction"] == 1_000_000
    other = client.get("/api/v1/dashboard?agency=POLRES&from=2026-06&to=2026-06").json()
    assert other["kpis"]["digital_take_up"] is None  # POLRES entered nothing
    with db.unit_of_work(readonly=True) as uow:
        recorded = uow.session.execute(
            select(Event).where(Event.activity == "month figures recorded").order_by(Event.id)
        ).scalars()
        assert [e.payload["cost_rupiah"] for e in recorded] == [None, 3_030_000, 4_000_000]


def test_wrong_figures_are_named_and_nothing_is_kept(client: TestClient, db: Database) -> None:
    sign_in_page(client, "disdukcapil-admin")
    wrong = _post(
        client, month="2026-13", service="pbg", counter_transactions="-4", cost_rupiah="x"
    )
    assert wrong.status_code == 422
    summary = by_id(check_page(wrong.text), "error-summary")
    anchors = {a.get("href") for a in find_all(summary, "a")}
    assert anchors == {
        "#fig-month",
        "#fig-service",
        "#fig-counter_transactions",
        "#fig-cost_rupiah",
    }
    empty = _post(client, month="2026-06")
    assert empty.status_code == 422 and "#fig-counter_transactions" in empty.text
    assert "Belum ada angka" in text_of(get_page(client, PAGE))


def test_only_the_agencys_own_admins_record_its_figures(client: TestClient) -> None:
    sign_in_page(client, "polres-admin")
    other = client.get(f"{PAGE}?instansi=DISDUKCAPIL")
    assert other.status_code == 403
    sign_in_page(client, "disdukcapil-loket")
    assert client.get(PAGE).status_code == 403
