"""Real-browser journeys: a Layan server on loopback and headless Chromium driven by Playwright.

The browser is the system's Chromium (never a downloaded one); as root it needs
--no-sandbox. The server runs as a real `layan serve` process on a copy of the base
database, as a citizen or an officer would meet it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import SECRET

CHROMIUM = Path(os.environ.get("LAYAN_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Package scope: the server and Playwright stop when the browser tests end, so no later
# test runs beside them (Playwright's sync API holds an event loop on the main thread).
@pytest.fixture(scope="package")
def live(
    sqlite_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The server's address and its environment (for a `layan` command on its data)."""
    folder = tmp_path_factory.mktemp("live")
    shutil.copyfile(sqlite_base, folder / "layan.db")
    port = _free_port()
    env = {
        **os.environ,
        "LAYAN_DATABASE_URL": f"sqlite:///{folder / 'layan.db'}",
        "LAYAN_DATA_DIR": str(folder),
        "LAYAN_SECRET_KEY": SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "layan.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-sweep",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Layan server did not start") from None
                time.sleep(0.2)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="package")
def server(live: tuple[str, dict[str, str]]) -> str:
    return live[0]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: `make test` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server, locale="id-ID", viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def no_js_page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server,
        java_script_enabled=False,
        locale="id-ID",
        viewport={"width": 360, "height": 800},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page: Page) -> list[dict]:  # type: ignore[type-arg]
    """Serious and critical WCAG 2.1 A/AA violations on the page, by axe-core."""
    # Evaluated through the browser's devtools protocol: the page's own CSP rightly
    # refuses an injected <script>, and the check must run on the page as served.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
