"""The demo's citizen: her family card and KTP-el, issued on Layan, are never asked again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from layan import demo, demo_story
from layan.core.db import Database
from layan.documents.models import OnceOnlyEvidence
from tests.conftest import SECRET


def test_the_demo_citizen_reuses_her_documents(client: TestClient, db: Database) -> None:
    demo_story.once_only_story(db, client.app.state.issuer, SECRET, demo._principals(db))
    cases = {c.service: c for c in demo_story.citizen_cases(db, SECRET)}
    assert [cases[s].status for s in ("kartu-keluarga", "ktp-el-baru")] == ["approved", "approved"]
    assert cases["skck"].status == cases["pbg"].status == "in_process"
    with db.unit_of_work(readonly=True) as uow:
        evidence = {
            (e.requirement, e.source)
            for e in uow.session.execute(select(OnceOnlyEvidence)).scalars()
        }
    assert evidence == {
        ("kk", "issued_document"),  # the KTP-el took the family card
        ("ktp", "issued_document"),  # the SKCK took the KTP-el
        ("kk", "issued_document"),
        ("ktp", "registry"),  # the PBG looked her up in the civil registry
    }
    skck = client.get(
        f"/api/v1/applications/{cases['skck'].tracking_number}",
        headers={"X-Tracking-Pin": cases["skck"].pin},
    ).json()
    assert not {"ktp", "kk"} & {d["slot"] for d in skck["documents"]}
