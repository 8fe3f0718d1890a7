"""Take the screenshots in docs/screenshots: the main pages at phone and desktop width.

Run with `make screenshots`. It starts a demo server on loopback with a fresh database,
so the pictures show the demo regency as `make run` does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM, SCREENSHOTS

WIDTHS = {"phone": (360, 780), "desktop": (1280, 900)}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {
        **os.environ,
        "LAYAN_DATABASE_URL": f"sqlite:///{folder / 'layan.db'}",
        "LAYAN_DATA_DIR": str(folder),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "layan.cli",
            "demo",
            "load",
            "--applications",
            "120",
            "--history",
            "3000",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "layan.cli", "serve", "--port", str(port), "--no-sweep"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("server did not start")


def _shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _citizen(page: Page, label: str) -> None:
    page.goto("/?q=ktp+hilang")
    _shoot(page, f"{label}-home")
    page.goto("/layanan/pbg")
    _shoot(page, f"{label}-service")
    page.goto("/layanan/skck/ajukan")
    page.get_by_role("button", name="Lanjut: periksa jawaban").click()
    _shoot(page, f"{label}-apply-errors")
    page.goto("/kinerja/DPMPTSP")
    _shoot(page, f"{label}-dashboard")


def _officer(page: Page, label: str) -> None:
    page.goto("/petugas/masuk")
    page.fill("#username", "dpmptsp-fo")
    page.fill("#password", "layan-demo")
    page.get_by_role("button", name="Masuk").click()
    _shoot(page, f"{label}-officer-queue")
    first = page.locator("main a[href^='/petugas/tugas/']").first
    if first.count():
        first.click()
        _shoot(page, f"{label}-officer-task")
    page.get_by_role("button", name="Keluar").click()
    page.goto("/petugas/masuk")
    page.fill("#username", "dpmptsp-kepala")
    page.fill("#password", "layan-demo")
    page.get_by_role("button", name="Masuk").click()
    page.goto("/petugas/analitik/pbg?dari=2026-01-01")
    _shoot(page, f"{label}-analysis")


def main() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        process, base = _start(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for label, (width, height) in WIDTHS.items():
                    context = browser.new_context(
                        base_url=base, locale="id-ID", viewport={"width": width, "height": height}
                    )
                    page = context.new_page()
                    _citizen(page, label)
                    _officer(page, label)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
