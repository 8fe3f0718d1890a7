"""Once-only: an output issued on the platform meets a later service's requirement, and a
registry looked up by NIK meets another; a registry that is down keeps the application
as a draft with everything the applicant gave, completed later under the same number."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from layan.applications.models import Application, ApplicationDraft, Document, Task
from layan.catalogue import service as catalogue_service
from layan.catalogue.rules import ServiceStandard
from layan.core.db import Database
from layan.core.errors import ValidationFailedError
from layan.core.events import Event
from layan.documents.models import OnceOnlyEvidence
from tests.factories import application_parts, sign_in, standard, submit, work_through
from tests.integration.test_issued_documents import approved_ktp

NIK = "3204014708900003"


def _approved(client: TestClient, code: str, **overrides: Any) -> dict[str, Any]:
    receipt = submit(client, code, **overrides)
    assert receipt.status_code == 201, receipt.text
    number, pin = receipt.json()["tracking_number"], receipt.json()["pin"]
    assert work_through(client, number, code)["application_status"] == "approved"
    tracked = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin})
    return tracked.json()["outputs"][0]  # type: ignore[no-any-return]


def _post(
    client: TestClient,
    code: str,
    *,
    issued: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> Any:
    body, parts = application_parts(code, **kw)
    if issued is not None:
        body["issued_documents"] = issued
    return client.post(
        "/api/v1/applications",
        data={"application": json.dumps(body)},
        files=parts or None,
        headers=headers or {},
    )


def _count(db: Database, model: Any) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_an_skck_takes_the_ktp_el_and_family_card_issued_on_layan_without_uploads(
    client: TestClient, db: Database
) -> None:
    kk = _approved(client, "kartu-keluarga", applicant={"nik": NIK})
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK}, seed=4)
    answer = _post(
        client,
        "skck",
        applicant={"nik": NIK},
        drop_files=("ktp", "kk"),
        issued={"ktp": ktp["id"], "kk": "-".join(kk["id"][i : i + 4] for i in (0, 4, 8))},
    )
    assert answer.status_code == 201, answer.text
    number = answer.json()["tracking_number"]
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        slots = {d.slot for d in app.documents}
        evidence = {
            e.requirement: (e.source, e.reference, e.provider)
            for e in uow.session.execute(
                select(OnceOnlyEvidence).where(OnceOnlyEvidence.application_id == app.id)
            ).scalars()
        }
        submitted = uow.session.execute(
            select(Event).where(Event.case_id == number, Event.activity == "submit")
        ).scalar_one()
    assert "ktp" not in slots and "kk" not in slots
    assert evidence == {
        "ktp": ("issued_document", ktp["id"], "DISDUKCAPIL"),
        "kk": ("issued_document", kk["id"], "DISDUKCAPIL"),
    }
    assert submitted.payload["once_only"] == ["kk", "ktp"]


def test_an_issued_document_that_cannot_meet_the_requirement_is_refused_on_its_field(
    client: TestClient, db: Database
) -> None:
    ktp = _approved(client, "ktp-el-baru", applicant={"nik": NIK})
    others = _approved(client, "ktp-el-baru", seed=8)
    before = _count(db, Application)
    cases = {
        "issued.not_yours": {"ktp": others["id"]},
        "issued.other_service": {"kk": ktp["id"]},
        "issued.not_found": {"ktp": "ABCDEFGHJKMN"},
    }
    for code, issued in cases.items():
        answer = _post(
            client, "skck", applicant={"nik": NIK}, drop_files=tuple(issued), issued=issued
        )
        assert answer.status_code == 422, (code, answer.text)
        fields = {f["field"]: f["code"] for f in answer.json()["error"]["fields"]}
        assert code in fields.values(), (code, fields)
    missing = _post(
        client,
        "skck",
        applicant={"nik": NIK},
        drop_files=("ktp",),
        headers={"Accept-Language": "en"},
    )
    errors = {f["field"]: f for f in missing.json()["error"]["fields"]}
    assert errors["ktp"]["code"] == "issued.or_upload" and "ID" in errors["ktp"]["message"]
    revoked = client.post(
        f"/api/v1/outputs/{ktp['id']}/revocation",
        headers=sign_in(client, "disdukcapil-kabid"),
        json={"reason": "Data keliru"},
    )
    assert revoked.status_code == 204
    answer = _post(
        client, "skck", applicant={"nik": NIK}, drop_files=("ktp",), issued={"ktp": ktp["id"]}
    )
    assert {f["code"] for f in answer.json()["error"]["fields"]} == {"issued.revoked"}
    assert _count(db, Application) == before and _count(db, ApplicationDraft) == 0


def test_a_pbg_looks_the_applicant_up_in_the_civil_registry_and_logs_the_lookup(
    client: TestClient, db: Database
) -> None:
    number, pin, _ktp = approved_ktp(client, applicant={"nik": NIK})
    answer = _post(client, "pbg", applicant={"nik": NIK}, drop_files=("ktp",))
    assert answer.status_code == 201, answer.text
    pbg = answer.json()
    log = client.get(
        f"/api/v1/applications/{pbg['tracking_number']}/access-log",
        headers={"X-Tracking-Pin": pbg["pin"]},
    ).json()
    (lookup,) = [e for e in log if e["what"] == "registry:kependudukan"]
    assert lookup["agency"] == "DPMPTSP" and "Permendagri 102/2019" in lookup["why"]
    assert lookup["why"].startswith("ktp:")
    with db.unit_of_work(readonly=True) as uow:
        (evidence,) = uow.session.execute(select(OnceOnlyEvidence)).scalars().all()
    assert (evidence.source, evidence.registry_code, evidence.provider) == (
        "registry",
        "kependudukan",
        "DISDUKCAPIL",
    )


def test_a_registry_without_a_record_keeps_a_draft_that_an_upload_completes(
    client: TestClient, db: Database
) -> None:
    tasks_before = _count(db, Task)
    answer = _post(client, "pbg", applicant={"nik": NIK}, drop_files=("ktp",))
    assert answer.status_code == 202, answer.text
    draft = answer.json()
    assert draft["status"] == "draft" and draft["due_at"] is None
    assert [(p["requirement"], p["problem"]) for p in draft["pending"]] == [("ktp", "not_found")]
    assert "unggah" in draft["pending"][0]["message"]
    assert _count(db, Task) == tasks_before and _count(db, Application) == 0
    number, pin = draft["tracking_number"], draft["pin"]
    public = client.get(f"/api/v1/applications/{number}").json()
    assert public["status"] == "draft" and "personal" not in public
    mine = client.get(f"/api/v1/applications/{number}", headers={"X-Tracking-Pin": pin}).json()
    assert "ktp" not in {d["slot"] for d in mine["documents"]} and mine["personal"]["nik"] == NIK
    wrong = client.post(
        f"/api/v1/applications/{number}/submission", headers={"X-Tracking-Pin": "1"}
    )
    assert wrong.status_code == 404
    again = client.post(
        f"/api/v1/applications/{number}/submission", headers={"X-Tracking-Pin": pin}
    )
    assert again.status_code == 202 and again.json()["pending"][0]["problem"] == "not_found"
    done = client.post(
        f"/api/v1/applications/{number}/submission",
        headers={"X-Tracking-Pin": pin},
        files={"ktp": ("ktp.pdf", b"%PDF-1.4 ktp", "application/pdf")},
    )
    assert done.status_code == 201, done.text
    assert done.json()["tracking_number"] == number and done.json()["status"] == "in_process"
    with db.unit_of_work(readonly=True) as uow:
        app = uow.session.execute(
            select(Application).where(Application.tracking_number == number)
        ).scalar_one()
        slots = {
            d.slot
            for d in uow.session.execute(
                select(Document).where(Document.application_id == app.id)
            ).scalars()
        }
    assert "ktp" in slots and "land_title" in slots  # the first try's files were kept
    assert _count(db, ApplicationDraft) == 0 and _count(db, Task) > tasks_before
    activities = [
        e["activity"] for e in client.get(f"/api/v1/applications/{number}").json()["timeline"]
    ]
    assert activities[:3] == ["draft saved", "draft saved", "submit"]


def test_a_standard_naming_an_unknown_registry_or_service_is_not_published(db: Database) -> None:
    spec = standard("pbg").model_dump(mode="json")
    spec["requirements"][0]["registry"] = "pajak"
    spec["requirements"][1].update(kind="issued_document", services=["no-such-service"])
    with pytest.raises(ValidationFailedError) as refused:
        catalogue_service.publish_standard(db.unit_of_work(), ServiceStandard.model_validate(spec))
    fields = {e.field for e in refused.value.errors}
    assert fields == {"requirements[0].registry", "requirements[1].services"}
