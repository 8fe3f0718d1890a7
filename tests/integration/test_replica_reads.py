"""Reads that may lag go to the replica (`LAYAN_DATABASE_REPLICA_URL`); the rest never do.

The replica here is a copy of the database taken before a change, so what is read from
it shows whether a read went there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.applications.models import Application
from layan.catalogue import rules
from layan.catalogue import service as catalogue_service
from layan.core.db import Database
from layan.main import create_app
from layan.settings import Settings
from tests.conftest import SECRET, _pg_copy
from tests.factories import standard, submit

NEW_NAME = "Persetujuan Bangunan Gedung (versi baru)"


@pytest.fixture
def replica_url(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        copy = tmp_path / "replica.db"
        shutil.copyfile(request.getfixturevalue("sqlite_base"), copy)
        return f"sqlite:///{copy}"
    return _pg_copy(request.getfixturevalue("pg_base"))


def test_public_catalogue_reads_the_replica_and_applications_the_primary(
    database_url: str, replica_url: str, tmp_path: Path
) -> None:
    primary = Database(database_url)
    renamed = standard("pbg").model_copy(
        update={"name": rules.Bilingual(id=NEW_NAME, en="Building approval (new)")}
    )
    version = catalogue_service.publish_standard(primary.unit_of_work(), renamed)
    settings = Settings(
        env="test",
        database_url=database_url,
        database_replica_url=replica_url,
        data_dir=tmp_path,
        secret_key=SECRET,
    )
    with TestClient(create_app(settings)) as client:
        listed = client.get("/api/v1/services/pbg").json()
        page = client.get("/layanan/pbg").text
        answer = submit(client, "pbg")
        assert answer.status_code == 201, answer.text
        number = answer.json()["tracking_number"]
        tracked = client.get(f"/api/v1/applications/{number}")

    assert listed["version"] == version - 1  # the replica has not seen the new version
    assert NEW_NAME not in page
    assert tracked.status_code == 200  # read back from the primary at once
    assert tracked.json()["service_name"] == NEW_NAME
    replica = Database(replica_url)
    try:
        for db, expected in ((primary, 1), (replica, 0)):
            with db.unit_of_work(readonly=True) as uow:
                found = select(func.count()).where(Application.tracking_number == number)
                assert uow.session.scalar(found) == expected
    finally:
        replica.dispose()
        primary.dispose()


def test_only_a_reading_unit_of_work_may_ask_for_the_replica(db: Database) -> None:
    with pytest.raises(ValueError, match="read-only"):
        db.unit_of_work(replica=True)
    with db.unit_of_work(readonly=True, replica=True) as uow:  # no replica: the primary
        assert uow.session.scalar(select(func.count()).select_from(Application)) == 0
