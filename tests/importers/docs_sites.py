"""Docusaurus and Hugo sites laid out at test time from real text in the shared data sets, with
the features of real sites (front matter, categories, translations, admonitions, MDX, Hugo
shortcodes, links between pages), for the markdown importer's tests.

- Docusaurus: Microsoft 365 help articles (ms_alchemyinsights, CC BY 4.0, Microsoft), Russian
  as the default locale under `docs/<section>/`, Bulgarian translations of the same articles
  under `i18n/bg/docusaurus-plugin-content-docs/current/`.
- Hugo: COVID-19 vaccine FAQ entries (covid_vaccine_faq, Apache-2.0, Stanford OVAL), English,
  one folder per FAQ category, and one help article translated into Russian and Bulgarian.

The markup around the text (front matter, admonitions, shortcodes, link lines) is ours; the
titles, bodies and the links inside them are the data sets'.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.importers.shared_texts import Article, FaqEntry, alchemy_articles, covid_faq

__all__ = [
    "DOCUSAURUS_URL",
    "HUGO_URL",
    "Site",
    "docusaurus_sections",
    "hugo_entries",
    "lay_out_docusaurus",
    "lay_out_hugo",
    "paragraphs",
]

DOCUSAURUS_URL = "https://help.example.com"
HUGO_URL = "https://vaccines.example.org/"
BG_DOCS = "i18n/bg/docusaurus-plugin-content-docs/current"
#: Articles picked for what they hold: links to each other (`products-and-services` links the
#: other billing ones and `change-how-often-you-pay`, which is left out), a `> [!NOTE]` alert
#: and a link to another page (security); in `general`, an image
#: (`change-my-microsoft-account-info`) and a link to Windows settings (`ms-settings:`).
FEATURED = {
    "billing": (
        "products-and-services",
        "reactivate-your-subscription",
        "manage-auto-renewal",
        "change-payment-method",
    ),
    "security": (
        "common-issues-and-resolutions-for-adfs",
        "adfs-federation-certificate-expiring",
        "microsoft-defender-for-endpoint-advisor",
    ),
}
#: How many articles, the first by sorted id, make the `general` section.
HEAD = 10
#: A `_category_.json` label per section (`security` has none).
LABELS = {"general": "General questions", "billing": "Billing & subscriptions"}
DOCUSAURUS_CONFIG = """// @ts-check
/** @type {import('@docusaurus/types').Config} */
const config = {
  title: 'Microsoft 365 help',
  url: 'SITE_URL',
  baseUrl: '/',
  i18n: {
    defaultLocale: 'ru',
    locales: ['ru', 'bg'],
  },
  presets: [['classic', {docs: {sidebarPath: './sidebars.js'}}]],
};
module.exports = config;
""".replace("SITE_URL", DOCUSAURUS_URL)
HUGO_CONFIG = f"""baseURL = "{HUGO_URL}"
languageCode = "en-us"
defaultContentLanguage = "en"
title = "COVID-19 vaccine questions"
theme = "hugo-theme-learn"

[languages.en]
languageName = "English"
weight = 1

[languages.ru]
languageName = "Русский"
weight = 2

[languages.bg]
languageName = "Български"
weight = 3
"""
#: When the Hugo pages say they last changed (the data set's snapshot date).
LASTMOD = "2021-05-31T00:00:00Z"
NOTICE_WARNING = "{{% notice warning %}}"
NOTICE_END = "{{% /notice %}}"
MERMAID, MERMAID_END = "{{< mermaid >}}", "{{< /mermaid >}}"
#: The FAQ's source repository, which a button on one page links to.
FAQ_SOURCE = "https://github.com/stanford-oval/covid-faq"
TABS = '{{< tabs >}}\n{{< tab name="Answer" >}}'


@dataclass
class Site:
    """A site laid out in a folder: every page file written (path under the site -> locale)."""

    root: Path
    pages: dict[str, str] = field(default_factory=dict)

    def write(self, relative: str, text: str, locale: str | None = None) -> None:
        """Write a file of the site; a page when `locale` is given."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if locale is not None:
            self.pages[relative] = locale

    def text(self, relative: str) -> str:
        """A file of the site as written."""
        return (self.root / relative).read_text(encoding="utf-8")

    def line_of(self, relative: str, needle: str) -> int:
        """The number of the first line of a file holding `needle`."""
        lines = self.text(relative).split("\n")
        return next(n for n, line in enumerate(lines, 1) if needle in line)


def paragraphs(article: Article) -> list[str]:
    """An article's paragraphs after its `# heading` line."""
    rest = article.body_markdown.split("\n", 1)[1] if "\n" in article.body_markdown else ""
    return [p.strip("\n") for p in rest.split("\n\n") if p.strip()]


def _quoted(text: str) -> str:
    """A YAML (or TOML) double-quoted string."""
    return json.dumps(text, ensure_ascii=False)


