"""The browsable API reference and the script policy, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page


def _csp_reports(page: Page) -> list[str]:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    return console


def test_the_api_reference_works_offline_under_the_script_policy(page: Page) -> None:
    console = _csp_reports(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1", "data:"))
            else None
        ),
    )
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 40  # every operation of /openapi.json
    assert page.get_by_text("/api/v1/applications/{tracking_number}/access-log").count() >= 1
    assert not outside, outside
    assert not [m for m in console if "Content Security Policy" in m], console


def test_the_pages_script_runs_and_an_injected_one_does_not(page: Page) -> None:
    console = _csp_reports(page)
    page.goto("/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate(
        """() => new Promise(resolve => {
            window.injected = false;
            const tag = document.createElement('script');
            tag.textContent = 'window.injected = true';
            document.addEventListener('securitypolicyviolation', () => resolve(), {once: true});
            document.body.appendChild(tag);
        })"""
    )
    assert page.evaluate("() => window.injected") is False
    assert [m for m in console if "Content Security Policy" in m]
