"""`--json` on the commands that change things (import, publish, rollback, archive, export,
reindex): one JSON document on standard output carrying what the text says, nothing else there,
and errors still on standard error with a non-zero exit."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from kb import KnowledgeBase
from tests.cli.conftest import STALE_UNITS, Run
from tests.conftest import REPO, SAMPLE_CONTENT

FINDING_FIELDS = {"severity", "code", "message", "unit_id", "locale", "channel"}


def _json(result: Result) -> Any:
    """The one JSON document a successful command printed on standard output."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _sample_copy(tmp_path: Path, *without: str) -> Path:
    """The sample content copied to a folder of its own, less the files `without` names."""
    folder = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, folder)
    for relative in without:
        (folder / relative).unlink()
    return folder


def _english(change: str, kind: str, name: str, snippets: list[str] | None = None) -> Any:
    """A change of an English unit or snippet as `kb publish --json` lists it."""
    return {"change": change, "kind": kind, "id": name, "locale": "en", "snippets": snippets or []}


@pytest.fixture
def second_release(run: Run, published: None, tmp_path: Path) -> Any:
    """Release 2 (message "second"): direct-debit's text and the balance_ussd code changed,
    in English; what `kb publish --json` said of it."""
    folder = _sample_copy(tmp_path)
    unit = folder / "en" / "payments" / "direct-debit.md"
    unit.write_text(unit.read_text(encoding="utf-8") + "\nPayments leave on the 1st.\n")
    snippets = folder / "snippets" / "en.yaml"
    snippets.write_text(snippets.read_text(encoding="utf-8").replace('"*100#"', '"*101#"'))
    assert run("import", str(folder)).exit_code == 0
    return _json(run("publish", "-m", "second", "--json"))


# -- import -----------------------------------------------------------------------------------


def test_import_json_counts_units_and_snippets_by_outcome(run: Run, kb: KnowledgeBase) -> None:
    first = _json(run("import", str(SAMPLE_CONTENT), "--json"))

    drafts = kb.drafts()
    assert first["dry_run"] is False
    assert first["units"] == {"created": len(drafts.units), "updated": 0, "unchanged": 0}
    assert first["snippets"] == {"created": len(drafts.snippets), "updated": 0, "unchanged": 0}
    assert (first["pruned"], first["not_in_folder"], first["restored"]) == ([], [], [])
    again = _json(run("import", str(SAMPLE_CONTENT), "--json"))
    assert again["units"] == {"created": 0, "updated": 0, "unchanged": len(drafts.units)}


def test_import_json_names_what_the_folder_lacks_without_pruning_it(
    run: Run, imported: None, tmp_path: Path, kb: KnowledgeBase
) -> None:
    folder = _sample_copy(tmp_path, "en/payments/top-up.md")

    data = _json(run("import", str(folder), "--json"))

    assert data["not_in_folder"] == [{"kind": "unit", "id": "top-up", "locale": "en"}]
    assert data["pruned"] == []
    assert ("top-up", "en") in kb.drafts().units


def test_import_prune_dry_run_json_lists_what_it_would_prune_and_saves_nothing(
    run: Run, imported: None, tmp_path: Path, kb: KnowledgeBase
) -> None:
    folder = _sample_copy(tmp_path, "en/payments/top-up.md")

    data = _json(run("import", str(folder), "--prune", "--dry-run", "--json"))

    assert data["dry_run"] is True
    assert data["pruned"] == [{"kind": "unit", "id": "top-up", "locale": "en"}]
    assert data["not_in_folder"] == []
    assert data["units"]["unchanged"] == len(kb.drafts().units) - 1
    assert [r.archived for r in kb.history("top-up", "en")] == [False]