def docusaurus_sections() -> dict[str, tuple[str, ...]]:
    """The article ids of each Docusaurus section, in the order their pages are numbered."""
    ru, bg = alchemy_articles("ru-RU"), alchemy_articles("bg-BG")
    plain = [
        i for i in sorted(ru) if i in bg and ru[i].section == "main" and re.fullmatch(r"[\w.-]+", i)
    ]
    general = (*plain[:HEAD], "change-my-microsoft-account-info", "fix-windows-update-errors")
    return {"general": general, **FEATURED}


def _docusaurus_page(article: Article, number: int, blocks: list[str], *, extra: bool) -> str:
    """A page: every page has `sidebar_position`; even pages a `title` (the `# heading` line
    taken out), others keep the heading; with `extra`, `tags` and a `description` too."""
    meta = [f"sidebar_position: {number + 1}"]
    heading = f"# {article.heading}\n\n"
    if number % 2 == 0:
        meta.append(f"title: {_quoted(article.heading)}")
        heading = ""
    if extra:
        tags = ", ".join((article.ms_service, article.translationtype))
        meta.append(f"tags: [{tags}]")
        meta.append(f"description: {_quoted(description(article))}")
    return "---\n" + "\n".join(meta) + "\n---\n" + heading + "\n\n".join(blocks) + "\n"


def description(article: Article) -> str:
    """The first sentence of an article's first paragraph."""
    first = " ".join(paragraphs(article)[0].split())
    return re.split(r"(?<=[.!?])\s", first)[0]


def _admonitions(article_id: str, locale: str, blocks: list[str]) -> list[str]:
    """Docusaurus admonitions around real paragraphs of the first three general articles: a
    note in both languages, a titled tip in Russian, a warning the Bulgarian page leaves open."""
    sections = docusaurus_sections()["general"]
    if article_id == sections[0] and len(blocks) > 1:
        return [blocks[0], f":::note\n{blocks[1]}\n:::", *blocks[2:]]
    if article_id == sections[1] and locale == "ru":
        return [*blocks[:-1], f":::tip[Для администраторов]\n{blocks[-1]}\n:::"]
    if article_id == sections[1]:
        return [*blocks[:-1], f":::tip\n{blocks[-1]}\n:::"]
    if article_id == sections[2] and locale == "bg":
        return [*blocks[:-1], f":::warning\n{blocks[-1]}"]
    return blocks


def lay_out_docusaurus(root: Path) -> Site:
    """A Docusaurus site of ~20 help articles in Russian (default) and Bulgarian."""
    site = Site(root)
    site.write("docusaurus.config.js", DOCUSAURUS_CONFIG)
    texts = {"ru": alchemy_articles("ru-RU"), "bg": alchemy_articles("bg-BG")}
    number = 0
    for section, ids in docusaurus_sections().items():
        if section in LABELS:
            category = {"label": LABELS[section], "position": len(site.pages) + 1}
            site.write(f"docs/{section}/_category_.json", json.dumps(category, indent=2))
        for position, article_id in enumerate(ids):
            for locale, articles in texts.items():
                article = articles[article_id]
                blocks = _admonitions(article_id, locale, paragraphs(article))
                if article_id == "microsoft-defender-for-endpoint-advisor":
                    other = articles["products-and-services"].heading
                    blocks.append(f"[{other}](../billing/products-and-services.md#top)")
                folder = "docs" if locale == "ru" else BG_DOCS
                extra = locale == "ru" and number % 3 == 0
                page = _docusaurus_page(article, position, blocks, extra=extra)
                site.write(f"{folder}/{section}/{article_id}.md", page, locale)
            number += 1
    site.write(f"{BG_DOCS}/general/_category_.json", '{"label": "Общи въпроси"}')
    site.write("docs/overview.mdx", _overview(texts["ru"]), "ru")
    return site


def _overview(articles: dict[str, Article]) -> str:
    """An MDX page: imports, a link to a place in the page, and tabs of tables of links whose
    text is code (each article's id)."""
    lines = [
        "---",
        "sidebar_position: 0",
        "---",
        "import Tabs from '@theme/Tabs';",
        "import TabItem from '@theme/TabItem';",
        "",
        "# Статьи",
        "",
        "[Разделы](#разделы)",
        "",
        "## Разделы",
        "",
        "<Tabs>",
    ]
    for section, ids in docusaurus_sections().items():
        lines += [f'<TabItem value="{section}" label="{LABELS.get(section, section)}">', ""]
        lines += ["| Статья | Заголовок |", "| --- | --- |"]
        lines += [f"| [`{i}`]({section}/{i}.md) | {articles[i].heading} |" for i in ids]
        lines += ["", "</TabItem>"]
    return "\n".join([*lines, "</Tabs>", ""])


