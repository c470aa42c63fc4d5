"""Importing Docusaurus and Hugo docs folders: real sites, their features, hostile pages, and
imports that update the units they made."""

from __future__ import annotations

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

DATA = Path(__file__).parent / "data" / "markdown"
WASMEDGE = DATA / "wasmedge"
HUGO = DATA / "hugo-learn"

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


# -- a real Docusaurus site ---------------------------------------------------------------------


def test_docusaurus_site_gives_one_unit_per_page_and_translations_share_its_id() -> None:
    found = units(read(WASMEDGE))
    assert Counter(locale for _id, locale in found) == {"en": 28, "zh": 25}
    faq = found["start-faq", "en"]
    assert faq.title == "Frequently Asked Questions"  # the page's leading `# heading`
    assert not faq.body.startswith("# ")
    assert found["start-build-and-run-aot", "zh"].title == "AoT 编译器"
    assert found["start-build-and-run-aot", "en"].title == "The AoT Compiler"


def test_docusaurus_category_is_the_category_label_of_the_default_locale() -> None:
    found = units(read(WASMEDGE))
    assert found["start-build-and-run-cli", "en"].category == "running-with-wasmedge"
    assert found["start-build-and-run-cli", "zh"].category == "running-with-wasmedge"
    assert found["start-usage-serverless-aws", "en"].category == "serverless-platforms"
    assert found["start-faq", "en"].category == "start"  # a folder without a label


def test_docusaurus_source_names_the_file_and_the_page_address() -> None:
    found = units(read(WASMEDGE))
    source = found["start-faq", "zh"].source
    assert source is not None
    assert source.system == "markdown"
    assert source.id == "docs/start/faq.md"  # the default locale's page, for every translation
    assert source.url == "https://wasmedge.org/zh/docs/start/faq"
    assert found["start-faq", "en"].source.url == "https://wasmedge.org/docs/start/faq"  # type: ignore[union-attr]


def test_docusaurus_note_becomes_a_quote_with_its_kind_in_bold() -> None:
    body = units(read(WASMEDGE))["start-getting-started-quick-start", "en"].body
    assert "> **Note**\n>\n> If you have Docker Desktop 4.15 and above" in body
    assert ":::" not in body
    translated = units(read(WASMEDGE))["start-getting-started-quick-start", "zh"].body
    assert "> **注意**\n>\n> 如果你使用 Docker Desktop 4.15" in translated  # in its language


def test_relative_links_to_imported_pages_become_unit_links() -> None:
    found = units(read(WASMEDGE))
    body = found["start-getting-started-quick-start", "en"].body
    assert "[here](unit:start-install)" in body  # ../install.md#install
    assert "[get started here](unit:start-getting-started-quick-start-docker)" in body
    assert "(unit:start-build-and-run-cli)" in found["start-getting-started-quick-start", "zh"].body
    # A page outside the imported folder is linked at its address on the site.
    assert "(https://wasmedge.org/docs/develop/rust/wasinn/pytorch)" in body


def test_links_with_code_in_their_text_and_links_within_the_page(tmp_path: Path) -> None:
    body = units(read(WASMEDGE))["start-build-and-run-cli", "en"].body
    assert "| [`run`](unit:start-build-and-run-run) |" in body  # a table of subcommands
    assert "](#" not in body  # a link to a place in the page keeps its text only


def test_an_admonition_left_open_in_a_translation_is_reported_and_closed() -> None:
    batch = read(WASMEDGE)
    unclosed = "':::note' is not closed; closed at the end of the page"
    assert ("install.md", 415, unclosed) in warnings_in(batch)
    image = "image 'docker.jpeg' is not imported; its description is kept"
    assert ("docker_wasm.md", 241, image) in warnings_in(batch)
    assert units(batch)["start-install", "zh"].body.count("> **注意**") >= 10


def test_every_imported_page_is_a_valid_unit_of_our_format() -> None:
    for site in (WASMEDGE, HUGO):
        for item in read(site).units:
            doc = item.document
            assert parse_unit(doc.to_markdown()) == doc, doc.key


# -- a real Hugo site ---------------------------------------------------------------------------


def test_hugo_site_reads_translations_from_file_names() -> None:
    found = units(read(HUGO))
    assert Counter(locale for _id, locale in found) == {"en": 25, "fr": 22, "zh": 1}
    assert found["basics-requirements", "fr"].title == "Prérequis"
    assert found["basics", "zh"].title == "基础"
    assert found["cont-archetypes", "en"].category == "cont"
    assert found["basics-installation", "en"].category == "installation"  # an _index page
    assert found["cont-tags", "fr"].tags == ("documentation", "tutorial")
    source = found["basics-requirements", "fr"].source
    assert source is not None and source.id == "content/basics/requirements/_index.en.md"
    assert source.url is None  # the site's baseURL is "/"


