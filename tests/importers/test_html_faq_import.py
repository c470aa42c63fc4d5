"""The HTML FAQ importer on real text: published FAQ pages (when they are at hand, see
data/html/README.md) and real help-center articles in Russian and Bulgarian laid out as FAQ pages;
a second import changes nothing, an edited answer updates its unit, through `kb import` too."""

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
from tests.conftest import REPO

#: Where the published FAQ pages are looked for: beside this test (see its README), then in the
#: shared data sets, where third-party files belong.
PAGE_FOLDERS = (
    Path(__file__).parent / "data" / "html",
    REPO.parent / "shared" / "datasets" / "faq_pages",
)
#: Microsoft 365 help articles in Russian and Bulgarian (CC BY 4.0, parallel by id).
ARTICLES = REPO.parent / "shared" / "datasets" / "ms_alchemyinsights"
#: How many articles whose title is a question make each language's FAQ page.
PAGE_SIZE = 12


def units_of(batch: ContentBatch) -> dict[str, UnitDocument]:
    return {item.document.id: item.document for item in batch.units}


def published_page(name: str) -> Path:
    """A published FAQ page by file name, or a skip saying where it should be."""
    for folder in PAGE_FOLDERS:
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"{name} is in neither of {[str(f) for f in PAGE_FOLDERS]} (see its README)")


# -- published FAQ pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "locale", "unit_id", "anchor", "category", "answer_starts"),
    [
        (
            "apache-httpd-ssl-faq.en.html",
            37,
            "en",
            "which-port-does-https-use",
            "ports",
            "configuration",
            "You can run HTTPS on any port, but the standards specify port 443",
        ),
        (
            "apache-httpd-ssl-faq.fr.html",
            37,
            "fr",
            "quel-port-https-utilise-t-il",
            "ports",
            "configuration",
            "Vous pouvez associer le protocole HTTPS à n'importe quel port",
        ),
        (
            "schemaorg-faq.html",
            20,
            "en",
            "what-is-the-purpose-of-schema-org",
            "0",
            "about-schema-org",
            "Schema.org is a joint effort",
        ),
        (
            "bitcoin-org-faq.ru.html",
            46,
            "ru",
            "chto-takoe-bitcoin",
            "what-is-bitcoin",
            "general",
            "Bitcoin - это сеть синхронизации",
        ),
        (
            "bitcoin-org-faq.bg.html",
            46,
            "bg",
            "kakvo-e-bitkoyn",
            "what-is-bitcoin",
            "general",
            "Биткойн е консенсусна мрежа",
        ),
    ],
)
def test_each_published_page_gives_every_question_with_its_answer(
    name: str,
    count: int,
    locale: str,
    unit_id: str,
    anchor: str,
    category: str,
    answer_starts: str,
) -> None:
    batch = read(published_page(name), default_locale="en")

    units = units_of(batch)
    assert len(batch.units) == len(units) == count
    assert {u.locale for u in units.values()} == {locale}
    unit = units[unit_id]
    assert unit.questions == (unit.title,)
    assert unit.source == UnitSource("html", f"{name}#{anchor}", None, None)
    assert unit.category == category
    assert unit.body.startswith(answer_starts), unit.body[:200]
    assert not batch.warnings


def test_question_labels_and_permalink_marks_are_not_part_of_the_question() -> None:
    schema = units_of(read(published_page("schemaorg-faq.html"), default_locale="en"))
    apache = units_of(read(published_page("apache-httpd-ssl-faq.en.html"), default_locale="en"))

    assert schema["what-is-the-purpose-of-schema-org"].title == (
        "What is the purpose of schema.org?"
    )
    assert apache["which-port-does-https-use"].title == "Which port does HTTPS use?"
    assert not any(u.title.startswith("Q:") for u in schema.values())


def test_the_section_heading_above_a_question_is_its_category() -> None:
    units = units_of(read(published_page("bitcoin-org-faq.ru.html"), default_locale="en"))

    assert units["pochemu-ya-dolzhen-zhdat-10-minut"].category == "tranzaktsii"
    assert units["chto-takoe-bitkoin-mayning"].category == "mayning"


# -- real help articles as FAQ pages ----------------------------------------------------------


def question_articles() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The first PAGE_SIZE articles, in Russian and in Bulgarian, whose titles in both are
    questions and whose bodies have no headings of their own."""
    if not ARTICLES.is_dir():
        pytest.skip(f"{ARTICLES} is not here")

    def load(name: str) -> dict[str, dict[str, Any]]:
        with (ARTICLES / name).open(encoding="utf-8") as handle:
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