def test_import_prune_json_at_a_terminal_archives_without_asking(
    imported: None, env: dict[str, str], tmp_path: Path, kb: KnowledgeBase
) -> None:
    folder = _sample_copy(tmp_path, "en/payments/top-up.md")
    terminal, keyboard = pty.openpty()  # standard input is a terminal: a prompt would wait
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "import", str(folder), "--prune", "--json"],
        cwd=REPO,
        env={**os.environ, **env},
        stdin=keyboard,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(keyboard)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("kb import --prune --json waited for an answer at a terminal")
    finally:
        os.close(terminal)

    assert proc.returncode == 0, err.decode()
    data = json.loads(out)
    assert (data["dry_run"], data["pruned"]) == (
        False,
        [{"kind": "unit", "id": "top-up", "locale": "en"}],
    )
    assert kb.history("top-up", "en")[-1].archived


# -- publish ----------------------------------------------------------------------------------


def test_publish_json_lists_changed_units_and_findings(
    run: Run, imported: None, kb: KnowledgeBase
) -> None:
    data = _json(run("publish", "-m", "sample", "--json"))

    assert (data["dry_run"], data["published"], data["release"]) == (False, True, 1)
    assert (data["base_release"], data["message"]) == (None, "sample")
    live = kb.snapshot(1)
    assert data["units_with_new_output"] == len(live.units)
    added = {(c["kind"], c["id"], c["locale"]) for c in data["changes"] if c["change"] == "added"}
    assert ("unit", "top-up", "ru") in added and ("snippet", "balance_ussd", "en") in added
    assert len(added) == len(live.units) + len(live.snippets) == len(data["changes"])
    assert all(set(f) == FINDING_FIELDS for f in data["findings"])
    stale = [f for f in data["findings"] if f["code"] == "stale"]
    assert {(f["unit_id"], f["locale"]) for f in stale} == {
        (unit_id, locale) for unit_id in STALE_UNITS for locale in ("en", "ru")
    }
    assert all(f["severity"] == "warning" and "review date" in f["message"] for f in stale)
    assert (data["errors"], data["warnings"]) == (0, len(data["findings"]))


def test_publish_json_names_units_changed_through_a_snippet(second_release: Any) -> None:
    data = second_release

    assert (data["release"], data["base_release"], data["message"]) == (2, 1, "second")
    changes = data["changes"]
    assert _english("changed", "unit", "direct-debit") in changes
    assert _english("changed", "snippet", "balance_ussd") in changes
    assert _english("via_snippet", "unit", "check-balance", ["balance_ussd"]) in changes


def test_publish_dry_run_json_says_nothing_was_published(
    run: Run, imported: None, kb: KnowledgeBase
) -> None:
    data = _json(run("publish", "--dry-run", "--json"))

    assert (data["dry_run"], data["published"], data["release"]) == (True, False, None)
    assert data["changes"] and data["units_with_new_output"] == len(kb.drafts().units)
    assert kb.releases() == []


def test_publish_json_refused_keeps_stdout_for_json_and_its_errors_on_stderr(
    run: Run, published: None
) -> None:
    assert run("archive", "top-up").exit_code == 0  # check-balance links to it

    dry = run("publish", "--dry-run", "--json")
    assert dry.exit_code == 1 and "Publishing would be refused" in dry.stderr
    data = json.loads(dry.stdout)
    assert (data["published"], data["release"]) == (False, None) and data["errors"] >= 1
    broken = [f for f in data["findings"] if f["code"] == "broken-unit-link"]
    assert [(f["severity"], f["unit_id"], f["locale"]) for f in broken][:1] == [
        ("error", "check-balance", "en")
    ]
    refused = run("publish", "--json")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert "publishing refused" in refused.stderr
    assert "[broken-unit-link]" in refused.stderr and "[stale]" in refused.stderr


# -- rollback ---------------------------------------------------------------------------------