def test_hugo_description_becomes_the_summary() -> None:
    body = units(read(HUGO))["shortcodes-notice", "en"].body
    assert body.startswith("::: summary\nDisclaimers to help you structure your page\n:::")


def test_hugo_notice_shortcodes_become_quotes_and_escaped_ones_stay_in_code() -> None:
    body = units(read(HUGO))["shortcodes-notice", "en"].body
    for label, text in (("Note", "A notice"), ("Info", "An information"), ("Tip", "A tip")):
        assert f"> **{label}**\n>\n> {text} disclaimer" in body
    assert "```\n{{%/* notice note */%}}\nA notice disclaimer\n{{%/* /notice */%}}\n```" in body
    french = units(read(HUGO))["shortcodes-notice", "fr"].body
    assert "> **Astuce**\n>\n> Une notice de type *tip*" in french


def test_hugo_relref_links_become_unit_links_and_a_notice_on_one_line_is_split() -> None:
    body = units(read(HUGO))["index", "en"].body
    assert "* [Multilingual mode](unit:cont-i18n)" in body
    assert "[Tip/Note/Info/Warning boxes](unit:shortcodes-notice)" in body
    assert "> **Tip**\n>\n> Learn theme works with a _page tree structure_" in body


def test_hugo_shortcodes_we_cannot_render_are_removed_and_reported() -> None:
    batch = read(HUGO)
    found = warnings_in(batch)
    assert (
        "credits.en.md",
        10,
        "Hugo shortcode 'ghcontributors' removed: it cannot be rendered here",
    ) in found
    assert ("tabs.en.md", 32, "Hugo shortcode 'tab' removed; the text inside it is kept") in found
    tabs = units(batch)["shortcodes-tabs", "en"].body
    assert "**python**" in tabs and "{{" not in tabs.split("```")[-1]


def test_hugo_diagrams_and_pre_blocks_become_fenced_code() -> None:
    found = units(read(HUGO))
    assert "```mermaid\ngraph LR;" in found["shortcodes-mermaid", "en"].body
    assert "```\n  // Some comments\n  line 1 of code" in found["cont-markdown", "fr"].body


def test_hugo_buttons_become_links() -> None:
    body = units(read(HUGO))["shortcodes-button", "en"].body
    assert "[Get Grav with icon](https://getgrav.org/)" in body


# -- Docusaurus features the real site lacks ----------------------------------------------------

MDX_PAGE = """---
sidebar_position: 2
slug: /refunds
tags: [Billing, {label: "Money back", permalink: /money}]
keywords: [refund]
description: How refunds work.
last_update:
  date: 2024-05-01
  author: someone
---
import Tabs from '@theme/Tabs';
import TabItem from '@theme/TabItem';

# Getting a refund

Refunds take 14 days.

:::tip[Be quick]
Ask within a month.
:::

:::danger
Never share your card number.
:::

:::internal
Check the order first.
:::

:::foo
Something odd.
:::

<Tabs>
<TabItem value="web" label="On the web">
Open **Orders**.
</TabItem>
</Tabs>

<Button href="/x" />

```js
import x from 'y';
<Tabs>
```
"""


def test_mdx_imports_and_jsx_are_removed_and_reported_by_file_and_line(write_tree: Tree) -> None:
    root = write_tree({"docs/billing/refunds.mdx": MDX_PAGE})
    batch = read(root)
    assert ("refunds.mdx", 11, "MDX line removed: import Tabs from '@theme/Tabs';") in warnings_in(
        batch
    )
    assert ("refunds.mdx", 34, "JSX component <Tabs> removed; its text is kept") in warnings_in(
        batch
    )
    assert ("refunds.mdx", 40, "JSX component <Button> removed") in warnings_in(batch)
    body = batch.units[0].document.body
    assert "import Tabs" not in body and "<Tabs>" not in body.split("```js")[0]
    assert "**On the web**\nOpen **Orders**." in body
    assert "```js\nimport x from 'y';\n<Tabs>\n```" in body  # code is left as written


