"""A pinned standard version keeps its text but shows its agency as it is now."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan.catalogue import queries as catalogue
from layan.catalogue import rules
from layan.catalogue import service as catalogue_service
from layan.catalogue.models import Service, StandardVersion
from layan.core.db import Database


def _pbg_version_id(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return uow.session.execute(
            select(StandardVersion.id)
            .join(Service, Service.id == StandardVersion.service_id)
            .where(Service.code == "pbg", StandardVersion.version == Service.current_version)
        ).scalar_one()


def test_a_renamed_agency_shows_its_new_name_on_a_published_version(
    client: TestClient, db: Database
) -> None:
    version_id = _pbg_version_id(db)
    with db.unit_of_work(readonly=True) as uow:
        before = catalogue.get_standard_version(uow, version_id)  # now cached in the process
    assert before.agency == "DPMPTSP"
    assert before.agency_name != "Dinas Perizinan Terpadu Kabupaten Suka Maju"

    agencies = rules.load_agencies(rules.DEMO_DIR / "agencies.yaml")
    renamed = [
        a.model_copy(update={"name": "Dinas Perizinan Terpadu Kabupaten Suka Maju"})
        for a in agencies
        if a.code == "DPMPTSP"
    ]
    catalogue_service.import_agencies(db.unit_of_work(), renamed)

    with db.unit_of_work(readonly=True) as uow:
        after = catalogue.get_standard_version(uow, version_id)
    assert after.agency_name == "Dinas Perizinan Terpadu Kabupaten Suka Maju"
    assert (after.version, after.standard) == (before.version, before.standard)
    service = client.get("/api/v1/services/pbg").json()
    assert service["agency_name"] == "Dinas Perizinan Terpadu Kabupaten Suka Maju"
