"""The deployment examples (deploy/) name only commands and options `layan` has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from layan.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMMAND = re.compile(r"\blayan ((?:serve|worker|backup)[^'\n]*)")


def _layan_commands() -> list[list[str]]:
    found = []
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            if line.startswith("CMD ["):
                found.append(re.findall(r'"([^"]+)"', line))
            for match in COMMAND.finditer(line):
                found.append(["layan", *shlex.split(match.group(1).replace("$(date +%%F)", "x"))])
    return found


def test_every_layan_command_in_the_deployment_files_exists_with_its_options() -> None:
    commands = _layan_commands()
    assert {c[1] for c in commands} >= {"serve", "worker", "backup"}
    runner = CliRunner()
    for command in commands:
        answer = runner.invoke(app, [*command[1:], "--help"])
        assert answer.exit_code == 0, (command, answer.output)
