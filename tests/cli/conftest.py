"""What the command-line tests share: `kb` run in-process against the test database, and that
database holding the sample content as drafts (`imported`) or as release 1 (`published`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import SAMPLE_CONTENT

Run = Callable[..., Result]
#: Units of the sample content whose review date has passed, in each of its two locales.
STALE_UNITS = ("5g-coverage", "roaming-rest-of-world")


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    """Invoke `kb ARGS...` (as `kb`) with the test database; `color=True` keeps styling."""
    runner = CliRunner()

    def invoke(*args: str, color: bool = False) -> Result:
        return runner.invoke(
            app, list(args), env=env, catch_exceptions=False, prog_name="kb", color=color
        )

    return invoke


@pytest.fixture
def imported(run: Run) -> None:
    """The sample content imported as drafts."""
    result = run("import", str(SAMPLE_CONTENT))
    assert result.exit_code == 0, result.output


@pytest.fixture
def published(run: Run, imported: None) -> None:
    """The sample content published as release 1, with the message "sample"."""
    result = run("publish", "-m", "sample")
    assert result.exit_code == 0, result.output
