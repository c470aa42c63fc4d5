"""The `kb` command line, driven through the real typer app against the test database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase

Run = Callable[..., Result]
WriteTree = Callable[[dict[str, str]], Path]

BALANCE = """\
---
id: check-balance
locale: en
title: How do I check my balance?
questions: [what is my balance, how much money is left]
category: billing
---
Dial {{ balance_ussd }}.

::: internal
Verify the caller first.
:::
"""

TOP_UP = """\
---
id: top-up
locale: en
title: How do I top up?
questions: [how do I add money]
category: payments
---
Use the app or any shop.
"""

SNIPPETS = 'balance_ussd: {type: text, value: "*100#"}\n'

CONTENT = {
    "en/billing/check-balance.md": BALANCE,
    "en/payments/top-up.md": TOP_UP,
    "snippets/en.yaml": SNIPPETS,
}


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    """Invoke `kb ARGS...` with the test database; return the click result."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def content(write_tree: WriteTree) -> Path:
    return write_tree(CONTENT)


@pytest.fixture
def imported(run: Run, content: Path) -> Path:
    """The sample content imported as drafts (not yet published)."""
    result = run("import", str(content))
    assert result.exit_code == 0, result.output
    return content


@pytest.fixture
def published(run: Run, imported: Path) -> Path:
    """The sample content imported and published as release 1."""
    result = run("publish", "-m", "first")
    assert result.exit_code == 0, result.output
    return imported


def edit_balance(run: Run, write_tree: WriteTree, new_text: str) -> None:
    """Import a folder where check-balance says something else."""
    folder = write_tree({**CONTENT, "en/billing/check-balance.md": new_text})
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output


# -- import ----------------------------------------------------------------------------------


def test_import_prints_created_counts_and_a_second_import_is_all_unchanged(
    run: Run, content: Path
) -> None:
    first = run("import", str(content))
    assert first.exit_code == 0, first.output
    assert "units: 2 created, 0 updated, 0 unchanged" in first.stdout
    assert "snippets: 1 created, 0 updated, 0 unchanged" in first.stdout

    second = run("import", str(content))
    assert second.exit_code == 0, second.output
    assert "units: 0 created, 0 updated, 2 unchanged" in second.stdout
    assert "snippets: 0 created, 0 updated, 1 unchanged" in second.stdout


