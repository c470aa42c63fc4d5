"""`kb publish` says in one line what the consistency report finds, never blocks on it, says
nothing for consistent content, and skips the check (saying so) for a very large base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import cli.consistency_cmd
from tests.cli.conftest import Run
from tests.conftest import SAMPLE_CONTENT
from tests.consistency.test_three_silos import _import_silos


def test_the_sample_content_publishes_without_a_consistency_line(run: Run) -> None:
    assert run("import", str(SAMPLE_CONTENT)).exit_code == 0

    result = run("publish", "-m", "sample")

    assert result.exit_code == 0, result.output
    assert "consistency:" not in result.stderr


def test_a_base_over_the_limit_is_not_checked_at_publish_and_is_told_how(
    run: Run, write_tree: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_silos(run, write_tree)
    monkeypatch.setattr(cli.consistency_cmd, "PUBLISH_CHECK_MAX_UNITS", 5)

    result = run("publish", "--dry-run")

    assert result.exit_code == 0, result.output
    assert (
        "consistency: not checked at publish (13 units); run kb consistency --drafts"
        in result.stderr
    )


def test_the_units_counted_for_the_limit_are_the_drafts_archived_ones_left_out(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("import", str(SAMPLE_CONTENT)).exit_code == 0
    monkeypatch.setattr(cli.consistency_cmd, "PUBLISH_CHECK_MAX_UNITS", 5)
    counted = run("publish", "--dry-run").stderr
    assert run("archive", "check-balance", "--locale", "en").exit_code == 0
    again = run("publish", "--dry-run").stderr

    total = len(list((SAMPLE_CONTENT / "en").rglob("*.md"))) + len(
        list((SAMPLE_CONTENT / "ru").rglob("*.md"))
    )
    assert f"not checked at publish ({total} units)" in counted, counted
    assert f"not checked at publish ({total - 1} units)" in again, again
