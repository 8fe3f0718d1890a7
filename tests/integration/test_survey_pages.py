"""The survey pages through the ASGI client: every page parsed and checked."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from fastapi.testclient import TestClient

from tests.factories import officer_for, sign_in, standard, submit
from tests.pages import NS, by_id, check_page, csrf, find_all, get_page, text_of

KEYS = (
    "requirements",
    "procedure",
    "time",
    "fee",
    "product",
    "competence",
    "behaviour",
    "complaints",
    "facilities",
)


def _finished(client: TestClient) -> tuple[str, str]:
    """An SKCK application approved by each step's unit."""
    receipt = submit(client, "skck").json()
    number = receipt["tracking_number"]
    for step in standard("skck").procedure:
        task = next(
            s
            for s in client.get(f"/api/v1/applications/{number}").json()["steps"]
            if s["step"] == step.code
        )
        response = client.post(
            f"/api/v1/tasks/{task['task_id']}/decision",
            headers=sign_in(client, officer_for(step.unit, step.role)),
            json={"outcome": "approve"},
        )
        assert response.status_code == 200, response.text
    return number, receipt["pin"]


def _radios(page: Element) -> list[Element]:
    return [i for i in find_all(page, "input") if i.get("type") == "radio"]


def _assert_questionnaire(page: Element) -> None:
    """Nine radio groups of four, each in a fieldset with a legend, each radio labelled."""
    radios = _radios(page)
    assert sorted({r.get("name") for r in radios}) == sorted(KEYS)
    assert len(radios) == 36
    labelled = {label.get("for") for label in find_all(page, "label")}
    assert all(r.get("id") in labelled for r in radios)
    legends = [text_of(f.find(f"{NS}legend")) for f in find_all(page, "fieldset")]
    assert "1. Persyaratan" in legends and "9. Sarana dan Prasarana" in legends


def _form(page: Element, **answers: Any) -> dict[str, str]:
    return {"csrf_token": csrf(page), **{k: str(v) for k, v in answers.items()}}


def test_the_tracking_page_offers_the_survey_only_once_the_application_ended(
    client: TestClient,
) -> None:
    receipt = submit(client, "skck", seed=7).json()
    page = get_page(client, f"/lacak/{receipt['tracking_number']}")
    opened = client.post(
        f"/lacak/{receipt['tracking_number']}",
        data={"csrf_token": csrf(page), "pin": receipt["pin"]},
    )
    assert by_id(check_page(opened.text), "survei") is None
    number, pin = _finished(client)
    page = get_page(client, f"/lacak/{number}")
    opened = client.post(f"/lacak/{number}", data={"csrf_token": csrf(page), "pin": pin})
    tracked = check_page(opened.text)
    assert by_id(tracked, "survei") is not None
    actions = [f.get("action") for f in find_all(tracked, "form")]
    assert f"/lacak/{number}/survei" in actions
    _assert_questionnaire(tracked)


def test_the_survey_page_takes_answers_and_a_1_offers_the_complaint_form(
    client: TestClient,
) -> None:
    number, pin = _finished(client)
    page = get_page(client, f"/lacak/{number}/survei")
    _assert_questionnaire(page)
    answers = {**dict.fromkeys(KEYS, 4), "time": 1, "sex": "P", "suggestion": "Lebih cepat"}
    sent = client.post(f"/lacak/{number}/survei", data=_form(page, pin=pin, **answers))
    assert sent.status_code == 201, sent.text[:500]
    thanks = check_page(sent.text)
    link = by_id(thanks, "complaint-link")
    assert link is not None and link.get("href") == f"/pengaduan/baru?permohonan={number}"
    form = get_page(client, link.get("href"))
    assert number in {i.get("value") for i in find_all(form, "input")}
    assert "Waktu Penyelesaian" in text_of(thanks)
    service = get_page(client, "/layanan/skck")
    assert text_of(by_id(service, "pengaduan")) == "Pengaduan, saran, dan masukan"
    again = get_page(client, f"/lacak/{number}/survei")
    assert not _radios(again) and "sudah diisi" in text_of(again)


def test_good_answers_do_not_offer_the_complaint_form(client: TestClient) -> None:
    number, pin = _finished(client)
    page = get_page(client, f"/lacak/{number}/survei")
    sent = client.post(
        f"/lacak/{number}/survei", data=_form(page, pin=pin, **dict.fromkeys(KEYS, 3))
    )
    assert sent.status_code == 201
    assert by_id(check_page(sent.text), "complaint-link") is None


