"""Open311 GeoReport v2 at /open311/v2, as the specification's examples use it, in JSON and
XML, on SQLite and PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from layan.cli import app as cli
from layan.complaints.models import Complaint
from layan.core.db import Database
from layan.core.events import Event
from layan.open311 import service as open311
from tests.conftest import SECRET, Clock
from tests.factories import PASSWORD, sign_in
from tests.pages import by_id, csrf, get_page, text_of

BASE = "/open311/v2"
HANDLER = "pupr-pengaduan"
UNIT_OFFICER = "pupr-tpt"
ROAD = {
    "service_code": "jalan-rusak",
    "lat": "-6.9",
    "long": "107.6",
    "address_string": "Jl. Merdeka No. 5, Suka Maju",
    "description": "Lubang besar di tengah jalan, sudah dua motor jatuh minggu ini.",
    "first_name": "Siti",
    "last_name": "Rahmawati",
    "email": "siti@contoh.id",
    "phone": "081234567890",
}
# Friday 5 June 2026, 16:00 WIB: three working days after Tuesday 2 June, 08:00 WIB.
VERIFY_DUE = "2026-06-05T16:00:00+07:00"


@pytest.fixture
def key(db: Database) -> str:
    return open311.create_key(db, None, "PUPR", "Aplikasi Warga Suka Maju")


def _post(client: TestClient, key: str | None, fmt: str = "json", **fields: str) -> Any:
    body = {**ROAD, **fields}
    if key is not None:
        body["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data=body)


def _filed(client: TestClient, key: str, **fields: str) -> str:
    response = _post(client, key, **fields)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["service_request_id"])


def _count(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        return int(uow.session.execute(select(func.count(Complaint.id))).scalar_one())


def _xml(response: Any, root: str) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    tree = ET.fromstring(response.content)
    assert tree.tag == root, ET.tostring(tree)[:300]
    return tree


def _act(client: TestClient, username: str, number: str, step: str, body: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/officer/complaints/{number}/{step}", json=body, headers=sign_in(client, username)
    )
    assert response.status_code == 200, response.text


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


# --- discovery and services -----------------------------------------------------------------


def test_discovery_names_the_endpoint_and_both_formats(client: TestClient) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    tree = _xml(client.get(f"{BASE}/discovery.xml"), "discovery")
    formats = [f.text for f in tree.findall("./endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]
    assert tree.findtext("key_service")


def test_services_are_the_complaint_categories_grouped_by_agency(client: TestClient) -> None:
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    road = next(s for s in response.json() if s["service_code"] == "jalan-rusak")
    assert road["metadata"] is True and road["type"] == "realtime"
    assert road["service_name"] == "Jalan rusak"
    assert "PUPR" in road["group"] or "Pekerjaan Umum" in road["group"]
    english = client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"}).json()
    assert any(s["service_name"] == "Road damage" for s in english)

    tree = _xml(client.get(f"{BASE}/services.xml"), "services")
    codes = [s.findtext("service_code") for s in tree.findall("service")]
    assert "jalan-rusak" in codes and "skck" in codes
    assert tree.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_a_service_definition_lists_its_attributes_with_their_values(client: TestClient) -> None:
    body = client.get(f"{BASE}/services/jalan-rusak.json").json()
    assert body["service_code"] == "jalan-rusak"
    kind = next(a for a in body["attributes"] if a["code"] == "kind")
    assert kind["datatype"] == "singlevaluelist" and kind["variable"] is True
    assert [v["key"] for v in kind["values"]] == ["pengaduan", "aspirasi", "permintaan_informasi"]
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3, 4]

    tree = _xml(client.get(f"{BASE}/services/jalan-rusak.xml"), "service_definition")
    privacy = next(
        a for a in tree.findall("attributes/attribute") if a.findtext("code") == "privacy"
    )
    assert [v.findtext("key") for v in privacy.findall("values/value")] == [
        "public",
        "anonymous",
        "confidential",
    ]


def test_an_unknown_service_or_format_is_not_found(client: TestClient) -> None:
    response = client.get(f"{BASE}/services/sampah.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    assert _xml(client.get(f"{BASE}/services/sampah.xml"), "errors").findtext("error/code") == "404"
    assert client.get(f"{BASE}/services.csv").status_code == 404


# --- submitting -----------------------------------------------------------------------------


def test_a_request_with_a_key_becomes_a_complaint_and_answers_its_id_and_notice(
    client: TestClient, db: Database, key: str
) -> None:
    response = _post(client, key)
    assert response.status_code == 200, response.text
    [answer] = response.json()
    number = answer["service_request_id"]
    assert "paling lambat" in answer["service_notice"] and "2026" in answer["service_notice"]
    assert "account_id" in answer
    with db.unit_of_work(readonly=True) as uow:
        stored = uow.session.execute(
            select(Complaint).where(Complaint.tracking_number == number)
        ).scalar_one()
    assert stored.channel == "open311" and stored.category == "jalan-rusak"
    assert stored.reporter_name == "Siti Rahmawati" and stored.kind == "pengaduan"
    assert stored.address == "Jl. Merdeka No. 5, Suka Maju"

    tree = _xml(_post(client, key, "xml", **{"attribute[kind]": "aspirasi"}), "service_requests")
    assert tree.findtext("request/service_request_id")
    assert tree.find("request/account_id") is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_without_a_valid_key_is_refused_with_403_and_nothing_stored(
    client: TestClient, db: Database, key: str, fmt: str
) -> None:
    before = _count(db)
    for wrong in (None, "", "not-a-key", key + "x"):
        response = _post(client, wrong, fmt)
        assert response.status_code == 403, response.text
        if fmt == "json":
            assert response.json()[0]["code"] == 403
            assert "api_key" in response.json()[0]["description"]
        else:
            assert _xml(response, "errors").findtext("error/code") == "403"
    assert _count(db) == before


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"service_code": "sampah"}, "service_code"),
        ({"description": "Jalan rusak parah sekali. " * 200}, "description"),
        ({"description": "Jalan rusak <script>alert(1)</script> di depan SD"}, "description"),
        ({"lat": "-6.2", "long": "106.8"}, "lat/long"),  # Jakarta: outside the regency
    ],
)
def test_a_request_the_complaint_rules_refuse_is_400_and_nothing_stored(
    client: TestClient, db: Database, key: str, fields: dict[str, str], named: str
) -> None:
    before = _count(db)
    response = _post(client, key, **fields)
    assert response.status_code == 400, response.text
    assert any(e["description"].startswith(f"{named}:") for e in response.json())
    tree = _xml(_post(client, key, "xml", **fields), "errors")
    assert tree.findtext("error/code") == "400"
    assert _count(db) == before


def test_a_revoked_key_stops_working_at_once(client: TestClient, db: Database, key: str) -> None:
    _filed(client, key)
    with db.unit_of_work(readonly=True) as uow:
        key_id = int(
            uow.session.execute(
                select(Event.case_id).where(Event.case_type == "open311_key")
            ).scalar_one()
        )
    open311.revoke_key(db, None, "PUPR", key_id)
    assert _post(client, key).status_code == 403


# --- reading requests -----------------------------------------------------------------------


def test_a_request_reads_back_with_its_deadline_agency_and_place(
    client: TestClient, key: str
) -> None:
    number = _filed(client, key)
    [request] = client.get(f"{BASE}/requests/{number}.json").json()
    assert request["service_request_id"] == number
    assert request["status"] == "open" and request["service_code"] == "jalan-rusak"
    assert request["requested_datetime"] == "2026-06-02T08:00:00+07:00"
    assert request["expected_datetime"] == VERIFY_DUE
    assert "Pekerjaan Umum" in request["agency_responsible"]
    assert request["lat"] == -6.9 and request["long"] == 107.6
    assert "Siti" not in str(request)  # no reporter on the Open311 face

    tree = _xml(client.get(f"{BASE}/requests/{number}.xml"), "service_requests")
    assert tree.findtext("request/expected_datetime") == VERIFY_DUE
    assert tree.findtext("request/status") == "open"


def test_an_unknown_request_is_404_in_either_format(client: TestClient) -> None:
    response = client.get(f"{BASE}/requests/ABCDEFGHJKMN.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert _xml(client.get(f"{BASE}/requests/nope.xml"), "errors").findtext("error/code") == "404"


def test_a_token_names_its_request(client: TestClient, key: str) -> None:
    number = _filed(client, key)
    assert client.get(f"{BASE}/tokens/{number}.json").json() == [
        {"service_request_id": number, "token": number}
    ]
    tree = _xml(client.get(f"{BASE}/tokens/{number}.xml"), "service_requests")
    assert tree.findtext("request/service_request_id") == number
    assert client.get(f"{BASE}/tokens/ABCDEFGHJKMN.json").status_code == 404


def test_requests_filter_by_service_status_and_id_list(client: TestClient, key: str) -> None:
    road = _filed(client, key)
    licence = _filed(
        client, key, service_code="perizinan", description="Izin usaha saya tertahan tiga bulan."
    )
    closed = _filed(client, key, description="Trotoar ambles di depan pasar, bahaya untuk warga.")
    _act(client, HANDLER, closed, "archive", {"reason_code": "spam", "reason": "Uji coba saja"})

    assert set(_ids(client.get(f"{BASE}/requests.json"))) >= {road, licence, closed}
    by_code = _ids(client.get(f"{BASE}/requests.json", params={"service_code": "perizinan"}))
    assert by_code == [licence]
    both = _ids(client.get(f"{BASE}/requests.json?service_code=perizinan,jalan-rusak"))
    assert set(both) == {road, licence, closed}
    assert _ids(client.get(f"{BASE}/requests.json", params={"status": "closed"})) == [closed]
    assert closed not in _ids(client.get(f"{BASE}/requests.json", params={"status": "open"}))
    listed = _ids(
        client.get(f"{BASE}/requests.json", params={"service_request_id": f"{licence},{road}"})
    )
    assert listed == [licence, road]
    tree = _xml(client.get(f"{BASE}/requests.xml?status=closed"), "service_requests")
    assert [r.findtext("service_request_id") for r in tree.findall("request")] == [closed]
    paged = _ids(client.get(f"{BASE}/requests.json", params={"page_size": "1", "page": "2"}))
    assert len(paged) == 1


def test_requests_default_to_the_last_90_days_and_take_a_window(
    client: TestClient, clock: Clock, key: str
) -> None:
    old = _filed(client, key)
    clock.advance(days=91)
    recent = _filed(client, key, description="Jalan retak memanjang di tanjakan desa Sukamulya.")
    assert _ids(client.get(f"{BASE}/requests.json")) == [recent]
    window = {"start_date": "2026-06-01T00:00:00+07:00", "end_date": "2026-06-03T00:00:00Z"}
    assert _ids(client.get(f"{BASE}/requests.json", params=window)) == [old]
    assert _ids(client.get(f"{BASE}/requests.json", params={"start_date": "2026-06-01"})) == [old]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-06-05T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "kemarin"},
        {"status": "pending"},
        {"service_code": "sampah"},
        {"page_size": "0"},
    ],
)
def test_a_bad_request_list_query_is_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get(f"{BASE}/requests.json", params=params)
    assert response.status_code == 400, response.text
    assert response.json()[0]["code"] == 400
    assert _xml(client.get(f"{BASE}/requests.xml", params=params), "errors") is not None


def test_a_confidential_request_is_never_listed_nor_read(client: TestClient, key: str) -> None:
    secret = _filed(client, key, **{"attribute[privacy]": "confidential"})
    public = _filed(client, key, description="Jembatan kayu di dusun Cibodas mulai lapuk.")
    listed = _ids(client.get(f"{BASE}/requests.json"))
    assert public in listed and secret not in listed
    assert client.get(f"{BASE}/requests/{secret}.json").status_code == 404
    assert client.get(f"{BASE}/tokens/{secret}.json").status_code == 404
    by_id_list = client.get(f"{BASE}/requests.json", params={"service_request_id": secret})
    assert by_id_list.json() == []
    _act(client, HANDLER, secret, "verification", {"tier": "normative", "unit": "PUPR.TPT"})
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert all(u["service_request_id"] != secret for u in updates)


def test_updates_follow_verification_disposition_and_resolution(
    client: TestClient, clock: Clock, key: str
) -> None:
    number = _filed(client, key)
    clock.advance(hours=1)
    _act(client, HANDLER, number, "verification", {"tier": "normative", "unit": "PUPR.TPT"})
    clock.advance(hours=3)
    proof = {"proof": "Lubang sudah ditambal dengan aspal hotmix pada pagi ini."}
    _act(client, UNIT_OFFICER, number, "resolution", proof)

    response = client.get(f"{BASE}/servicerequestupdates.json")
    assert response.status_code == 200, response.text
    mine = [u for u in response.json() if u["service_request_id"] == number]
    assert [u["status"] for u in mine] == ["open", "open", "closed"]
    assert mine[-1]["updated_datetime"] == "2026-06-02T12:00:00+07:00"
    assert "aspal hotmix" in mine[-1]["description"]
    assert len({u["update_id"] for u in mine}) == 3
    [request] = client.get(f"{BASE}/requests/{number}.json").json()
    assert request["status"] == "closed" and "aspal hotmix" in request["status_notes"]

    later = {"start_date": "2026-06-02T11:30:00+07:00", "end_date": "2026-06-03T00:00:00+07:00"}
    tree = _xml(
        client.get(f"{BASE}/servicerequestupdates.xml", params=later), "service_request_updates"
    )
    assert [u.findtext("status") for u in tree.findall("request_update")] == ["closed"]


# --- keys: the command line and the admin page ----------------------------------------------


def test_the_command_line_prints_a_key_that_works(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("LAYAN_DATABASE_URL", database_url)
    monkeypatch.setenv("LAYAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYAN_SECRET_KEY", SECRET)
    result = CliRunner().invoke(
        cli, ["open311", "create-key", "--agency", "PUPR", "--name", "Aplikasi Desa"]
    )
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip().splitlines()[-1]
    assert len(printed) >= 40
    assert _post(client, printed).status_code == 200
    refused = CliRunner().invoke(cli, ["open311", "create-key", "--agency", "NOPE", "--name", "X1"])
    assert refused.exit_code == 1


def _sign_in_pages(client: TestClient, username: str) -> None:
    form = get_page(client, "/petugas/masuk")
    response = client.post(
        "/petugas/masuk",
        data={"csrf_token": csrf(form), "username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]


def test_the_agency_admin_creates_a_key_shown_once_and_revokes_it(client: TestClient) -> None:
    _sign_in_pages(client, "pupr-admin")
    page = get_page(client, "/petugas/admin")
    assert "Belum ada kunci API" in text_of(by_id(page, "open311"))
    response = client.post(
        "/petugas/admin/open311",
        data={"csrf_token": csrf(page), "instansi": "PUPR", "name": "Aplikasi Warga"},
    )
    assert response.status_code == 200, response.text[:500]
    shown = text_of(by_id(get_page_from(response.text), "open311-key"))
    assert len(shown) >= 40 and _post(client, shown).status_code == 200

    again = get_page(client, "/petugas/admin")
    assert shown not in client.get("/petugas/admin").text
    assert "Aplikasi Warga" in text_of(by_id(again, "open311-keys"))
    form = next(
        f for f in again.iter() if (f.get("action") or "").startswith("/petugas/admin/open311/")
    )
    revoked = client.post(
        str(form.get("action")),
        data={"csrf_token": csrf(again), "instansi": "PUPR"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert _post(client, shown).status_code == 403
    assert "dicabut" in text_of(by_id(get_page(client, "/petugas/admin"), "open311-keys"))


def test_an_empty_key_name_is_refused_on_the_admin_page(client: TestClient) -> None:
    _sign_in_pages(client, "pupr-admin")
    page = get_page(client, "/petugas/admin")
    response = client.post(
        "/petugas/admin/open311",
        data={"csrf_token": csrf(page), "instansi": "PUPR", "name": " "},
    )
    assert response.status_code == 422
    assert by_id(get_page_from(response.text), "open311-key") is None


def get_page_from(html: str) -> Any:
    from tests.pages import check_page

    return check_page(html)


def test_the_keys_stay_listed_when_another_admin_form_has_a_mistake(client: TestClient) -> None:
    _sign_in_pages(client, "pupr-admin")
    page = get_page(client, "/petugas/admin")
    client.post(
        "/petugas/admin/open311",
        data={"csrf_token": csrf(page), "instansi": "PUPR", "name": "Aplikasi Warga"},
    )
    wrong_day = client.post(
        "/petugas/admin/kalender",
        data={
            "csrf_token": csrf(page),
            "instansi": "PUPR",
            "day": "kemarin",
            "kind": "holiday",
            "action": "add",
            "tahun": "2026",
        },
    )
    assert wrong_day.status_code == 422
    assert "Aplikasi Warga" in text_of(by_id(get_page_from(wrong_day.text), "open311-keys"))
