"""Read a Zendesk Help Center export: its articles (and their translations) become units.

The export is the JSON of the Help Center API, one file or a folder of pages (articles*.json,
sections*.json, categories*.json, translations*.json; see importers/zendesk_export.py). What
becomes what, and why:

- One article is one unit; each locale it is in (an article listed per locale, a translation)
  is the unit in that locale, so translations share the unit's id.
- Unit id: the slug of the article's title in its `source_locale` (else its first locale
  read), `-2`, `-3` for later articles with the same slug, `article-ID` when the title has no
  Latin letters or digits; a newer export finds its units by source, whatever their titles.
- Locale: `en-us` -> `en`, `pt-br` -> `pt-BR`; a region equal to the language (`fr-fr`) or a
  numeric one (`es-419`) is dropped.
- `category`: the slug of the article's section name (the topic a reader browses: Zendesk's
  categories are usually broad, "FAQ" or "Getting started"); when sections of different Zendesk
  categories share a name ("General" in both "Billing" and "Shipping") each becomes
  `<category>-<section>`. The name is the section's in the article's source locale, so every
  locale of a unit has the same category. An export without sections gives no categories (a
  warning says so).
- `tags`: `label_names`, slugified; `promoted: true` adds the tag `promoted` (a unit has no
  other place for "featured"). `draft: true` (per locale) gives a draft unit, never published.
- `audience`: an article visible only to a user segment (`user_segment_id` set) may be for
  agents only, which the export does not say: it becomes `internal`, with a warning, so no
  restricted article reaches a customer channel by import.
- Body: the HTML through `html_to_markdown` (unsafe content dropped, relative links resolved
  against `html_url`); an article whose body has no text left gets a link to it, with a warning.
- Links to another article of the export (`.../hc/<locale>/articles/<id>-<title>`) become
  `unit:` links, so every channel links (or speaks) them as it does other units.
- `source`: `UnitSource("zendesk", article id, html_url, updated_at)`.

Validation is all or nothing: broken JSON names its file, line and column; an article without
id, title or body names its file, position and id; every problem is reported at once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importers.html_markdown import html_to_markdown
from importers.ids import slugify
from importers.zendesk_export import Export, Item, load_export, looks_like_page
from importers.zendesk_export import text_id as _id
from kb.content.document import UnitDocument, UnitSource, validate_locale
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["FORMAT", "looks_like", "read", "zendesk_locale"]

FORMAT = "zendesk"

_MAX_ID = 200
#: A Markdown link to a Help Center article: group 1 is the article id.
_ARTICLE_LINK = re.compile(
    r"\]\((?:https?://[^\s()]*)?/hc/(?:[A-Za-z-]+/)?articles/(\d+)[^\s()]*\)"
)
_MAX_CATEGORY = 100


def looks_like(path: Path) -> bool:
    """A JSON file, or a folder of them, that reads like a Help Center API page."""
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() == ".json" and looks_like_page(path)
    if not path.is_dir():
        return False
    near = itertools.chain(path.glob("*.json"), path.glob("*/*.json"))  # lazily: no deep walk
    return any(looks_like_page(file) for file in itertools.islice(near, 10))


def zendesk_locale(value: str) -> str:
    """Our locale for a Zendesk one: `en-us` -> `en`, `pt-br` -> `pt-BR`, `fr-fr` -> `fr`."""
    parts = value.strip().replace("_", "-").split("-")
    language = parts[0].lower()
    if len(parts) < 2:
        return language
    region = parts[1]
    if region.lower() == language or (language, region.lower()) == ("en", "us"):
        return language
    if len(region) == 2 and region.isalpha():
        return f"{language}-{region.upper()}"
    return language


def slug(text: str, limit: int = _MAX_ID, locale: str = "") -> str:
    """A slug of `text` (Cyrillic transliterated, accents dropped), at most `limit` long."""
    return slugify(text, locale=locale, limit=limit)


@dataclass(frozen=True)
class _Version:
    """One article in one locale, as read: from an articles page or a translation."""

    item: Item
    article_id: str
    locale: str
    title: str
    body: str


def read(
    path: Path,
    *,
    default_locale: str,
    channels: tuple[str, ...],
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Read the export at `path`; raise InvalidContent naming every bad file and item."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    export = load_export(Path(path), problems)
    versions = _versions(export, default_locale, problems)
    meta = _article_meta(export)
    ids = _unit_ids(versions, meta)
    categories = _Categories(export, meta, warnings, str(path))
    units: list[SourcedUnit] = []
    restricted = 0
    for version in versions:
        article = meta.get(version.article_id, {})
        document = _document(version, article, ids, categories, problems)
        if document is not None:
            units.append(SourcedUnit(document))
            restricted += document.audience == "internal"
        if progress:
            progress(1)
    if not versions and not problems:
        problems.append(Problem("the export has no articles", str(path)))
    if problems:
        raise InvalidContent(problems)
    if restricted:
        warnings.append(
            Problem(
                f"{restricted} article versions are visible only to a user segment in Zendesk: "
                "imported as internal (staff only); make public the ones customers may read",
                str(path),
            )
        )
    warnings.extend(_empty_body_warnings(units))
    return ContentBatch(units=units, warnings=warnings)


def _versions(export: Export, default_locale: str, problems: list[Problem]) -> list[_Version]:
    """Every (article, locale) of the export, checked; a repeat that differs is a problem."""
    seen: dict[tuple[str, str], _Version] = {}
    versions: list[_Version] = []
    for item in [*export.articles, *export.translations]:
        version = _version(item, default_locale, problems)
        if version is None:
            continue
        key = (version.article_id, version.locale)
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = version
            versions.append(version)
        elif (earlier.title, earlier.body) != (version.title, version.body):
            problems.append(
                Problem(
                    f"{item.where}: article {version.article_id} ({version.locale}) again, "
                    f"with another title or body than {earlier.item.where} of {earlier.item.file}",
                    item.file,
                )
            )
    return versions


def _version(item: Item, default_locale: str, problems: list[Problem]) -> _Version | None:
    """The article in one locale that `item` holds, or None with its problems appended."""
    data = item.data
    article_id = item.article_id if item.kind == "translation" else _id(data.get("id"))
    missing = []
    if article_id in (None, "?"):
        missing.append("id" if item.kind == "article" else "source_id")
    title = data.get("title") if data.get("title") is not None else data.get("name")
    if not isinstance(title, str) or not title.strip():
        missing.append("title")
    body = data.get("body")
    if not isinstance(body, str):
        missing.append("body")
    raw_locale = data.get("locale") or default_locale
    locale = zendesk_locale(raw_locale) if isinstance(raw_locale, str) else ""
    if validate_locale(locale):
        message = f"{item.where}: locale {raw_locale!r} is not a language code"
        problems.append(Problem(message, item.file))
        return None
    if missing:
        problems.append(Problem(f"{item.where}: has no {' or '.join(missing)}", item.file))
        return None
    assert article_id is not None and isinstance(title, str) and isinstance(body, str)
    return _Version(item, article_id, locale, " ".join(title.split()), body)


def _article_meta(export: Export) -> dict[str, dict[str, Any]]:
    """Per article id, its first listing (section, labels, promoted, source locale...)."""
    meta: dict[str, dict[str, Any]] = {}
    for item in export.articles:
        article_id = _id(item.data.get("id"))
        if article_id is not None:
            meta.setdefault(article_id, item.data)
    return meta


def _unit_ids(versions: list[_Version], meta: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Per article id, its unit id: the slug of its source-locale title, deduplicated."""
    first: dict[str, _Version] = {}
    in_source: dict[str, _Version] = {}
    for version in versions:
        first.setdefault(version.article_id, version)
        source_locale = meta.get(version.article_id, {}).get("source_locale")
        if isinstance(source_locale, str) and zendesk_locale(source_locale) == version.locale:
            in_source.setdefault(version.article_id, version)
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for article_id, version in first.items():
        named = in_source.get(article_id, version)
        base = slug(named.title, locale=named.locale) or f"article-{slug(article_id) or 'x'}"
        unit_id, number = base, 1
        while unit_id in taken:
            number += 1
            suffix = f"-{number}"
            unit_id = base[: _MAX_ID - len(suffix)].rstrip("-") + suffix
        taken.add(unit_id)
        ids[article_id] = unit_id
    return ids


