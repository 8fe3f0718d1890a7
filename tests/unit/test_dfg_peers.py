"""pm4py, the peer the DFG is measured against, is AGPL: only bench/ may import it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """The top-level packages a Python file imports, however it spells the import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value).split(".")[0])
    return found


def test_the_import_finder_sees_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pm4py.objects\nfrom pm4py import read_xes\n"
        "import importlib\nimportlib.import_module('pm4py')\nfrom . import local\n"
    )
    assert imported_modules(sample) == {"pm4py", "importlib"}


def test_no_product_or_test_module_imports_pm4py() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("src", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "pm4py" in imported_modules(path)
    ]
    assert offenders == []
    assert "pm4py" in imported_modules(ROOT / "bench" / "dfg.py")  # where it belongs
