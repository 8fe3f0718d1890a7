"""`complaints.queries.public_complaints`: many public complaints in one read."""

from __future__ import annotations

from fastapi.testclient import TestClient

from layan.complaints import queries
from layan.core.db import Database
from layan.open311 import service as open311
from tests.integration.test_open311_api import _filed


def test_public_complaints_are_read_at_once_keyed_by_the_number_asked(
    client: TestClient, db: Database
) -> None:
    key = open311.create_key(db, None, "PUPR", "Aplikasi Warga Suka Maju")
    first = _filed(client, key)
    second = _filed(client, key, description="Jembatan kayu di dusun Cibodas mulai lapuk.")
    secret = _filed(client, key, **{"attribute[privacy]": "confidential"})
    with db.unit_of_work(readonly=True) as uow:
        found = queries.public_complaints(uow, [second, "PGD-0000-000000", secret, first, "x"])
        assert list(found) == [second, first]
        for number, view in found.items():
            single = queries.public_complaint(uow, number)
            assert view.tracking_number == single.tracking_number == number
            assert view.updates == single.updates
            assert view.reporter == single.reporter
        assert queries.public_complaints(uow, []) == {}
