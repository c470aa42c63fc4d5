"""Importing a content folder: all or nothing, idempotent, and lossless through export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importers import export_snapshot, read_folder
from kb import ContentBatch, ImportOptions, InvalidContent, KnowledgeBase, SaveOutcome
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

UNIT = """---
id: {id}
locale: {locale}
title: {title}
questions: [how do I {id}]
category: billing
---
{body}
"""
SNIPPETS = 'balance_ussd:\n  type: text\n  value: "*100#"\n'

Tree = Callable[[dict[str, str]], Path]


def unit(id: str = "check-balance", locale: str = "en", title: str = "T", body: str = "B") -> str:
    return UNIT.format(id=id, locale=locale, title=title, body=body)


def import_folder(kb: KnowledgeBase, root: Path):  # type: ignore[no-untyped-def]
    return kb.import_content(read_folder(root, channels=DEFAULT_CHANNELS), author="tester")


def problems_in(root: Path) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(InvalidContent) as caught:
        read_folder(root, channels=DEFAULT_CHANNELS)
    return [
        (Path(p.source).name if p.source else None, p.line, p.message)
        for p in caught.value.problems
    ]


@pytest.mark.parametrize(
    ("files", "expected_file", "expected_line", "words"),
    [
        ({"en/a.md": "---\nlocale: en\ntitle: T\n---\nB\n"}, "a.md", 2, "required"),
        ({"en/a.md": "---\nid: a\nlocale: en\ntitle: 'T\n---\nB\n"}, "a.md", 4, "invalid YAML"),
        (
            {"en/a.md": "---\nid: a\nlocale: en\ntitle: T\nchannels: [fax]\n---\nB\n"},
            "a.md",
            5,
            "unknown channel fax",
        ),
        (
            {"en/a.md": unit(), "snippets/en.yaml": "x:\n  type: colour\n  value: red\n"},
            "en.yaml",
            2,
            "unknown snippet type",
        ),
        (
            {"en/a.md": unit(), "snippets/en.yaml": "x:\n  type: phone\n  value: call us\n"},
            "en.yaml",
            3,
            "phone number",
        ),
        ({"en/a.md": unit(), "snippets/english.yaml": SNIPPETS}, "english.yaml", None, "locale"),
        ({"notes.txt": "nothing"}, None, None, "no unit files"),
    ],
)
def test_each_kind_of_problem_is_reported_with_file_and_line(
    write_tree: Tree,
    files: dict[str, str],
    expected_file: str | None,
    expected_line: int | None,
    words: str,
) -> None:
    root = write_tree(files)
    found = problems_in(root)
    expected_name = expected_file if expected_file else root.name
    assert any(
        name == expected_name and line == expected_line and words in message
        for name, line, message in found
    ), found


def test_invalid_folder_imports_nothing_even_when_most_files_are_fine(
    kb: KnowledgeBase, write_tree: Tree
) -> None:
    import_folder(kb, write_tree({"en/a.md": unit(body="Original.")}))
    broken = write_tree(
        {
            "en/a.md": unit(body="Changed."),
            "en/b.md": unit("new-unit"),
            "en/c.md": "---\nid: c\nlocale: en\n---\nno title\n",
            "snippets/en.yaml": SNIPPETS,
        }
    )
    with pytest.raises(InvalidContent):
        import_folder(kb, broken)
    drafts = kb.drafts()
    assert list(drafts.units) == [("check-balance", "en")]
    assert drafts.unit("check-balance", "en").document.body == "Original."
    assert drafts.snippets == {}


def test_duplicate_id_and_locale_across_files_imports_nothing(
    kb: KnowledgeBase, write_tree: Tree
) -> None:
    root = write_tree({"en/a.md": unit(), "en/sub/b.md": unit(body="Other")})
    with pytest.raises(InvalidContent, match="defined twice") as caught:
        import_folder(kb, root)
    [problem] = caught.value.problems
    assert (Path(problem.source or "").name, problem.line, problem.field) == ("b.md", 2, "id")
    assert "a.md" in problem.message
    assert kb.drafts().units == {}


def test_reimporting_unchanged_files_creates_no_revisions(
    kb: KnowledgeBase, write_tree: Tree
) -> None:
    root = write_tree(
        {"en/a.md": unit(), "ru/a.md": unit(locale="ru"), "snippets/en.yaml": SNIPPETS}
    )
    first = import_folder(kb, root)
    second = import_folder(kb, root)
    assert first.units[SaveOutcome.CREATED] == 2 and first.snippets[SaveOutcome.CREATED] == 1
    assert second.units[SaveOutcome.UNCHANGED] == 2
    assert second.snippets[SaveOutcome.UNCHANGED] == 1
    assert sum(second.units[o] for o in (SaveOutcome.CREATED, SaveOutcome.UPDATED)) == 0
    assert len(kb.history("check-balance", "en")) == 1
    assert "1 unchanged" in second.summary()


def test_changed_file_becomes_one_new_revision(kb: KnowledgeBase, write_tree: Tree) -> None:
    import_folder(kb, write_tree({"en/a.md": unit(body="Old.")}))
    report = import_folder(kb, write_tree({"en/a.md": unit(body="New.")}))
    assert report.units[SaveOutcome.UPDATED] == 1
    assert [r.number for r in kb.history("check-balance", "en")] == [1, 2]


def test_export_then_import_preserves_every_hash(
    kb: KnowledgeBase,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import_folder(kb, SAMPLE_CONTENT)
    kb.publish(author="tester")
    original = kb.snapshot()
    out = tmp_path / "exported"
    export_snapshot(original, out)

    with KnowledgeBase.open(data_dir=tmp_path / "other", database_url="") as fresh:
        fresh.import_content(read_folder(out, channels=DEFAULT_CHANNELS), author="tester")
        copy = fresh.drafts()
    assert {k: u.document.content_hash for k, u in copy.units.items()} == {
        k: u.document.content_hash for k, u in original.units.items()
    }
    assert {k: s.content_hash for k, s in copy.snippets.items()} == {
        k: s.content_hash for k, s in original.snippets.items()
    }
    again = import_folder(kb, out)  # and into the original store: nothing new
    assert again.units[SaveOutcome.UNCHANGED] == len(original.units)


def test_export_refuses_a_non_empty_folder(kb: KnowledgeBase, write_tree: Tree) -> None:
    import_folder(kb, write_tree({"en/a.md": unit()}))
    target = write_tree({"keep.txt": "mine"})
    with pytest.raises(InvalidContent, match="not empty"):
        export_snapshot(kb.drafts(), target)
    assert (target / "keep.txt").read_text() == "mine"
    export_snapshot(kb.drafts(), target, overwrite=True)
    assert (target / "en" / "billing" / "check-balance.md").exists()


def test_readme_and_hidden_folders_are_not_units(write_tree: Tree) -> None:
    root = write_tree(
        {"README.md": "# About", ".git/x.md": "junk", "_drafts/y.md": "junk", "en/a.md": unit()}
    )
    assert [u.document.id for u in read_folder(root, channels=DEFAULT_CHANNELS).units] == [
        "check-balance"
    ]


def test_pruning_with_a_batch_without_units_is_refused_and_archives_nothing(
    kb: KnowledgeBase, write_tree: Tree
) -> None:
    import_folder(kb, write_tree({"en/a.md": unit("a"), "snippets/en.yaml": SNIPPETS}))
    only_snippets = ContentBatch(snippets=list(kb.drafts().snippets.values()))

    with pytest.raises(InvalidContent, match="pruning would archive every stored unit"):
        kb.import_content(only_snippets, author="tester", options=ImportOptions(prune=True))

    assert list(kb.drafts().units) == [("a", "en")]


def test_a_dry_run_import_reports_the_outcomes_and_saves_nothing(
    kb: KnowledgeBase, write_tree: Tree
) -> None:
    batch = read_folder(write_tree({"en/a.md": unit("a")}), channels=DEFAULT_CHANNELS)

    report = kb.import_content(batch, author="tester", options=ImportOptions(dry_run=True))

    assert report.units[SaveOutcome.CREATED] == 1
    assert dict(kb.drafts().units) == {}