def hugo_entries() -> dict[str, tuple[FaqEntry, ...]]:
    """The FAQ entries of the Hugo site by folder: the first four (by id) of the three largest
    categories."""
    entries = covid_faq()
    sizes: dict[str, int] = {}
    for entry in entries:
        sizes[entry.category] = sizes.get(entry.category, 0) + 1
    largest = sorted(sizes, key=lambda c: (-sizes[c], c))[:3]
    return {
        re.sub(r"[^a-z0-9]+", "-", category.lower()): tuple(
            sorted((e for e in entries if e.category == category), key=lambda e: e.faq_id)[:4]
        )
        for category in largest
    }


def _hugo_body(entry: FaqEntry, number: int) -> str:
    """An entry's answer with one Hugo feature per page number."""
    body = entry.answer_original or entry.answer
    blocks = [b.strip() for b in body.split("\n\n") if b.strip()]
    first = blocks[0]
    features = {
        0: lambda: ["{{% notice note %}}\n" + "\n\n".join(blocks) + "\n{{% /notice %}}"],
        2: lambda: ["{{< toc >}}", *blocks[:-1], f"{NOTICE_WARNING}\n{blocks[-1]}\n{NOTICE_END}"],
        4: lambda: [TABS, *blocks, "{{< /tab >}}\n{{< /tabs >}}"],
        5: lambda: [
            *blocks,
            f"{MERMAID}\ngraph LR;\n  A[{entry.category}] --> B[{entry.faq_id}]\n{MERMAID_END}",
        ],
        6: lambda: [*blocks, f"<pre>\n  {first}\n</pre>"],
        7: lambda: [
            *blocks,
            f'{{{{% button href="{FAQ_SOURCE}" %}}}}covid-faq{{{{% /button %}}}}',
        ],
        8: lambda: [
            *blocks,
            f"```\n{{{{%/* notice note */%}}}}\n{first}\n{{{{%/* /notice */%}}}}\n```",
        ],
    }
    return "\n\n".join(features[number]() if number in features else blocks) + "\n"


def _hugo_page(entry: FaqEntry, position: int, number: int) -> str:
    """A question's page: TOML front matter on even pages (with `lastmod`), YAML on odd ones;
    `draft` on the second; a `description` (the short answer) when the long one is the body."""
    fields = {"title": _quoted(entry.question), "weight": str(position + 1)}
    fields["tags"] = f"[{_quoted(entry.category)}]"
    if entry.answer_original:
        fields["description"] = _quoted(" ".join(entry.answer.split()))
    if number == 1:
        fields["draft"] = "true"
    body = _hugo_body(entry, number)
    if number % 2 == 0:
        lines = [f"{k} = {v}" for k, v in fields.items()] + [f"lastmod = {LASTMOD}"]
        return "+++\n" + "\n".join(lines) + "\n+++\n" + body
    return "---\n" + "\n".join(f"{k}: {v}" for k, v in fields.items()) + "\n---\n" + body


def lay_out_hugo(root: Path) -> Site:
    """A Hugo site: a home page linking the sections and questions with relref, a section page
    per FAQ category, a page per question; a help article in Russian and Bulgarian."""
    site = Site(root)
    site.write("config.toml", HUGO_CONFIG)
    folders = hugo_entries()
    first = next(iter(folders.values()))[0]
    home = [
        "---",
        'title: "COVID-19 vaccine questions"',
        "---",
        f"{{{{% notice tip %}}}}{first.question} [{first.faq_id}]({{{{% relref "
        f'"{next(iter(folders))}/{first.faq_id}.md" %}}}})',
        "{{% /notice %}}",
        "",
    ]
    number = 0
    for weight, (folder, entries) in enumerate(folders.items(), 1):
        home.append(f'* [{entries[0].category}]({{{{% relref "{folder}/_index.md" %}}}})')
        section = [f"+++\ntitle = {_quoted(entries[0].category.capitalize())}\nweight = {weight}"]
        section += ["+++", ""]
        for position, entry in enumerate(entries):
            site.write(
                f"content/{folder}/{entry.faq_id}.md", _hugo_page(entry, position, number), "en"
            )
            section.append(f'* [{entry.question}]({{{{< relref "{folder}/{entry.faq_id}.md" >}}}})')
            number += 1
        site.write(f"content/{folder}/_index.en.md", "\n".join(section) + "\n", "en")
    site.write("content/_index.md", "\n".join(home) + "\n", "en")
    article = docusaurus_sections()["general"][0]
    for locale, language in (("ru-RU", "ru"), ("bg-BG", "bg")):
        text = alchemy_articles(locale)[article]
        page = f"---\ntitle: {_quoted(text.heading)}\n---\n" + "\n\n".join(paragraphs(text)) + "\n"
        site.write(f"content/office/{article}.{language}.md", page, language)
    site.write(
        "content/office/_index.ru.md", "---\ntitle: Office\n---\nСправка Microsoft 365.\n", "ru"
    )
    return site
