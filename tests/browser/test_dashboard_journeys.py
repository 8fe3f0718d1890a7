"""The public dashboard on a cheap phone: reachable from the menu, charts drawn on the
server, accessible, no sideways scrolling, and a period chosen without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations


def test_the_public_opens_the_dashboard_from_the_menu_on_a_phone(page: Page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Kinerja").click()
    expect(page.locator("h1")).to_contain_text("Kinerja pelayanan")
    expect(page.locator("figure.chart svg")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    assert axe_violations(page) == []
    page.get_by_role("link", name=re.compile("DISDUKCAPIL|Dinas Kependudukan")).first.click()
    expect(page.locator("h1")).to_contain_text("Kependudukan")
    assert axe_violations(page) == []


def test_a_period_is_chosen_without_javascript(no_js_page: Page) -> None:
    no_js_page.goto("/kinerja")
    no_js_page.fill("#dari", "2026-01")
    no_js_page.fill("#sampai", "2026-03")
    no_js_page.get_by_role("button", name="Tampilkan").click()
    expect(no_js_page).to_have_url(re.compile(r"dari=2026-01&sampai=2026-03"))
    expect(no_js_page.locator("#period-note")).to_contain_text("Jan 26")
    csv = no_js_page.locator("#data-csv")
    assert "from=2026-01" in (csv.get_attribute("href") or "")
