"""Two-step verification in the browser: switch it on, then sign in with password and code."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Browser, expect

from layan import demo
from tests.browser.conftest import axe_violations

# An account no other browser journey signs in with: its second factor stays its own.
OFFICER = "pupr-pengaduan"


def test_an_officer_switches_on_two_step_verification_and_signs_in_with_a_code(
    browser: Browser, server: str
) -> None:
    context = browser.new_context(
        base_url=server, locale="id-ID", viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto("/petugas/masuk")
    page.fill("#username", OFFICER)
    page.fill("#password", demo.PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/petugas$"))

    page.goto("/petugas/akun/verifikasi")
    expect(page.locator("h1")).to_have_text("Verifikasi dua langkah")
    expect(page.get_by_role("img", name=re.compile("Kode QR"))).to_be_visible()
    assert axe_violations(page) == [], "/petugas/akun/verifikasi"
    totp = pyotp.TOTP(page.locator("#secret").inner_text().replace(" ", ""))
    page.fill("#code", totp.now())
    page.get_by_role("button", name="Aktifkan").click()
    expect(page.get_by_role("status")).to_contain_text("sekarang aktif")
    page.get_by_role("button", name="Keluar").click()

    page.fill("#username", OFFICER)
    page.fill("#password", demo.PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).to_have_text("Masukkan kode verifikasi")
    expect(page.locator("#password")).to_have_count(0)
    assert axe_violations(page) == [], "the second step"
    valid = {totp.at(time.time(), counter_offset=n) for n in range(-2, 3)}
    page.fill("#code", next(c for c in ("000000", "111111", "222222") if c not in valid))
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.locator("#error-summary")).to_contain_text("Kode verifikasi salah")
    # The code that switched it on is used up; the next step's code (within the window) is not.
    page.fill("#code", totp.at(time.time(), counter_offset=1))
    page.get_by_role("button", name="Verifikasi").click()
    expect(page).to_have_url(re.compile(r"/petugas$"))
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()
