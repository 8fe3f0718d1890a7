"""The published catalogue through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_catalogue_lists_every_demo_service_with_its_standard(client: TestClient) -> None:
    services = client.get("/api/v1/services").json()
    assert len(services) >= 8
    for service in services:
        for key in (
            "code",
            "name",
            "agency",
            "service_time",
            "fee",
            "requirements",
            "form",
            "procedure",
        ):
            assert key in service, (service["code"], key)
        for step in service["procedure"]:
            assert step["agency"] == step["unit"].split(".")[0]
            assert step["code"]


def test_the_building_approval_crosses_agencies(client: TestClient) -> None:
    pbg = client.get("/api/v1/services/pbg").json()
    agencies = {step["agency"] for step in pbg["procedure"]}
    assert {"DPMPTSP", "PUPR", "BAPENDA"} <= agencies
    assert pbg["agency"] == "DPMPTSP"
    assert all(r["legal_basis"] for r in pbg["requirements"])


def test_an_unknown_service_is_404_in_the_callers_language(client: TestClient) -> None:
    english = client.get("/api/v1/services/no-such", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 404
    assert english.json()["error"]["message"] == "Service 'no-such' not found"
    indonesian = client.get("/api/v1/services/no-such")
    assert indonesian.json()["error"]["message"] == "Layanan 'no-such' tidak ditemukan"


def test_a_procedure_exports_as_bpmn(client: TestClient) -> None:
    response = client.get("/api/v1/services/pbg/bpmn")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    ns = {"b": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    assert len(root.findall(".//b:userTask", ns)) == len(
        client.get("/api/v1/services/pbg").json()["procedure"]
    )


def test_the_openapi_document_describes_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/services",
        "/api/v1/services/{code}",
        "/api/v1/applications",
        "/api/v1/applications/{tracking_number}",
        "/api/v1/auth/token",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/decision",
        "/api/v1/applications/{tracking_number}/resubmission",
    ):
        assert path in spec["paths"], path