def test_missing_answers_are_listed_and_the_chosen_ones_kept(client: TestClient) -> None:
    number, pin = _finished(client)
    page = get_page(client, f"/lacak/{number}/survei")
    partial = {k: 4 for k in KEYS if k != "time"}
    sent = client.post(f"/lacak/{number}/survei", data=_form(page, pin=pin, **partial))
    assert sent.status_code == 422
    again = check_page(sent.text)
    targets = [a.get("href") for a in find_all(by_id(again, "error-summary"), "a")]
    assert targets == ["#skm-time-1"]
    assert text_of(by_id(again, "error-summary")).endswith(
        "Waktu Penyelesaian: Pilih salah satu jawaban"
    )
    assert text_of(by_id(again, "skm-time-error")) == "Pilih salah satu jawaban"
    assert by_id(again, "skm-time-1") is not None
    assert by_id(again, "skm-fee-4").get("checked") is not None
    assert by_id(again, "skm-time-4").get("checked") is None


def test_a_wrong_pin_is_refused_on_the_survey_page(client: TestClient) -> None:
    number, _ = _finished(client)
    page = get_page(client, f"/lacak/{number}/survei")
    sent = client.post(
        f"/lacak/{number}/survei", data=_form(page, pin="000000", **dict.fromkeys(KEYS, 4))
    )
    assert sent.status_code == 404
    assert [
        a.get("href") for a in find_all(by_id(check_page(sent.text), "error-summary"), "a")
    ] == ["#pin"]


def test_the_survey_page_of_an_application_in_process_says_it_is_not_open_yet(
    client: TestClient,
) -> None:
    number = submit(client, "skck").json()["tracking_number"]
    page = get_page(client, f"/lacak/{number}/survei")
    assert not _radios(page) and "setelah permohonan selesai" in text_of(page)


def test_the_walk_in_page_records_an_answer_for_a_service_of_the_unit(client: TestClient) -> None:
    page = get_page(client, "/survei/unit/DISDUKCAPIL.LOKET")
    _assert_questionnaire(page)
    services = [o.get("value") for o in find_all(by_id(page, "skm-service"), "option")]
    assert "ktp-el-baru" in services and "skck" not in services
    missing = client.post(
        "/survei/unit/DISDUKCAPIL.LOKET", data=_form(page, **dict.fromkeys(KEYS, 4))
    )
    assert missing.status_code == 422
    assert by_id(check_page(missing.text), "skm-service-error") is not None
    answers = {**dict.fromkeys(KEYS, 2), "behaviour": 1, "service": "ktp-el-baru"}
    sent = client.post("/survei/unit/DISDUKCAPIL.LOKET", data=_form(page, **answers))
    assert sent.status_code == 201
    link = by_id(check_page(sent.text), "complaint-link")
    assert link is not None and link.get("href") == "/pengaduan/baru"


def test_the_walk_in_page_refuses_a_sixth_answer_within_the_hour(client: TestClient) -> None:
    page = get_page(client, "/survei/unit/DISDUKCAPIL.LOKET")
    answers = {**dict.fromkeys(KEYS, 3), "service": "ktp-el-baru"}
    for _ in range(5):
        assert (
            client.post("/survei/unit/DISDUKCAPIL.LOKET", data=_form(page, **answers)).status_code
            == 201
        )
    refused = client.post("/survei/unit/DISDUKCAPIL.LOKET", data=_form(page, **answers))
    assert refused.status_code == 429
    assert "Terlalu banyak survei" in text_of(check_page(refused.text))


def test_the_questionnaire_speaks_english_when_switched(client: TestClient) -> None:
    client.get("/survei/unit/POLRES.SKCK?lang=en")
    page = get_page(client, "/survei/unit/POLRES.SKCK")
    assert "Very polite and friendly" in text_of(page)
    assert "Sangat sopan" not in text_of(page)


def test_a_survey_form_without_its_token_is_refused(client: TestClient) -> None:
    response = client.post("/survei/unit/DISDUKCAPIL.LOKET", data=dict.fromkeys(KEYS, "4"))
    assert response.status_code == 403


def test_an_unknown_unit_has_no_survey_page(client: TestClient) -> None:
    get_page(client, "/survei/unit/DISDUKCAPIL.NOPE", status=404)
