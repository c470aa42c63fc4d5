"""Importing Docusaurus and Hugo features on small pages written for each case: MDX imports and
JSX, front matter, admonitions of every kind, category files, duplicate ids, Hugo TOML front
matter, `hint` shortcodes and per-language content folders."""

from __future__ import annotations

from tests.importers.test_docs_markdown_import import Tree, read, units, warnings_in

# -- Docusaurus features ---------------------------------------------------------------------------

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


# -- Hugo features ---------------------------------------------------------------------------------


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
