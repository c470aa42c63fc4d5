"""The HTML FAQ importer on real text: Microsoft 365 help articles in Russian and Bulgarian
(../shared/datasets/ms_alchemyinsights, CC BY 4.0, Microsoft) laid out as a saved help site;
a second import changes nothing, an edited answer updates its unit, through `kb import` too.
How each FAQ markup is read, and hostile pages: test_html_faq_methods.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from cli.main import app
from importers.html_faq import read
from kb import ContentBatch, KnowledgeBase, Settings
from kb.content.document import UnitDocument, UnitSource
from kb.store.revisions import SaveOutcome
from tests.importers.shared_texts import dataset

#: How many articles whose title is a question make each language's FAQ page.
PAGE_SIZE = 12


def units_of(batch: ContentBatch) -> dict[str, UnitDocument]:
    return {item.document.id: item.document for item in batch.units}


# -- real help articles as FAQ pages ----------------------------------------------------------


def question_articles() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The first PAGE_SIZE articles, in Russian and in Bulgarian, whose titles in both are
    questions and whose bodies have no headings of their own."""
    articles = dataset("ms_alchemyinsights")

    def load(name: str) -> dict[str, dict[str, Any]]:
        with (articles / name).open(encoding="utf-8") as handle:
            rows = (json.loads(line) for line in handle)
            return {row["id"]: row for row in rows}

    def fits(row: dict[str, Any]) -> bool:
        lines = row["body_markdown"].splitlines()[1:]
        return row["heading"].strip().endswith("?") and not any(
            line.lstrip().startswith("#") for line in lines
        )

    ru, bg = load("ru-RU.jsonl"), load("bg-BG.jsonl")
    pairs = [(ru[i], bg[i]) for i in sorted(ru) if i in bg and fits(ru[i]) and fits(bg[i])]
    return pairs[:PAGE_SIZE]


def answer_html(row: dict[str, Any]) -> str:
    """An article's body without its title heading, as the HTML a help site would serve."""
    return MarkdownIt("commonmark").render(row["body_markdown"].split("\n", 1)[1])


def words(text: str) -> list[str]:
    """The words of text or Markdown, link targets left out."""
    return re.findall(r"\w+", re.sub(r"\]\([^)]*\)", "]", text).lower())


@pytest.fixture
def help_site(tmp_path: Path) -> Iterator[tuple[Path, list[tuple[dict[str, Any], dict[str, Any]]]]]:
    """A saved help site: the Russian articles as question headings (`ru.html`), the Bulgarian
    ones as `<details>` (`bg.html`)."""
    articles = question_articles()
    site = tmp_path / "site"
    site.mkdir()
    ru = "".join(f"<h2 id='{r['id']}'>{r['heading']}</h2>\n{answer_html(r)}" for r, _ in articles)
    bg = "".join(
        f"<details id='{b['id']}'><summary>{b['heading']}</summary>{answer_html(b)}</details>\n"
        for _, b in articles
    )
    for lang, body in (("ru", ru), ("bg", bg)):
        (site / f"{lang}.html").write_text(
            f"<!doctype html><html lang='{lang}-{lang.upper()}'><head><title>Microsoft 365"
            f"</title></head><body><h1>Справка</h1>{body}</body></html>",
            encoding="utf-8",
        )
    yield site, articles


def test_real_help_articles_in_russian_and_bulgarian_come_back_as_their_questions_and_answers(
    help_site: tuple[Path, list[tuple[dict[str, Any], dict[str, Any]]]],
) -> None:
    site, articles = help_site
    batch = read(site, default_locale="en")

    by_source = {(u.document.locale, u.document.source.id): u.document for u in batch.units}
    assert len(by_source) == len(batch.units) == 2 * PAGE_SIZE
    for ru, bg in articles:
        for locale, row, name in (("ru", ru, "ru.html"), ("bg", bg, "bg.html")):
            unit = by_source[(locale, f"{name}#{row['id']}")]
            assert unit.title == unit.questions[0] == row["heading"].strip()
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", unit.id)
            assert unit.category == "spravka"
            first = words(re.sub(r"<[^>]+>", " ", answer_html(row).split("</p>")[0]))
            assert words(unit.body)[: len(first)] == first, (row["id"], unit.body[:200])
    assert not batch.warnings


def test_importing_the_same_pages_twice_changes_nothing_the_second_time(
    kb: KnowledgeBase, help_site: tuple[Path, list[Any]]
) -> None:
    site, _ = help_site
    first = kb.import_content(read(site, default_locale="en"), author="ann")
    again = kb.import_content(read(site, default_locale="en"), author="ann")

    assert first.units[SaveOutcome.CREATED] == 2 * PAGE_SIZE
    assert again.units[SaveOutcome.UNCHANGED] == 2 * PAGE_SIZE
    assert again.units[SaveOutcome.CREATED] == again.units[SaveOutcome.UPDATED] == 0


def edit_first_answer(site: Path, articles: list[Any]) -> str:
    """Change the first Bulgarian answer's first word in bg.html; the id of its article."""
    page = site / "bg.html"
    text = page.read_text(encoding="utf-8")
    article = articles[0][1]
    start = text.index("</summary>", text.index(f"id='{article['id']}'")) + len("</summary>")
    word = re.search(r"\w{4,}", text[start:])
    assert word is not None
    at = start + word.start()
    page.write_text(text[:at] + "ПРОМЕНЕНО " + text[at:], encoding="utf-8")
    return str(article["id"])


def test_an_edited_answer_updates_its_unit_in_place(
    kb: KnowledgeBase, help_site: tuple[Path, list[Any]]
) -> None:
    site, articles = help_site
    kb.import_content(read(site, default_locale="en"), author="ann")
    article = edit_first_answer(site, articles)

    report = kb.import_content(read(site, default_locale="en"), author="ann")

    assert report.units[SaveOutcome.UPDATED] == 1 and report.units[SaveOutcome.CREATED] == 0
    (unit,) = [
        u.document
        for u in kb.drafts().iter_units()
        if u.document.source == UnitSource("html", f"bg.html#{article}")
    ]
    assert "ПРОМЕНЕНО" in unit.body
    assert len(kb.history(unit.id, "bg")) == 2


# -- the command line -------------------------------------------------------------------------


def kb_import(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`kb import ARGS... --json` against the test database, its report as JSON."""
    result = CliRunner().invoke(
        app, ["import", *args, "--json"], env=env, catch_exceptions=False, prog_name="kb"
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_kb_import_from_html_twice_changes_nothing_and_an_edited_answer_updates_its_unit(
    env: dict[str, str], settings: Settings, help_site: tuple[Path, list[Any]]
) -> None:
    site, articles = help_site
    total = 2 * PAGE_SIZE

    first = kb_import(env, str(site), "--from", "html")
    second = kb_import(env, str(site), "--from", "html")
    article = edit_first_answer(site, articles)
    third = kb_import(env, str(site))  # the format guessed from the folder's pages

    assert first["units"] == {"created": total, "updated": 0, "unchanged": 0}
    assert second["units"] == {"created": 0, "updated": 0, "unchanged": total}
    assert third["units"] == {"created": 0, "updated": 1, "unchanged": total - 1}
    assert first["warnings"] == second["warnings"] == third["warnings"] == []
    with KnowledgeBase.open(settings) as kb:
        (unit,) = [
            u.document
            for u in kb.drafts().iter_units()
            if u.document.source == UnitSource("html", f"bg.html#{article}")
        ]
        assert "ПРОМЕНЕНО" in unit.body and len(kb.history(unit.id, "bg")) == 2