def test_docusaurus_front_matter_maps_to_unit_fields(write_tree: Tree) -> None:
    doc = read(write_tree({"docs/billing/refunds.mdx": MDX_PAGE})).units[0].document
    assert doc.id == "refunds"  # the page's slug
    assert doc.title == "Getting a refund"
    assert doc.category == "billing"
    assert doc.tags == ("billing", "money-back", "refund")
    assert doc.body.startswith("::: summary\nHow refunds work.\n:::\n\nRefunds take 14 days.")
    assert doc.source is not None and doc.source.updated_at == "2024-05-01"


def test_admonitions_become_quotes_and_our_own_blocks_pass_through(write_tree: Tree) -> None:
    body = read(write_tree({"docs/billing/refunds.mdx": MDX_PAGE})).units[0].document.body
    assert "> **Tip: Be quick**\n>\n> Ask within a month." in body
    assert "> **Danger**\n>\n> Never share your card number." in body
    assert "::: internal\nCheck the order first.\n:::" in body
    assert "> **Foo**\n>\n> Something odd." in body  # an unknown kind: a plain quote


def test_an_admonition_in_a_list_item_stays_in_the_item(write_tree: Tree) -> None:
    page = "1. Open the app.\n\n   :::tip\n   Use the latest version.\n   :::\n\n2. Sign in.\n"
    body = read(write_tree({"docs/steps.md": page})).units[0].document.body
    assert body == (
        "1. Open the app.\n\n   > **Tip**\n   >\n   > Use the latest version.\n\n2. Sign in."
    )


def test_category_label_from_a_yaml_category_file_and_ids_deduplicated(write_tree: Tree) -> None:
    root = write_tree(
        {
            "docs/a/_category_.yml": "label: Payments & Billing\nposition: 2\n",
            "docs/a/refunds.md": "---\nid: refunds\n---\nText A\n",
            "docs/b/refunds.md": "---\nid: refunds\ndraft: true\n---\n# Other\nText B\n",
            "docs/b/_partial.mdx": "A fragment other pages import, not a page.\n",
            "docusaurus.config.js": "module.exports = { url: 'https://x.org', baseUrl: '/' };",
        }
    )
    found = {item.document.source.id: item.document for item in read(root).units}  # type: ignore[union-attr]
    assert len(found) == 2
    a, b = found["docs/a/refunds.md"], found["docs/b/refunds.md"]
    assert (a.id, a.category, a.draft) == ("refunds", "payments-billing", False)
    assert (b.id, b.category, b.draft, b.title) == ("refunds-2", "b", True, "Other")
    assert a.title == "Refunds"  # no title, no heading: the file name
    assert a.source.url == "https://x.org/docs/a/refunds"  # type: ignore[union-attr]


# -- Hugo features the real site lacks ----------------------------------------------------------


def test_hugo_toml_front_matter_hint_and_language_folders(write_tree: Tree) -> None:
    root = write_tree(
        {
            "hugo.toml": (
                'baseURL = "https://help.example.com/"\ndefaultContentLanguage = "en"\n'
                '[languages.en]\ncontentDir = "content/en"\n'
                '[languages.pt-br]\ncontentDir = "content/pt-br"\n'
            ),
            "content/en/account/reset.md": (
                '+++\ntitle = "Reset your password"\nweight = 3\ndraft = true\n'
                "lastmod = 2024-02-03T04:05:06Z\ntags = ['Account']\n+++\n"
                "Use the link.\n\n{{< hint warning >}}\nIt expires in 1 hour.\n{{< /hint >}}\n"
            ),
            "content/pt-br/account/reset.md": "---\ntitle: Redefinir a senha\n---\nUse o link.\n",
        }
    )
    found = units(read(root))
    en, pt = found["account-reset", "en"], found["account-reset", "pt-BR"]
    assert (en.title, en.draft, en.tags, en.category) == (
        "Reset your password",
        True,
        ("account",),
        "account",
    )
    assert "> **Warning**\n>\n> It expires in 1 hour." in en.body
    assert en.source is not None and en.source.updated_at == "2024-02-03T04:05:06Z"
    assert en.source.url == "https://help.example.com/account/reset/"
    assert pt.title == "Redefinir a senha"
    assert (
        pt.source is not None and pt.source.url == "https://help.example.com/pt-br/account/reset/"
    )


def test_hugo_page_translated_by_file_name_without_a_site_config(write_tree: Tree) -> None:
    root = write_tree(
        {
            "faq/index.md": "---\ntitle: FAQ\n---\nAnswers.\n",
            "faq/index.ru.md": "---\ntitle: Вопросы\n---\nОтветы.\n",
        }
    )
    found = units(read(root, default_locale="en"))
    assert set(found) == {("faq", "en"), ("faq", "ru")}


