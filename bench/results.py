"""bench/RESULTS.md: one section per benchmark, each rewritten by its own run.

A section lies between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a run replaces
its own section (or appends it) and leaves the others as they were, so each benchmark
can be rerun alone (`python -m bench.run`, `python -m bench.dfg`, ...).
"""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from bench.report import _cpu_model, _ram

RESULTS = Path(__file__).parent / "RESULTS.md"
HEADER = """# Benchmark results

Each section below is written by its own benchmark (`make bench` runs them all); run it
again rather than edit this file. Every figure is a ratio to a floor or a peer measured
in the same run, since absolute times on a shared machine drift.
"""


def machine() -> str:
    return (
        f"{os.cpu_count()} CPUs ({_cpu_model()}), {_ram()} RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Put `body` (Markdown, starting with its own `## ` heading) as section `name`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    if not text.startswith("# "):
        text = HEADER + "\n" + text
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