class _Categories:
    """Our category for each article: its section's slug, qualified by the Zendesk category
    where sections of different categories share a slug."""

    def __init__(
        self,
        export: Export,
        meta: dict[str, dict[str, Any]],
        warnings: list[Problem],
        source: str,
    ) -> None:
        """Work out every section's category slug once, for the whole export."""
        self._sections = dict(export.sections)
        for article in meta.values():  # a section embedded in an article (some exports)
            embedded = article.get("section")
            if isinstance(embedded, dict) and _id(embedded.get("id")):
                self._sections.setdefault(str(_id(embedded.get("id"))), [embedded])
        self._categories = dict(export.categories)
        for article in meta.values():
            embedded = article.get("category")
            if isinstance(embedded, dict) and _id(embedded.get("id")):
                self._categories.setdefault(str(_id(embedded.get("id"))), [embedded])
        self._slugs = self._section_slugs()
        wanted = {_id(a.get("section_id")) for a in meta.values()} - {None}
        unknown = sorted(str(s) for s in wanted if s not in self._slugs)
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            warnings.append(
                Problem(
                    f"{len(unknown)} sections are not in the export ({shown}): their articles "
                    "get no category; export sections*.json too",
                    source,
                )
            )

    def _section_slugs(self) -> dict[str, str]:
        """Section id -> category slug."""
        plain = {sid: _place_slug(v, f"section-{sid}") for sid, v in self._sections.items()}
        parents: dict[str, set[str | None]] = {}
        for sid, value in plain.items():
            parents.setdefault(value, set()).add(_id(self._sections[sid][0].get("category_id")))
        slugs = {}
        for sid, value in plain.items():
            parent = _id(self._sections[sid][0].get("category_id"))
            if len(parents[value]) > 1 and parent in self._categories:
                prefix = _place_slug(self._categories[parent], f"category-{parent}")
                value = slug(f"{prefix}-{value}", _MAX_CATEGORY)
            slugs[sid] = value
        return slugs

    def of(self, article: dict[str, Any]) -> str | None:
        """The category slug of `article`, or None when its section is not in the export."""
        section_id = _id(article.get("section_id"))
        return self._slugs.get(section_id) if section_id is not None else None


