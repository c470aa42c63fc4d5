"""Importing Docusaurus and Hugo docs folders laid out from real text, and imports that update
the units they made, through the store and `kb import`.

The sites are laid out at test time (tests/importers/docs_sites.py) from the shared data sets
in ../shared/datasets: the Docusaurus site from Microsoft 365 help articles in Russian (the
default locale) and their Bulgarian translations (ms_alchemyinsights, CC BY 4.0, Microsoft),
the Hugo site from the Stanford OVAL COVID-19 vaccine FAQ (covid_vaccine_faq, Apache-2.0) and
one translated help article. Without the data sets these tests skip (fail in CI).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from importers import FORMATS, docs_markdown, guess_format
from kb import ContentBatch, ImportReport, InvalidContent, KnowledgeBase, SaveOutcome
from kb.content.document import UnitDocument, parse_unit
from kb.store.revisions import to_document
from renderers.checks import check_snapshot
from tests.conftest import SAMPLE_CONTENT
from tests.importers.docs_sites import (
    BG_DOCS,
    DOCUSAURUS_URL,
    FAQ_SOURCE,
    HUGO_URL,
    LABELS,
    LASTMOD,
    Site,
    description,
    docusaurus_sections,
    hugo_entries,
    lay_out_docusaurus,
    lay_out_hugo,
    paragraphs,
)
from tests.importers.shared_texts import Article, FaqEntry, alchemy_articles

Tree = Callable[[dict[str, str]], Path]


def read(path: Path, default_locale: str = "en") -> ContentBatch:
    """The importer's batch for a site."""
    return docs_markdown.read(path, default_locale=default_locale)


def units(batch: ContentBatch) -> dict[tuple[str, str], UnitDocument]:
    """A batch's units by (id, locale)."""
    return {item.document.key: item.document for item in batch.units}


def warnings_in(batch: ContentBatch) -> list[tuple[str, int | None, str]]:
    """A batch's warnings as (file name, line, message)."""
    return [(Path(w.source or "").name, w.line, w.message) for w in batch.warnings]


def problems_in(path: Path) -> list[tuple[str, int | None, str]]:
    """The problems reading a site raises, as (file name, line, message)."""
    with pytest.raises(InvalidContent) as caught:
        read(path)
    return [(Path(p.source or "").name, p.line, p.message) for p in caught.value.problems]


def slugged(text: str) -> str:
    """A folder or file name as a unit id part: lowercase letters and digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.fixture(scope="module")
def docusaurus(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The Docusaurus site of Russian and Bulgarian help articles, laid out once."""
    return lay_out_docusaurus(tmp_path_factory.mktemp("docusaurus"))