def test_rollback_json_lists_the_drafts_it_reverted(
    run: Run, second_release: Any, kb: KnowledgeBase
) -> None:
    data = _json(run("rollback", "1", "--json"))

    assert (data["release"], data["rollback_of"], data["base_release"]) == (3, 1, 2)
    assert (data["message"], data["keep_drafts"]) == ("Roll back to release 1", False)
    own = {(c["kind"], c["id"]) for c in data["changes"] if c["change"] == "changed"}
    assert own == {("unit", "direct-debit"), ("snippet", "balance_ussd")}
    assert _english("via_snippet", "unit", "check-balance", ["balance_ussd"]) in data["changes"]
    reverted = kb.history("direct-debit", "en")[-1].number
    snippet = kb.draft_snippet("balance_ussd", "en").number
    assert sorted(data["drafts"], key=lambda d: d["kind"]) == [
        {
            "kind": "snippet",
            "id": "balance_ussd",
            "locale": "en",
            "revision": snippet,
            "in_release": True,
        },
        {
            "kind": "unit",
            "id": "direct-debit",
            "locale": "en",
            "revision": reverted,
            "in_release": True,
        },
    ]


def test_rollback_keep_drafts_json_lists_the_kept_drafts_and_publish_json_warns_of_them(
    run: Run, second_release: Any
) -> None:
    data = _json(run("rollback", "1", "--keep-drafts", "-m", "undo", "--json"))

    assert (data["release"], data["message"], data["keep_drafts"]) == (3, "undo", True)
    assert {(d["kind"], d["id"], d["revision"]) for d in data["drafts"]} == {
        ("unit", "direct-debit", None),
        ("snippet", "balance_ussd", None),
    }
    again = _json(run("publish", "--dry-run", "--json"))
    warned = {(f["unit_id"], f["message"]) for f in again["findings"] if f["code"] == "rolled-back"}
    undone = "was rolled back in release 3 (rollback to 1); publishing brings it back"
    assert warned == {
        ("direct-debit", f"this change {undone}"),
        (None, f"this change to snippet balance_ussd {undone}"),
    }


# -- archive, export, reindex -----------------------------------------------------------------


def test_archive_json_says_whether_it_archived_and_import_json_that_it_stays_archived(
    run: Run, imported: None
) -> None:
    first = _json(run("archive", "top-up", "--json"))
    again = _json(run("archive", "top-up", "--json"))

    assert first == {"unit_id": "top-up", "locale": "en", "revision": 2, "already_archived": False}
    assert again == {"unit_id": "top-up", "locale": "en", "revision": 2, "already_archived": True}
    reimport = _json(run("import", str(SAMPLE_CONTENT), "--json"))
    assert reimport["kept_archived"] == ["unit top-up (en)"]


def test_export_json_gives_the_folder_and_what_it_wrote(
    run: Run, published: None, tmp_path: Path, kb: KnowledgeBase
) -> None:
    target = tmp_path / "exported"

    data = _json(run("export", str(target), "--json"))

    assert data == {
        "path": str(target.resolve()),
        "drafts": False,
        "release": 1,
        "units": len(kb.snapshot(1).units),
        "snippet_files": 2,
    }
    assert len(list(target.rglob("*.md"))) == data["units"]
    drafts = _json(run("export", str(tmp_path / "drafts"), "--drafts", "--json"))
    assert (drafts["drafts"], drafts["release"]) == (True, None)


def test_reindex_json_names_the_release_its_units_and_locales(
    run: Run, published: None, kb: KnowledgeBase
) -> None:
    data = _json(run("reindex", "--json"))

    assert data == {"release": 1, "units": len(kb.snapshot(1).units), "locales": ["en", "ru"]}


# -- errors -----------------------------------------------------------------------------------


def test_errors_under_json_exit_1_with_the_message_on_stderr_and_nothing_on_stdout(
    run: Run, published: None, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    bad = tmp_path / "bad" / "en"
    bad.mkdir(parents=True)
    (bad / "bad.md").write_text("---\nid: Bad Id\nlocale: en\ntitle: Bad\n---\nBody.\n")
    expected = {
        ("rollback", "7"): "no release 7",
        ("archive", "no-such-unit"): "no-such-unit",
        ("export", str(busy)): "not empty",
        ("import", str(bad.parent)): "nothing was changed",
    }

    for args, message in expected.items():
        result = run(*args, "--json")
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert message in result.stderr, args