# -- guessing the format ------------------------------------------------------------------------


def test_looks_like_claims_docs_sites_but_not_our_own_content_folder(write_tree: Tree) -> None:
    assert docs_markdown.looks_like(WASMEDGE)
    assert docs_markdown.looks_like(WASMEDGE / "docs")
    assert docs_markdown.looks_like(HUGO)
    assert docs_markdown.looks_like(HUGO / "content")
    assert not docs_markdown.looks_like(SAMPLE_CONTENT)
    ours = write_tree({"en/a.md": "---\nid: a\nlocale: en\ntitle: A\n---\nText\n"})
    assert not docs_markdown.looks_like(ours)
    assert not docs_markdown.looks_like(WASMEDGE / "docusaurus.config.js")


def test_imported_sites_have_no_links_a_channel_would_drop(kb: KnowledgeBase) -> None:
    for site in (WASMEDGE, HUGO):
        import_site(kb, site)
    findings = [str(f) for f in check_snapshot(kb.drafts()) if "unsafe-link" in str(f)]
    assert findings == []


# -- importing into the store -------------------------------------------------------------------


def import_site(kb: KnowledgeBase, path: Path) -> ImportReport:
    """Read a site and store it as `kb import --from markdown` does."""
    batch = replace(read(path), silo=docs_markdown.FORMAT)
    return kb.import_content(batch, author="tester")


def test_importing_a_site_twice_changes_nothing_the_second_time(kb: KnowledgeBase) -> None:
    first = import_site(kb, HUGO)
    assert first.units[SaveOutcome.CREATED] == 48
    assert first.renamed == []  # translations are stored as the same unit
    assert {("cont-tags", "en"), ("cont-tags", "fr"), ("basics", "zh")} <= set(kb.drafts().units)
    second = import_site(kb, HUGO)
    assert second.units[SaveOutcome.UNCHANGED] == 48
    assert second.units[SaveOutcome.CREATED] == second.units[SaveOutcome.UPDATED] == 0


def test_a_changed_page_updates_the_unit_it_made(kb: KnowledgeBase, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(WASMEDGE, site)
    import_site(kb, site)
    page = site / "docs" / "start" / "faq.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("# Frequently Asked Questions", "# WasmEdge FAQ").replace(
            "discord.", "Discord."
        ),
        encoding="utf-8",
    )
    report = import_site(kb, site)
    assert (report.units[SaveOutcome.UPDATED], report.units[SaveOutcome.CREATED]) == (1, 0)
    stored = to_document(kb.draft_unit("start-faq", "en"))
    assert stored.title == "WasmEdge FAQ"
    assert stored.source is not None and stored.source.id == "docs/start/faq.md"


def test_a_page_given_a_new_slug_keeps_its_stored_unit(kb: KnowledgeBase, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(HUGO, site)
    import_site(kb, site)
    page = site / "content" / "cont" / "tags.en.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("title: Tags", "title: Tags\nslug: labels"),
        encoding="utf-8",
    )
    report = import_site(kb, site)
    assert report.units[SaveOutcome.CREATED] == 0
    assert ("labels", "cont-tags") in report.renamed
    assert to_document(kb.draft_unit("cont-tags", "fr")).title == "Tags"


# -- the command line ---------------------------------------------------------------------------

needs_registry = pytest.mark.skipif(
    docs_markdown.FORMAT not in FORMATS, reason="the markdown importer is not registered yet"
)


def kb_cli(env: dict[str, str], *args: str) -> Result:
    """Run `kb ARGS...` in-process against the test database."""
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False, prog_name="kb")


@needs_registry
def test_cli_imports_a_hugo_site_and_a_second_import_changes_nothing(env: dict[str, str]) -> None:
    first = kb_cli(env, "import", str(HUGO), "--from", "markdown")
    assert first.exit_code == 0, first.output
    assert "units: 48 created, 0 updated, 0 unchanged" in first.stdout
    second = kb_cli(env, "import", str(HUGO), "--from", "markdown")
    assert second.exit_code == 0, second.output
    assert "units: 0 created, 0 updated, 48 unchanged" in second.stdout


@needs_registry
def test_cli_guesses_a_docs_site_but_not_our_own_folder(env: dict[str, str]) -> None:
    assert guess_format(WASMEDGE) == guess_format(HUGO) == "markdown"
    assert guess_format(SAMPLE_CONTENT) == "folder"
    result = kb_cli(env, "import", str(WASMEDGE))
    assert result.exit_code == 0, result.output
    assert "units: 53 created" in result.stdout