@pytest.fixture(scope="module")
def hugo(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The Hugo site of COVID-19 vaccine questions, laid out once."""
    return lay_out_hugo(tmp_path_factory.mktemp("hugo"))


@pytest.fixture(scope="module")
def doc_units(docusaurus: Site) -> dict[tuple[str, str], UnitDocument]:
    """The Docusaurus site's units by (id, locale)."""
    return units(read(docusaurus.root))


@pytest.fixture(scope="module")
def hugo_units(hugo: Site) -> dict[tuple[str, str], UnitDocument]:
    """The Hugo site's units by (id, locale)."""
    return units(read(hugo.root))


def article(article_id: str, language: str) -> Article:
    """A help article in `ru` or `bg`."""
    return alchemy_articles({"ru": "ru-RU", "bg": "bg-BG"}[language])[article_id]


def general(index: int) -> tuple[str, str]:
    """The article id and unit id of the general section's article `index`."""
    article_id = docusaurus_sections()["general"][index]
    return article_id, f"general-{slugged(article_id)}"


# -- a Docusaurus site ---------------------------------------------------------------------------


def test_docusaurus_site_gives_one_unit_per_page_and_translations_share_its_id(
    docusaurus: Site, doc_units: dict[tuple[str, str], UnitDocument]
) -> None:
    articles = sum(len(ids) for ids in docusaurus_sections().values())
    assert Counter(locale for _id, locale in doc_units) == {"ru": articles + 1, "bg": articles}
    assert Counter(docusaurus.pages.values()) == {"ru": articles + 1, "bg": articles}
    titled, unit_titled = general(0)  # `title` in the front matter, no heading in the body
    headed, unit_headed = general(1)  # the page's leading `# heading` is its title
    for language in ("ru", "bg"):
        assert doc_units[unit_titled, language].title == article(titled, language).heading
        assert doc_units[unit_headed, language].title == article(headed, language).heading
        assert not doc_units[unit_headed, language].body.startswith("# ")
    assert doc_units["overview", "ru"].title == "Статьи"


def test_docusaurus_category_is_the_category_label_of_the_default_locale(
    doc_units: dict[tuple[str, str], UnitDocument],
) -> None:
    _id, unit_id = general(0)
    assert doc_units[unit_id, "ru"].category == slugged(LABELS["general"])
    assert doc_units[unit_id, "bg"].category == "general-questions"  # not the Bulgarian label
    assert doc_units["billing-products-and-services", "bg"].category == "billing-subscriptions"
    assert doc_units["security-adfs-federation-certificate-expiring", "ru"].category == "security"
    assert doc_units["overview", "ru"].category is None  # a page at the top of the docs


def test_docusaurus_source_names_the_file_and_the_page_address(
    doc_units: dict[tuple[str, str], UnitDocument],
) -> None:
    article_id, unit_id = general(0)
    source = doc_units[unit_id, "bg"].source
    assert source is not None
    assert source.system == "markdown"
    assert source.id == f"docs/general/{article_id}.md"  # the default locale's page, for both
    assert source.url == f"{DOCUSAURUS_URL}/bg/docs/general/{article_id}"
    ru_source = doc_units[unit_id, "ru"].source
    assert ru_source is not None and ru_source.url == f"{DOCUSAURUS_URL}/docs/general/{article_id}"


def test_docusaurus_front_matter_tags_description_and_order(docusaurus: Site) -> None:
    batch = read(docusaurus.root)
    found = units(batch)
    article_id, unit_id = general(0)  # a page with tags and a description
    ru = article(article_id, "ru")
    assert found[unit_id, "ru"].tags == (ru.ms_service, ru.translationtype.lower())
    assert found[unit_id, "ru"].body.startswith(f"::: summary\n{description(ru)}\n:::\n\n")
    assert found[unit_id, "bg"].tags == ()
    assert "::: summary" not in found[unit_id, "bg"].body
    # `sidebar_position` orders a folder's units in the batch (and is not kept).
    order = [i.document.id for i in batch.units if i.document.key[1] == "ru"]
    section = [f"general-{slugged(i)}" for i in docusaurus_sections()["general"]]
    assert [i for i in order if i.startswith("general-")] == section


def test_docusaurus_admonitions_become_quotes_labelled_in_the_page_language(
    doc_units: dict[tuple[str, str], UnitDocument],
) -> None:
    noted, unit_noted = general(0)
    for language, label in (("ru", "Примечание"), ("bg", "Бележка")):
        first_line = paragraphs(article(noted, language))[1].split("\n")[0].rstrip()
        body = doc_units[unit_noted, language].body
        assert f"> **{label}**\n>\n> {first_line}" in body
        assert ":::note" not in body
    tipped, unit_tipped = general(1)
    for language, label in (("ru", "Совет: Для администраторов"), ("bg", "Съвет")):
        last = paragraphs(article(tipped, language))[-1].split("\n")[0].rstrip()
        assert f"> **{label}**\n>\n> {last}" in doc_units[unit_tipped, language].body
    # The articles' own `> [!NOTE]` alerts are labelled the same way.
    advisor = "security-microsoft-defender-for-endpoint-advisor"
    assert "> **Примечание**\n> " in doc_units[advisor, "ru"].body
    assert "> **Бележка**\n> " in doc_units[advisor, "bg"].body
    assert "[!NOTE]" not in doc_units[advisor, "ru"].body


def test_relative_links_to_imported_pages_become_unit_links(
    doc_units: dict[tuple[str, str], UnitDocument],
) -> None:
    for language in ("ru", "bg"):
        body = doc_units["billing-products-and-services", language].body
        for target in ("reactivate-your-subscription", "manage-auto-renewal"):
            assert f"](unit:billing-{target})" in body  # the articles' own links
        assert "](unit:billing-change-payment-method)" in body
        # A page the site lacks is linked at its address on the site.
        prefix = "" if language == "ru" else "/bg"
        assert f"]({DOCUSAURUS_URL}{prefix}/docs/billing/change-how-often-you-pay)" in body
    # A link from the site's root to a page outside the docs: there, in the page's language.
    _id, unit_id = general(2)
    outside = "/sharepoint/troubleshoot/sharing-and-permissions/error-403-forbidden)"
    assert f"]({DOCUSAURUS_URL}/bg{outside}" in doc_units[unit_id, "bg"].body
    heading = article("products-and-services", "ru").heading
    advisor = doc_units["security-microsoft-defender-for-endpoint-advisor", "ru"].body
    assert advisor.endswith(f"[{heading}](unit:billing-products-and-services)")  # ../ and #
    for doc in doc_units.values():
        assert not re.search(r"\]\([^)]*\.mdx?(#[^)]*)?\)", doc.body), doc.key


def test_links_with_code_in_their_text_and_links_within_the_page(
    doc_units: dict[tuple[str, str], UnitDocument],
) -> None:
    body = doc_units["overview", "ru"].body
    heading = article("products-and-services", "ru").heading
    assert f"| [`products-and-services`](unit:billing-products-and-services) | {heading} |" in body
    assert body.startswith("Разделы\n")  # a link to a place in the page keeps its text only
    assert "](#" not in body


def test_mdx_imports_and_jsx_on_a_real_page_are_removed_and_reported(docusaurus: Site) -> None:
    batch = read(docusaurus.root)
    page = "docs/overview.mdx"
    found = warnings_in(batch)
    line = docusaurus.line_of(page, "import Tabs")
    assert ("overview.mdx", line, "MDX line removed: import Tabs from '@theme/Tabs';") in found
    line = docusaurus.line_of(page, "<Tabs>")
    assert ("overview.mdx", line, "JSX component <Tabs> removed; its text is kept") in found
    body = units(batch)["overview", "ru"].body
    assert "<Tab" not in body and "import " not in body
    assert f"**{LABELS['billing']}**\n\n| Статья | Заголовок |" in body  # a tab's label


def test_an_admonition_left_open_in_a_translation_and_an_image_are_reported(
    docusaurus: Site,
) -> None:
    batch = read(docusaurus.root)
    article_id, unit_id = general(2)
    page = f"{BG_DOCS}/general/{article_id}.md"
    last_line = len(docusaurus.text(page).split("\n"))
    unclosed = "':::warning' is not closed; closed at the end of the page"
    assert (f"{article_id}.md", last_line, unclosed) in warnings_in(batch)
    last = paragraphs(article(article_id, "bg"))[-1].split("[")[0]
    assert f"> **Внимание**\n>\n> {last}" in units(batch)[unit_id, "bg"].body
    page = "docs/general/change-my-microsoft-account-info.md"
    image = "image 'media/manage-account.png' is not imported; its description is kept"
    line = docusaurus.line_of(page, "media/manage-account.png")
    assert ("change-my-microsoft-account-info.md", line, image) in warnings_in(batch)
    body = units(batch)["general-change-my-microsoft-account-info", "ru"].body
    assert "*Управление платежами и выставлением счетов*" in body and "media/" not in body


def test_a_link_no_channel_can_open_keeps_its_text_and_is_reported(docusaurus: Site) -> None:
    batch = read(docusaurus.root)
    page = "docs/general/fix-windows-update-errors.md"
    line = docusaurus.line_of(page, "(ms-settings:windowsupdate)")
    message = "link 'ms-settings:windowsupdate' removed: not http(s), mailto or tel; text kept"
    assert ("fix-windows-update-errors.md", line, message) in warnings_in(batch)
    body = units(batch)["general-fix-windows-update-errors", "ru"].body
    assert "> Параметры > обновление & безопасности > Windows обновление." in body
    assert "ms-settings:" not in body


def test_every_imported_page_is_a_valid_unit_of_our_format(
    doc_units: dict[tuple[str, str], UnitDocument],
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    for doc in (*doc_units.values(), *hugo_units.values()):
        assert parse_unit(doc.to_markdown()) == doc, doc.key


# -- a Hugo site -----------------------------------------------------------------------------------


def question(number: int) -> tuple[FaqEntry, str]:
    """The Hugo site's question page `number` (in layout order) and its unit id."""
    pages = [(e, f"{folder}-{e.faq_id}") for folder, es in hugo_entries().items() for e in es]
    return pages[number]


def test_hugo_site_reads_translations_from_file_names(
    hugo: Site, hugo_units: dict[tuple[str, str], UnitDocument]
) -> None:
    folders = hugo_entries()
    english = sum(len(entries) for entries in folders.values()) + len(folders) + 1
    assert Counter(locale for _id, locale in hugo_units) == {"en": english, "ru": 2, "bg": 1}
    assert Counter(hugo.pages.values()) == {"en": english, "ru": 2, "bg": 1}
    article_id, _unit = general(0)
    translated = f"office-{article_id}"
    assert hugo_units[translated, "bg"].title == article(article_id, "bg").heading
    assert hugo_units[translated, "ru"].title == article(article_id, "ru").heading
    assert hugo_units["office", "ru"].category == "office"  # an _index page: its own folder
    entry, unit_id = question(0)
    assert hugo_units[unit_id, "en"].title == entry.question
    assert hugo_units[unit_id, "en"].tags == (slugged(entry.category),)
    assert hugo_units[slugged(entry.category), "en"].title == entry.category.capitalize()
    source = hugo_units[translated, "ru"].source
    assert source is not None and source.id == f"content/office/{article_id}.bg.md"
    assert source.url == f"{HUGO_URL}ru/office/{article_id}/"
    assert hugo_units[unit_id, "en"].source.url == (  # type: ignore[union-attr]
        f"{HUGO_URL}{slugged(entry.category)}/{entry.faq_id}/"
    )


def test_hugo_front_matter_draft_and_lastmod(
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    drafts = [key for key, doc in hugo_units.items() if doc.draft]
    assert drafts == [(question(1)[1], "en")]  # `draft: true` on one page
    toml, yaml = hugo_units[question(0)[1], "en"], hugo_units[question(1)[1], "en"]
    assert toml.source is not None and toml.source.updated_at == LASTMOD
    assert yaml.source is not None and yaml.source.updated_at is None


def test_hugo_description_becomes_the_summary(
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    described = [question(n) for n in range(12) if question(n)[0].answer_original]
    assert described
    for entry, unit_id in described:
        summary = " ".join(entry.answer.split())
        assert hugo_units[unit_id, "en"].body.startswith(f"::: summary\n{summary}\n:::\n\n")


def test_hugo_notice_shortcodes_become_quotes_and_escaped_ones_stay_in_code(
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    for number, label in ((0, "Note"), (2, "Warning")):
        entry, unit_id = question(number)
        blocks = (entry.answer_original or entry.answer).split("\n\n")
        text = (blocks[0] if number == 0 else blocks[-1]).strip().split("\n")[0]
        assert f"> **{label}**\n>\n> {text}" in hugo_units[unit_id, "en"].body
    entry, unit_id = question(8)
    first = (entry.answer_original or entry.answer).split("\n\n")[0].strip()
    escaped = f"```\n{{{{%/* notice note */%}}}}\n{first}\n{{{{%/* /notice */%}}}}\n```"
    assert escaped in hugo_units[unit_id, "en"].body


def test_hugo_relref_links_become_unit_links_and_a_notice_on_one_line_is_split(
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    body = hugo_units["index", "en"].body
    for folder, entries in hugo_entries().items():
        assert f"* [{entries[0].category}](unit:{folder})" in body
        section = hugo_units[folder, "en"].body
        for entry in entries:
            assert f"* [{entry.question}](unit:{folder}-{entry.faq_id})" in section
    entry, unit_id = question(0)
    assert body.startswith(f"> **Tip**\n>\n> {entry.question} [{entry.faq_id}](unit:{unit_id})")


def test_hugo_shortcodes_we_cannot_render_are_removed_and_reported(hugo: Site) -> None:
    batch = read(hugo.root)
    found = warnings_in(batch)
    entry, unit_id = question(2)
    page = f"content/{unit_id.rsplit('-', 1)[0]}/{entry.faq_id}.md"
    toc = "Hugo shortcode 'toc' removed: it cannot be rendered here"
    assert (f"{entry.faq_id}.md", hugo.line_of(page, "{{< toc >}}"), toc) in found
    entry, unit_id = question(4)
    page = f"content/{unit_id.rsplit('-', 1)[0]}/{entry.faq_id}.md"
    tab = "Hugo shortcode 'tab' removed; the text inside it is kept"
    assert (f"{entry.faq_id}.md", hugo.line_of(page, "{{< tab name"), tab) in found
    tabs = units(batch)[unit_id, "en"].body
    assert "**Answer**" in tabs and "{{" not in tabs


def test_hugo_diagrams_and_pre_blocks_become_fenced_code(
    hugo_units: dict[tuple[str, str], UnitDocument],
) -> None:
    entry, unit_id = question(5)
    assert f"```mermaid\ngraph LR;\n  A[{entry.category}]" in hugo_units[unit_id, "en"].body
    entry, unit_id = question(6)
    first = (entry.answer_original or entry.answer).split("\n\n")[0].strip()
    assert f"```\n  {first}\n```" in hugo_units[unit_id, "en"].body


def test_hugo_buttons_become_links(hugo_units: dict[tuple[str, str], UnitDocument]) -> None:
    _entry, unit_id = question(7)
    assert f"[covid-faq]({FAQ_SOURCE})" in hugo_units[unit_id, "en"].body


# -- guessing the format ---------------------------------------------------------------------------


def test_looks_like_claims_docs_sites_but_not_our_own_content_folder(
    write_tree: Tree, docusaurus: Site, hugo: Site
) -> None:
    assert docs_markdown.looks_like(docusaurus.root)
    assert docs_markdown.looks_like(docusaurus.root / "docs")
    assert docs_markdown.looks_like(hugo.root)
    assert docs_markdown.looks_like(hugo.root / "content")
    assert not docs_markdown.looks_like(SAMPLE_CONTENT)
    ours = write_tree({"en/a.md": "---\nid: a\nlocale: en\ntitle: A\n---\nText\n"})
    assert not docs_markdown.looks_like(ours)
    assert not docs_markdown.looks_like(docusaurus.root / "docusaurus.config.js")


def test_imported_sites_have_no_links_a_channel_would_drop(
    kb: KnowledgeBase, docusaurus: Site, hugo: Site
) -> None:
    for site in (docusaurus, hugo):
        import_site(kb, site.root)
    findings = [str(f) for f in check_snapshot(kb.drafts()) if "unsafe-link" in str(f)]
    assert findings == []


# -- importing into the store ----------------------------------------------------------------------


def import_site(kb: KnowledgeBase, path: Path) -> ImportReport:
    """Read a site and store it as `kb import --from markdown` does."""
    batch = replace(read(path), silo=docs_markdown.FORMAT)
    return kb.import_content(batch, author="tester")


def test_importing_a_site_twice_changes_nothing_the_second_time(
    kb: KnowledgeBase, hugo: Site
) -> None:
    pages = len(hugo.pages)
    first = import_site(kb, hugo.root)
    assert first.units[SaveOutcome.CREATED] == pages
    assert first.renamed == []  # translations are stored as the same unit
    translated = f"office-{general(0)[0]}"
    assert {(translated, "ru"), (translated, "bg"), ("mask", "en")} <= set(kb.drafts().units)
    second = import_site(kb, hugo.root)
    assert second.units[SaveOutcome.UNCHANGED] == pages
    assert second.units[SaveOutcome.CREATED] == second.units[SaveOutcome.UPDATED] == 0


def test_a_changed_page_updates_the_unit_it_made(
    kb: KnowledgeBase, tmp_path: Path, docusaurus: Site
) -> None:
    site = tmp_path / "site"
    shutil.copytree(docusaurus.root, site)
    import_site(kb, site)
    article_id, unit_id = general(1)  # its title is its `# heading`
    heading = article(article_id, "ru").heading
    page = site / "docs" / "general" / f"{article_id}.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(f"# {heading}\n", f"# {heading} (2021)\n", 1), encoding="utf-8")
    report = import_site(kb, site)
    assert (report.units[SaveOutcome.UPDATED], report.units[SaveOutcome.CREATED]) == (1, 0)
    stored = to_document(kb.draft_unit(unit_id, "ru"))
    assert stored.title == f"{heading} (2021)"
    assert stored.source is not None and stored.source.id == f"docs/general/{article_id}.md"


def test_a_page_given_a_new_slug_keeps_its_stored_unit(
    kb: KnowledgeBase, tmp_path: Path, hugo: Site
) -> None:
    site = tmp_path / "site"
    shutil.copytree(hugo.root, site)
    import_site(kb, site)
    entry, unit_id = question(3)
    page = site / "content" / slugged(entry.category) / f"{entry.faq_id}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("---\n", "---\nslug: labels\n", 1))
    report = import_site(kb, site)
    assert report.units[SaveOutcome.CREATED] == 0
    assert ("labels", unit_id) in report.renamed
    assert to_document(kb.draft_unit(unit_id, "en")).title == entry.question


# -- the command line ------------------------------------------------------------------------------

needs_registry = pytest.mark.skipif(
    docs_markdown.FORMAT not in FORMATS, reason="the markdown importer is not registered yet"
)


def kb_cli(env: dict[str, str], *args: str) -> Result:
    """Run `kb ARGS...` in-process against the test database."""
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False, prog_name="kb")


@needs_registry
def test_cli_imports_a_hugo_site_and_a_second_import_changes_nothing(
    env: dict[str, str], hugo: Site
) -> None:
    pages = len(hugo.pages)
    first = kb_cli(env, "import", str(hugo.root), "--from", "markdown")
    assert first.exit_code == 0, first.output
    assert f"units: {pages} created, 0 updated, 0 unchanged" in first.stdout
    second = kb_cli(env, "import", str(hugo.root), "--from", "markdown")
    assert second.exit_code == 0, second.output
    assert f"units: 0 created, 0 updated, {pages} unchanged" in second.stdout


@needs_registry
def test_cli_guesses_a_docs_site_but_not_our_own_folder(
    env: dict[str, str], docusaurus: Site, hugo: Site
) -> None:
    assert guess_format(docusaurus.root) == guess_format(hugo.root) == "markdown"
    assert guess_format(SAMPLE_CONTENT) == "folder"
    result = kb_cli(env, "import", str(docusaurus.root))
    assert result.exit_code == 0, result.output
    assert f"units: {len(docusaurus.pages)} created" in result.stdout
