"""A citizen on a cheap phone: apply, keep the receipt, track, fix a returned application."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from layan import demo
from tests.browser.conftest import axe_violations
from tests.factories import officer_for, standard


def _fill_application(page: Page, code: str, tmp_path: Path, seed: int = 3) -> None:
    applicant, data, files = demo.sample_submission(standard(code), random.Random(seed))
    page.goto(f"/layanan/{code}/ajukan")
    page.fill("#applicant-nik", applicant.nik)
    page.fill("#applicant-name", applicant.name)
    page.fill("#applicant-phone", applicant.phone)
    page.fill("#applicant-email", applicant.email)
    for field in standard(code).form:
        if field.type == "file" or field.code not in data:
            continue
        selector = f"#data-{field.code}"
        if field.type == "choice":
            page.select_option(selector, str(data[field.code]))
        else:
            page.fill(selector, str(data[field.code]))
    for slot, incoming in files.items():
        path = tmp_path / incoming.filename
        path.write_bytes(incoming.content)
        page.set_input_files(f"#file-{slot}", str(path))


def _apply(page: Page, code: str, tmp_path: Path, seed: int = 3) -> tuple[str, str]:
    _fill_application(page, code, tmp_path, seed)
    page.get_by_role("button", name=re.compile("periksa jawaban|check your answers", re.I)).click()
    expect(page.locator("h1")).to_contain_text(re.compile("Periksa|Check"))
    page.get_by_role("button", name=re.compile("Kirim permohonan|Send the application")).click()
    number = page.locator("#tracking-number").inner_text().replace("-", "").strip()
    pin = page.locator("#pin").inner_text().strip()
    return number, pin


def test_a_citizen_applies_with_documents_and_gets_a_tracking_number(
    page: Page, tmp_path: Path
) -> None:
    number, pin = _apply(page, "skck", tmp_path)
    assert re.fullmatch(r"[0-9A-Z]{12}", number) and re.fullmatch(r"\d{6}", pin)
    page.get_by_role("link", name=re.compile("Lacak permohonan ini")).click()
    expect(page.locator("main")).to_contain_text("Diproses")


def test_the_same_application_works_with_javascript_disabled(
    no_js_page: Page, tmp_path: Path
) -> None:
    number, pin = _apply(no_js_page, "akta-kelahiran", tmp_path, seed=4)
    assert len(number) == 12 and len(pin) == 6
    no_js_page.goto("/lacak")
    no_js_page.fill("#nomor", f"{number[:4]}-{number[4:8]}-{number[8:]}")
    no_js_page.get_by_role("button", name="Lacak").click()
    no_js_page.fill("#pin", pin)
    no_js_page.get_by_role("button", name="Buka").click()
    expect(no_js_page.locator("main")).to_contain_text("Data permohonan Anda")


def test_the_nik_is_checked_as_it_is_typed(page: Page) -> None:
    page.goto("/layanan/skck/ajukan")
    page.fill("#applicant-nik", "3204015708900001")
    expect(page.locator("#nik-check")).to_contain_text("perempuan")
    page.fill("#applicant-nik", "3204")
    expect(page.locator("#nik-check")).to_contain_text("16 digit")


def test_a_returned_application_is_fixed_and_resubmitted(
    page: Page, server: str, tmp_path: Path
) -> None:
    number, pin = _apply(page, "skck", tmp_path, seed=5)
    token = httpx.post(
        f"{server}/api/v1/auth/token",
        data={
            "username": officer_for("POLRES.SKCK", "front_desk"),
            "password": demo.PASSWORD,
        },
    ).json()["access_token"]
    task = httpx.get(f"{server}/api/v1/applications/{number}").json()["steps"][0]["task_id"]
    returned = httpx.post(
        f"{server}/api/v1/tasks/{task}/decision",
        headers={"Authorization": f"Bearer {token}"},
        json={"outcome": "return", "reason": "Pas foto tidak jelas"},
    )
    assert returned.status_code == 200
    page.goto(f"/lacak/{number}")
    page.fill("#pin", pin)
    page.get_by_role("button", name="Buka").click()
    expect(page.locator("main")).to_contain_text("Pas foto tidak jelas")
    photo = tmp_path / "foto-baru.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.set_input_files("#file-photo", str(photo))
    page.get_by_role("button", name="Kirim ulang").click()
    expect(page.locator("main")).to_contain_text("waktu layanan berjalan lagi")
    assert httpx.get(f"{server}/api/v1/applications/{number}").json()["status"] == "in_process"


def test_the_english_switch_is_remembered(page: Page) -> None:
    page.goto("/layanan/pbg")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Building Approval (PBG)")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Public services of Suka Maju Regency")
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.locator("h1")).to_have_text("Layanan publik Kabupaten Suka Maju")


def test_the_main_citizen_pages_have_no_serious_accessibility_violations(page: Page) -> None:
    for url in ("/", "/layanan/pbg", "/layanan/pbg/ajukan", "/lacak", "/petugas/masuk"):
        page.goto(url)
        assert axe_violations(page) == [], url


def test_a_first_visit_stays_under_60_kb_before_images(page: Page) -> None:
    sizes: dict[str, int] = {}

    def count(response) -> None:  # type: ignore[no-untyped-def]
        if response.request.resource_type != "image":
            sizes[response.url] = int(
                response.headers.get("content-length") or len(response.body())
            )

    for url in ("/", "/layanan/pbg", "/layanan/pbg/ajukan"):
        sizes.clear()
        page.context.clear_cookies()
        page.on("response", count)
        page.goto(url, wait_until="networkidle")
        page.remove_listener("response", count)
        assert sum(sizes.values()) < 60 * 1024, (url, sizes)


def test_the_applicant_chooses_channels_and_sees_each_message_with_its_status(
    page: Page, tmp_path: Path, live: tuple[str, dict[str, str]]
) -> None:
    _fill_application(page, "kartu-identitas-anak", tmp_path, seed=8)
    page.locator('input[name="applicant.channels"][value="email"]').uncheck()
    page.get_by_label("WhatsApp").check()
    page.get_by_role("button", name=re.compile("periksa jawaban", re.I)).click()
    expect(page.locator("main")).to_contain_text("WhatsApp")
    page.get_by_role("button", name=re.compile("Kirim permohonan")).click()
    number = page.locator("#tracking-number").inner_text().replace("-", "").strip()
    pin = page.locator("#pin").inner_text().strip()
    sent = subprocess.run(
        [sys.executable, "-m", "layan.cli", "worker", "--once"],
        env=live[1],
        capture_output=True,
        timeout=120,
    )
    assert sent.returncode == 0, sent.stderr.decode()[-2000:]
    page.goto(f"/lacak/{number}")
    page.fill("#pin", pin)
    page.get_by_role("button", name="Buka").click()
    table = page.locator("#messages-table")
    expect(table).to_contain_text("Permohonan diterima")
    expect(table).to_contain_text("WhatsApp")
    # No WhatsApp gateway is configured here: the message says it failed, not "delivered".
    expect(table).to_contain_text("Gagal terkirim")
    expect(table).not_to_contain_text("Email")
