"""Officers in the browser: each step's unit decides a building approval until it is approved."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from layan import demo
from tests.browser.conftest import axe_violations
from tests.browser.test_citizen_journeys import _apply
from tests.factories import officer_for, standard


def _sign_in(browser: Browser, server: str, username: str) -> Page:
    context = browser.new_context(
        base_url=server, locale="id-ID", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/petugas/masuk")
    page.fill("#username", username)
    page.fill("#password", demo.PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).to_be_visible()
    return page


def _open_steps(server: str, number: str) -> list[dict]:  # type: ignore[type-arg]
    steps = httpx.get(f"{server}/api/v1/applications/{number}").json()["steps"]
    return [s for s in steps if s["status"] in ("open", "claimed")]


def test_each_steps_unit_decides_in_the_browser_until_approved(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    number, _pin = _apply(page, "pbg", tmp_path, seed=11)
    roles = {s.code: s.role for s in standard("pbg").procedure}
    agencies = set()
    for _ in range(10):
        open_steps = _open_steps(server, number)
        if not open_steps:
            break
        for step in open_steps:
            officer = _sign_in(browser, server, officer_for(step["unit"], roles[step["step"]]))
            officer.goto("/petugas")
            expect(officer.locator("main")).to_contain_text(number[:4])
            officer.goto(f"/petugas/tugas/{step['task_id']}")
            officer.check("#outcome-approve")
            officer.get_by_role("button", name="Simpan keputusan").click()
            expect(officer.locator("h1")).to_be_visible()
            agencies.add(step["agency"])
            officer.context.close()
    assert {"DPMPTSP", "PUPR", "BAPENDA"} <= agencies
    page.goto(f"/lacak/{number}")
    expect(page.locator("main")).to_contain_text("Disetujui")


def test_a_return_needs_a_reason_in_the_browser(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    number, _pin = _apply(page, "skck", tmp_path, seed=12)
    step = _open_steps(server, number)[0]
    officer = _sign_in(browser, server, officer_for(step["unit"], "front_desk"))
    officer.goto(f"/petugas/tugas/{step['task_id']}")
    officer.check("#outcome-return")
    officer.get_by_role("button", name="Simpan keputusan").click()
    expect(officer.locator("#error-summary")).to_contain_text("Alasan")
    assert _open_steps(server, number)[0]["task_id"] == step["task_id"]
    officer.context.close()


def test_the_officer_pages_have_no_serious_accessibility_violations(
    page: Page, browser: Browser, server: str, tmp_path: Path
) -> None:
    number, _pin = _apply(page, "skck", tmp_path, seed=13)
    step = _open_steps(server, number)[0]
    supervisor = _sign_in(browser, server, officer_for(step["unit"], "supervisor"))
    for url in ("/petugas", f"/petugas/tugas/{step['task_id']}", "/petugas/unit"):
        supervisor.goto(url)
        assert axe_violations(supervisor) == [], url
    supervisor.context.close()
    admin = _sign_in(browser, server, "dpmptsp-admin")
    admin.goto("/petugas/admin")
    assert axe_violations(admin) == [], "/petugas/admin"
    admin.context.close()