def _place_slug(variants: list[dict[str, Any]], fallback: str) -> str:
    """The slug of a section's or category's name in its source locale (else any, sorted)."""
    ordered = sorted(
        variants,
        key=lambda v: (v.get("locale") != v.get("source_locale"), str(v.get("locale", ""))),
    )
    for variant in ordered:
        name = variant.get("name")
        value = (
            slug(name, _MAX_CATEGORY, str(variant.get("locale", "")))
            if isinstance(name, str)
            else ""
        )
        if value:
            return value
    return fallback


def _document(
    version: _Version,
    article: dict[str, Any],
    ids: dict[str, str],
    categories: _Categories,
    problems: list[Problem],
) -> UnitDocument | None:
    """The unit for one article in one locale, or None with its problems appended."""
    item = version.item
    url = item.data.get("html_url") or article.get("html_url")
    url = url if isinstance(url, str) and url.strip() else None
    try:
        body = html_to_markdown(version.body, source=f"{item.file}: {item.where}", base_url=url)
    except InvalidContent as exc:
        problems.extend(exc.problems)
        return None
    body = _ARTICLE_LINK.sub(lambda m: f"](unit:{ids[m[1]]})" if m[1] in ids else m[0], body)
    if not body.strip():
        body = f"[Read this article in the help center]({url})" if url else "(no text)"
    labels = article.get("label_names") if isinstance(article.get("label_names"), list) else []
    tags = [slug(str(label), 100, version.locale) for label in labels]
    tags = list(dict.fromkeys(tag for tag in tags if tag))
    if article.get("promoted") is True and "promoted" not in tags:
        tags.append("promoted")
    updated = item.data.get("updated_at") or article.get("updated_at")
    return UnitDocument(
        id=ids[version.article_id],
        locale=version.locale,
        title=version.title,
        body=body,
        category=categories.of(article),
        tags=tuple(tags),
        audience="internal" if article.get("user_segment_id") is not None else "public",
        draft=item.data.get("draft") is True,
        source=UnitSource(
            "zendesk", version.article_id, url, str(updated) if updated is not None else None
        ),
    )


def _empty_body_warnings(units: list[SourcedUnit]) -> list[Problem]:
    """One warning per unit whose article had no text left after the unsafe parts went."""
    return [
        Problem(
            f"article {u.document.source.id if u.document.source else '?'} ({u.document.locale}) "
            "has no text of its own (only media or scripts?): its body links to the article",
            u.document.id,
        )
        for u in units
        if u.document.body.startswith("[Read this article in the help center]")
        or u.document.body == "(no text)"
    ]