def test_import_of_an_edited_unit_counts_it_as_updated(
    run: Run, imported: Path, write_tree: WriteTree
) -> None:
    folder = write_tree({**CONTENT, "en/payments/top-up.md": TOP_UP.replace("shop", "kiosk")})

    result = run("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "units: 0 created, 1 updated, 1 unchanged" in result.stdout


def test_import_of_an_invalid_folder_exits_1_names_every_problem_and_stores_nothing(
    run: Run, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    folder = write_tree(
        {
            "en/billing/check-balance.md": BALANCE,
            "en/bad-id.md": "---\nid: Bad Id\nlocale: en\ntitle: Bad\n---\nBody.\n",
            "en/unknown-field.md": (
                "---\nid: colourful\nlocale: en\ntitle: Colour\ncolour: red\n---\nBody.\n"
            ),
        }
    )

    result = run("import", str(folder))

    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert f"{folder / 'en' / 'bad-id.md'}:2: id:" in result.output
    assert f"{folder / 'en' / 'unknown-field.md'}:5: colour:" in result.output
    assert dict(kb.drafts().units) == {}
    assert dict(kb.drafts().snippets) == {}


def test_import_of_a_csv_file_stores_its_units(run: Run, tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "id,question,answer\n"
        "check-balance,what is my balance,Dial *100#.\n"
        "check-balance,how much money is left,\n",
        encoding="utf-8",
    )

    result = run("import", str(path))

    assert result.exit_code == 0, result.output
    assert "units: 1 created" in result.stdout
    doc = kb.drafts().unit("check-balance", "en").document
    assert doc.questions == ("what is my balance", "how much money is left")


def test_import_of_an_invalid_csv_names_the_row_and_stores_nothing(
    run: Run, tmp_path: Path, kb: KnowledgeBase
) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("id,question,answer\ncheck-balance,q,a\nBad Id,q,a\n", encoding="utf-8")

    result = run("import", str(path))

    assert result.exit_code == 1
    assert f"{path}:3: id:" in result.output
    assert dict(kb.drafts().units) == {}


def test_plain_import_says_how_many_stored_units_the_folder_lacks_and_keeps_them(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    folder = write_tree({"en/billing/check-balance.md": BALANCE, "snippets/en.yaml": SNIPPETS})

    result = run("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "1 stored unit(s) and 0 snippet(s) are not in the folder" in result.stdout
    assert "kb import --prune archives them" in result.stdout
    assert ("top-up", "en") in kb.drafts().units


def test_import_prune_dry_run_lists_what_it_would_archive_and_saves_nothing(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    folder = write_tree({"en/payments/top-up.md": TOP_UP})

    result = run("import", str(folder), "--prune", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would archive 1 unit(s) and 1 snippet(s) the folder no longer has:" in result.stdout
    assert "  unit check-balance (en)" in result.stdout
    assert "  snippet balance_ussd (en)" in result.stdout
    assert "Dry run, nothing saved" in result.stdout
    assert [r.archived for r in kb.history("check-balance", "en")] == [False]
    assert ("balance_ussd", "en") in kb.drafts().snippets


def test_import_prune_lists_then_archives_units_and_snippets_the_folder_no_longer_has(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    folder = write_tree({"en/payments/top-up.md": TOP_UP})

    result = run("import", str(folder), "--prune", "-m", "sync")

    assert result.exit_code == 0, result.output
    listed = result.stdout.index("  unit check-balance (en)")
    assert result.stdout.index("Archiving 1 unit(s) and 1 snippet(s)") < listed
    assert listed < result.stdout.index("units: 0 created, 0 updated, 1 unchanged")
    drafts = kb.drafts()
    assert sorted(drafts.units) == [("top-up", "en")] and dict(drafts.snippets) == {}
    newest = kb.history("check-balance", "en")[-1]
    assert newest.archived and newest.message == "sync: not in the import (pruned)"
    again = run("import", str(folder), "--prune")
    assert "Archiving" not in again.stdout and "not in the folder" not in again.stdout


def test_import_prune_refuses_a_csv_file_which_holds_no_snippets(
    run: Run, published: Path, tmp_path: Path, kb: KnowledgeBase
) -> None:
    csv = tmp_path / "faq.csv"
    csv.write_text("id,question,answer\ntop-up,how do I add money,Use the app.\n")

    result = run("import", str(csv), "--prune")

    assert result.exit_code == 2
    assert "--prune needs a content folder" in result.output
    assert len(kb.drafts().units) == 2


def test_reimporting_an_archived_units_unchanged_file_keeps_it_archived_and_says_so(
    run: Run, published: Path, kb: KnowledgeBase
) -> None:
    assert run("archive", "check-balance").exit_code == 0

    kept = run("import", str(published))

    assert kept.exit_code == 0, kept.output
    assert "Kept archived (unchanged since archived" in kept.stdout
    assert "  unit check-balance (en)" in kept.stdout
    assert ("check-balance", "en") not in kb.drafts().units
    restored = run("import", str(published), "--restore")
    assert "Restored from the archive" in restored.stdout
    assert ("check-balance", "en") in kb.drafts().units


def test_reimporting_an_archived_units_changed_file_restores_it_and_says_so(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    assert run("archive", "top-up").exit_code == 0
    folder = write_tree({**CONTENT, "en/payments/top-up.md": TOP_UP.replace("shop", "kiosk")})

    result = run("import", str(folder))

    assert result.exit_code == 0, result.output
    assert "Restored from the archive (changed since archived" in result.stdout
    assert "  unit top-up (en)" in result.stdout
    assert "kiosk" in kb.drafts().unit("top-up", "en").document.body


# -- publish, rollback, releases --------------------------------------------------------------


def test_publish_dry_run_lists_the_units_and_publishes_nothing(
    run: Run, imported: Path, kb: KnowledgeBase
) -> None:
    result = run("publish", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would publish" in result.stdout
    assert "check-balance (en)" in result.stdout
    assert "top-up (en)" in result.stdout
    assert kb.releases() == []
    assert run("releases").stdout.strip() == ""


def test_publish_creates_release_1_and_publishing_again_has_nothing_to_publish(
    run: Run, imported: Path, kb: KnowledgeBase
) -> None:
    first = run("publish", "-m", "first release")
    assert first.exit_code == 0, first.output
    assert "Published release 1" in first.stdout
    (release,) = kb.releases()
    assert (release.number, release.message, release.author) == (1, "first release", "tester")

    again = run("publish", "-m", "again")
    assert again.exit_code == 0, again.output
    assert "Nothing to publish" in again.stdout
    assert [r.number for r in kb.releases()] == [1]


def test_publish_with_no_drafts_says_there_is_nothing_to_publish(
    run: Run, kb: KnowledgeBase
) -> None:
    result = run("publish")

    assert result.exit_code == 0, result.output
    assert "Nothing to publish" in result.stdout
    assert kb.releases() == []


def test_rollback_after_a_second_release_creates_release_3_equal_to_1(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))
    assert run("publish", "-m", "second").exit_code == 0

    result = run("rollback", "1")

    assert result.exit_code == 0, result.output
    assert "Published release 3 = release 1" in result.stdout
    assert [r.number for r in kb.releases()] == [3, 2, 1]
    assert kb.releases()[0].rollback_of == 1

    def revisions(number: int) -> dict[tuple[str, str], int]:
        return {key: unit.revision_id for key, unit in kb.snapshot(number).units.items()}

    assert revisions(3) == revisions(1)
    assert revisions(3) != revisions(2)
    assert kb.snapshot(3).unit("check-balance", "en").document.body.startswith("Dial")


def test_after_rollback_an_unrelated_fix_publishes_without_the_rolled_back_change(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))
    assert run("publish", "-m", "bad change").exit_code == 0

    back = run("rollback", "1")
    assert back.exit_code == 0, back.output
    assert "Drafts reverted to release 1 (their history is kept):" in back.stdout
    assert "  check-balance (en): revision 3" in back.stdout
    assert "reverted by rollback to 1 (release 3)" in run("history", "check-balance").stdout

    fixed = write_tree({**CONTENT, "en/payments/top-up.md": TOP_UP.replace("any", "a")})
    assert run("import", str(fixed)).exit_code == 0
    result = run("publish", "-m", "typo")
    assert result.exit_code == 0, result.output
    assert "changed          top-up (en)" in result.stdout
    assert "check-balance" not in result.stdout
    assert kb.snapshot(4).unit("check-balance", "en").document.body.startswith("Dial")


def test_rollback_keep_drafts_lists_them_and_publish_dry_run_names_the_rolled_back_change(
    run: Run, published: Path, write_tree: WriteTree, kb: KnowledgeBase
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))
    assert run("publish", "-m", "bad change").exit_code == 0

    back = run("rollback", "1", "--keep-drafts")
    assert back.exit_code == 0, back.output
    assert "Drafts kept ahead of release 1: the next publish brings these back:" in back.stdout
    assert "  check-balance (en)\n" in back.stdout
    assert kb.draft_unit("check-balance", "en").body.startswith("Call")

    dry = run("publish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "warning: check-balance en: this change was rolled back in release 3 (rollback to 1)"
        in dry.stdout
    )


def test_rollback_to_an_unknown_release_exits_1(run: Run, published: Path) -> None:
    result = run("rollback", "7")

    assert result.exit_code == 1
    assert "no release 7" in result.output


def test_releases_lists_every_release_newest_first(
    run: Run, published: Path, write_tree: WriteTree
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))
    run("publish", "-m", "second")

    result = run("releases")

    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "2"
    assert lines[0].rstrip().endswith("second")
    assert lines[1].split()[0] == "1"
    assert "tester" in lines[1]
    assert "2 units" in lines[1]


# -- history and diff -------------------------------------------------------------------------


def test_history_lists_every_revision_of_a_unit_oldest_first(
    run: Run, imported: Path, write_tree: WriteTree
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))

    result = run("history", "check-balance")

    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2"]
    assert all("tester" in line for line in lines)


def test_history_of_an_unknown_unit_exits_1(run: Run, imported: Path) -> None:
    result = run("history", "no-such-unit")

    assert result.exit_code == 1
    assert "no-such-unit" in result.output


def test_diff_shows_the_published_revision_against_the_newest_draft(
    run: Run, published: Path, write_tree: WriteTree
) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))

    result = run("diff", "check-balance")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "--- check-balance.en.md@1" in out
    assert "+++ check-balance.en.md@2" in out
    assert "-Dial {{ balance_ussd }}." in out
    assert "+Call {{ balance_ussd }}." in out


def test_diff_of_an_unchanged_published_unit_says_no_differences(run: Run, published: Path) -> None:
    result = run("diff", "check-balance")

    assert result.exit_code == 0, result.output
    assert "No differences." in result.stdout


def test_diff_between_two_named_revisions(run: Run, imported: Path, write_tree: WriteTree) -> None:
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Call"))
    edit_balance(run, write_tree, BALANCE.replace("Dial", "Ring"))

    result = run("diff", "check-balance", "1", "2")

    assert result.exit_code == 0, result.output
    assert "--- check-balance.en.md@1" in result.stdout
    assert "+++ check-balance.en.md@2" in result.stdout
    assert "-Dial" in result.stdout
    assert "+Call" in result.stdout
    assert "Ring" not in result.stdout


# -- export, stale, archive -------------------------------------------------------------------


def test_export_writes_the_release_as_files_that_import_unchanged(
    run: Run, published: Path, tmp_path: Path
) -> None:
    target = tmp_path / "exported"

    result = run("export", str(target))

    assert result.exit_code == 0, result.output
    assert "Exported release 1: 2 units, 1 snippet files" in result.stdout
    assert (target / "en" / "billing" / "check-balance.md").read_text(encoding="utf-8") == BALANCE
    assert (target / "en" / "payments" / "top-up.md").is_file()
    assert "balance_ussd" in (target / "snippets" / "en.yaml").read_text(encoding="utf-8")
    reimport = run("import", str(target))
    assert "units: 0 created, 0 updated, 2 unchanged" in reimport.stdout


def test_export_refuses_a_non_empty_folder_without_overwrite(
    run: Run, published: Path, tmp_path: Path
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")

    refused = run("export", str(target))

    assert refused.exit_code == 1
    assert "not empty" in refused.output
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]

    allowed = run("export", str(target), "--overwrite")
    assert allowed.exit_code == 0, allowed.output
    assert (target / "en" / "billing" / "check-balance.md").is_file()


def test_stale_json_lists_units_past_their_review_date(run: Run, write_tree: WriteTree) -> None:
    old = TOP_UP.replace("category: payments\n", "category: payments\nowner: pay-team\n").replace(
        "---\nUse", "review_by: 2020-01-31\n---\nUse"
    )
    fresh = BALANCE.replace("category: billing\n", "category: billing\nreview_by: 2999-01-01\n")
    folder = write_tree(
        {
            "en/payments/top-up.md": old,
            "en/billing/check-balance.md": fresh,
            "snippets/en.yaml": SNIPPETS,
        }
    )
    assert run("import", str(folder)).exit_code == 0
    assert run("publish").exit_code == 0

    result = run("stale", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "id": "top-up",
            "locale": "en",
            "reason": "review_by",
            "review_by": "2020-01-31",
            "unverified_since": None,
            "verify_every": None,
            "last_verified_at": None,
            "owner": "pay-team",
        }
    ]


def test_stale_json_is_an_empty_list_when_nothing_is_stale(run: Run, published: Path) -> None:
    result = run("stale", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_archive_then_publish_removes_the_unit_from_the_release(
    run: Run, published: Path, kb: KnowledgeBase
) -> None:
    archived = run("archive", "check-balance")
    assert archived.exit_code == 0, archived.output
    assert "check-balance (en): archived (revision 2)" in archived.stdout
    assert ("check-balance", "en") in kb.snapshot().units  # still live until published

    result = run("publish", "-m", "withdraw")

    assert result.exit_code == 0, result.output
    assert "removed" in result.stdout
    assert "check-balance (en)" in result.stdout
    live = kb.snapshot()
    assert live.number == 2
    assert sorted(live.units) == [("top-up", "en")]
    assert [r.archived for r in kb.history("check-balance", "en")] == [False, True]


def test_archive_of_an_unknown_unit_exits_1(run: Run, imported: Path) -> None:
    result = run("archive", "no-such-unit")

    assert result.exit_code == 1
    assert "no-such-unit" in result.output


# -- help -------------------------------------------------------------------------------------

EXPECTED_COMMANDS = {
    "import",
    "publish",
    "rollback",
    "releases",
    "history",
    "diff",
    "archive",
    "export",
    "stale",
    "serve",
}


def test_help_works_on_every_command(run: Run) -> None:
    names = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert names >= EXPECTED_COMMANDS

    top = run("--help")
    assert top.exit_code == 0, top.output
    for name in sorted(names):
        assert name in top.stdout
        result = run(name, "--help")
        assert result.exit_code == 0, f"{name}: {result.output}"
        assert "Usage: " in result.stdout
        assert name in result.stdout


def test_keys_create_prints_the_key_once_on_the_last_line_and_revoke_stops_it(
    run: Run, kb: KnowledgeBase
) -> None:
    created = run("keys", "create", "--role", "operator", "--name", "side panel")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("kb_")
    caller = kb.authenticate(secret)
    assert caller is not None and caller.role.label == "operator"

    listed = run("keys", "list")
    assert "side panel" in listed.stdout and secret not in listed.stdout

    revoked = run("keys", "revoke", caller.key_id or "")
    assert revoked.exit_code == 0, revoked.output
    assert kb.authenticate(secret) is None
    again = run("keys", "revoke", caller.key_id or "")
    assert again.exit_code == 1 and "no active key" in again.output


def test_keys_create_with_an_unknown_role_names_the_known_ones(run: Run) -> None:
    result = run("keys", "create", "--role", "boss", "--name", "x")
    assert result.exit_code == 1
    assert "unknown role 'boss'" in result.output and "publisher" in result.output
