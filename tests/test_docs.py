"""Cheap meta-tests that keep the documentation honest."""

from __future__ import annotations

import re

from typer.main import get_command

from cli.main import app
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sources = [REPO / "kb" / "settings.py", REPO / "tests" / "conftest.py"]
    names = set().union(*(re.findall(r'"(KB_[A-Z_]+)"', p.read_text()) for p in sources))
    assert names, "no settings found: did kb/settings.py move?"
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert missing == []


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = get_command(app).commands  # type: ignore[attr-defined]
    missing = sorted(name for name in commands if f"`kb {name}" not in readme)
    assert missing == []


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"```sh\n(.*pytest)\n```", readme)
    assert command is not None
    assert command.group(1) in ci
