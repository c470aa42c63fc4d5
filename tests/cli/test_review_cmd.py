"""`kb review` and what `kb publish --dry-run` says under four-eyes review (issue 18): who
approved what, what waits, and an author's own approval refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app

As = Callable[..., Result]
UNIT = "---\nid: {id}\nlocale: en\ntitle: About {id}\n---\n{body}\n"


@pytest.fixture
def as_(env: dict[str, str]) -> As:
    """Run `kb ARGS...` as `actor` (KB_AUTHOR) with four-eyes review on."""
    runner = CliRunner()

    def invoke(actor: str, *args: str) -> Result:
        env_ = {**env, "KB_REVIEW_POLICY": "four-eyes", "KB_AUTHOR": actor}
        return runner.invoke(app, list(args), env=env_, catch_exceptions=False, prog_name="kb")

    return invoke


@pytest.fixture
def drafts(as_: As, tmp_path: Path) -> None:
    """Units a and call-us and the snippet support_phone, all written by ann."""
    folder = tmp_path / "content" / "en"
    folder.mkdir(parents=True)
    (folder / "a.md").write_text(UNIT.format(id="a", body="Text."))
    (folder / "call-us.md").write_text(UNIT.format(id="call-us", body="Call {{ support_phone }}."))
    (tmp_path / "content" / "snippets").mkdir()
    (tmp_path / "content" / "snippets" / "en.yaml").write_text(
        "support_phone:\n  type: phone\n  value: '+1 555 0100'\n"
    )
    result = as_("ann", "import", str(tmp_path / "content"))
    assert result.exit_code == 0, result.output


def test_an_authors_own_approval_is_refused(as_: As, drafts: None) -> None:
    own = as_("ann", "review", "approve", "a")
    assert own.exit_code == 1
    assert "error: 'ann' wrote this change and the review policy is four-eyes" in own.stderr
    other = as_("bob", "review", "approve", "a", "--comment", "fine")
    assert other.exit_code == 0, other.output
    assert "a (en) revision 1 by ann: approved" in other.stdout
    assert "bob          approved: fine" in other.stdout


def test_publish_dry_run_says_what_is_approved_by_whom_and_what_waits(
    as_: As, drafts: None
) -> None:
    assert as_("bob", "review", "approve", "a").exit_code == 0
    dry = as_("pat", "publish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "  approved         a (en) revision 1 by bob" in dry.stdout
    assert "  waiting          call-us (en) revision 1 (draft): not released" in dry.stdout
    assert "  waiting          snippet support_phone (en) revision 1 (draft)" in dry.stdout

    review = json.loads(as_("pat", "publish", "--dry-run", "--json").stdout)["review"]
    assert [(c["id"], c["approved_by"]) for c in review["approved"]] == [("a", "bob")]
    assert {(w["kind"], w["id"]) for w in review["waiting"]} == {
        ("unit", "call-us"),
        ("snippet", "support_phone"),
    }
    published = json.loads(as_("pat", "publish", "--json").stdout)
    assert [c["id"] for c in published["changes"]] == ["a"]


def test_a_waiting_snippet_lists_the_units_it_changes(as_: As, drafts: None) -> None:
    submitted = as_("ann", "review", "submit", "support_phone", "--snippet", "-c", "new number")
    assert submitted.exit_code == 0, submitted.output
    assert "changes the output of: call-us (en)" in submitted.stdout
    listed = json.loads(as_("ann", "review", "list", "--json").stdout)
    [snippet] = [w for w in listed["waiting"] if w["kind"] == "snippet"]
    assert snippet["state"] == "submitted"
    assert snippet["affected_units"] == [{"unit_id": "call-us", "locale": "en"}]


def test_request_changes_keeps_the_comment_with_the_revision(as_: As, drafts: None) -> None:
    assert as_("bob", "review", "request-changes", "a").exit_code == 2  # --comment is required
    sent = as_("bob", "review", "request-changes", "a", "-c", "Name the app.")
    assert sent.exit_code == 0, sent.output
    shown = json.loads(as_("ann", "review", "show", "a", "--json").stdout)
    assert shown["state"] == "changes_requested"
    assert shown["steps"][-1]["comment"] == "Name the app."


def test_publish_with_only_waiting_changes_says_so(as_: As, drafts: None) -> None:
    result = as_("pat", "publish")
    assert result.exit_code == 0, result.output
    assert "Nothing to publish: every change waits for approval." in result.stdout
    assert "  waiting          a (en) revision 1 (draft): not released" in result.stdout
