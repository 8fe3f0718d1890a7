"""What a process keeps of the catalogue follows every change, made by any process."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.catalogue import rules, snapshot
from layan.catalogue import service as catalogue_service
from layan.catalogue.models import Unit
from layan.core.db import Database
from tests.factories import application_parts, standard


def _submit(client: TestClient, seed: int) -> str:
    body, parts = application_parts("pbg", seed=seed)
    response = client.post(
        "/api/v1/applications", data={"application": json.dumps(body)}, files=parts
    )
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def _pinned_version(db: Database, number: str) -> int:
    from layan.applications.models import Application

    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(Application.standard_version_id).where(Application.tracking_number == number)
        ).scalar_one()


def test_a_standard_published_by_another_process_is_used_by_the_next_submission(
    client: TestClient, db: Database
) -> None:
    first = _submit(client, 1)  # the server's process now keeps pbg's current standard
    other = Database(db.url)  # another process: its own engine, its own copy
    try:
        renamed = rules.Bilingual(id="Persetujuan Bangunan (baru)", en="Building approval (new)")
        changed = standard("pbg").model_copy(update={"name": renamed})
        version = catalogue_service.publish_standard(other.unit_of_work(), changed)
        with other.unit_of_work(readonly=True) as uow:
            published = catalogue.get_standard(uow, "pbg")
    finally:
        other.dispose()
    assert published.version == version

    second = _submit(client, 2)

    assert _pinned_version(db, first) != _pinned_version(db, second)
    assert _pinned_version(db, second) == published.version_id
    assert client.get("/api/v1/services/pbg").json()["version"] == version


def test_what_a_changing_transaction_reads_stays_its_own(db: Database) -> None:
    with db.unit_of_work(readonly=True) as uow:
        before = catalogue.unit_info(uow, "DPMPTSP.FO")
        token = snapshot.revision(uow)

    with db.unit_of_work() as uow:
        unit = uow.session.execute(select(Unit).where(Unit.id == before.id)).scalar_one()
        unit.opens = "06:00"
        inside = catalogue.unit_info(uow, "DPMPTSP.FO")  # sees its own change
        assert inside.opens == "06:00"
        # rolled back: never committed

    with db.unit_of_work(readonly=True) as uow:
        after = catalogue.unit_info(uow, "DPMPTSP.FO")
        assert snapshot.revision(uow) == token
    assert after.opens == before.opens


def test_a_committed_change_gives_the_catalogue_a_new_revision(db: Database) -> None:
    with db.unit_of_work(readonly=True) as uow:
        token = snapshot.revision(uow)
        assert catalogue.unit_info(uow, "DPMPTSP.FO").name != "Loket Baru"
    agencies = rules.load_agencies(rules.DEMO_DIR / "agencies.yaml")
    spec = next(a for a in agencies if a.code == "DPMPTSP")
    units = [
        u.model_copy(update={"name": rules.Bilingual(id="Loket Baru", en="New desk")})
        if u.code == "FO"
        else u
        for u in spec.units
    ]
    catalogue_service.import_agencies(db.unit_of_work(), [spec.model_copy(update={"units": units})])

    with db.unit_of_work(readonly=True) as uow:
        assert snapshot.revision(uow) != token
        assert catalogue.unit_info(uow, "DPMPTSP.FO").name == "Loket Baru"
