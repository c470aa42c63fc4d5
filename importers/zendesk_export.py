"""The pages of a Zendesk Help Center export, read and sorted into articles, translations,
sections and categories, every bad file or item named (the zendesk importer maps them to units).

A page is the JSON of one API response: `{"articles": [...], "next_page": ..., "count": ...}`,
possibly with `sections` and `categories` side-loaded (`?include=sections,categories`) and
translations embedded in each article (`?include=translations`); `{"sections": [...]}`,
`{"categories": [...]}` and `{"translations": [...]}` pages; a single `{"article": {...}}`; or a
plain list of article objects as some backup tools write them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import Problem

__all__ = [
    "MAX_PAGE_BYTES",
    "Export",
    "Item",
    "export_files",
    "load_export",
    "looks_like_page",
    "text_id",
]

#: The largest page read (a page of 100 articles is rarely over 5 MB; bodies are capped at 2 MB).
MAX_PAGE_BYTES = 200_000_000
#: The keys that make a JSON object a Help Center page.
PAGE_KEYS = ("articles", "article", "translations", "sections", "categories")
#: Keys only Zendesk's objects have (with one of PAGE_KEYS, a page is taken for Zendesk's).
_ZENDESK_KEYS = (
    "html_url",
    "section_id",
    "source_locale",
    "permission_group_id",
    "user_segment_id",
    "source_type",
    "category_id",
)
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Item:
    """One article or translation as the export has it, and where: file and position."""

    data: dict[str, Any]
    file: str
    #: Its place in the file's list, from 1 (as a person counts).
    index: int
    #: "article", or "translation" (of the article `article_id`).
    kind: str = "article"
    article_id: str | None = None

    @property
    def where(self) -> str:
        """`article 3 (id 360001)`: how a problem names this item inside its file."""
        item_id = self.data.get("id")
        named = f"{self.kind} {self.index}" + (f" (id {item_id})" if item_id is not None else "")
        if self.kind == "translation":
            named += f" of article {self.article_id}"
        return named


@dataclass
class Export:
    """Everything the pages hold, in the order read (files in natural order)."""

    articles: list[Item] = field(default_factory=list)
    translations: list[Item] = field(default_factory=list)
    #: Section id -> the section in each locale it was listed in.
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Category id -> the category in each locale it was listed in.
    categories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _natural(path: Path) -> list[Any]:
    """Sort key putting `articles-2.json` before `articles-10.json`."""
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(str(path))]


def export_files(path: Path) -> list[Path]:
    """The JSON pages to read: `path` itself, or the .json files under it (hidden folders
    skipped), in natural order so that page 2 comes before page 10."""
    if path.is_file():
        return [path]
    return sorted(
        (
            file
            for file in path.rglob("*.json")
            if file.is_file()
            and not any(part.startswith(".") for part in file.relative_to(path).parts)
        ),
        key=_natural,
    )


def looks_like_page(path: Path) -> bool:
    """A cheap guess: the first 4 kB of a JSON file open an object with a Help Center key."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", "ignore")
    except OSError:
        return False
    start = head.lstrip("\ufeff \t\r\n")
    if not start.startswith(("{", "[")):
        return False
    return any(f'"{key}"' in head for key in PAGE_KEYS) and any(
        f'"{key}"' in head for key in _ZENDESK_KEYS
    )


def load_export(path: Path, problems: list[Problem]) -> Export:
    """Read every page under `path`; what is wrong is appended to `problems`, never raised."""
    export = Export()
    files = export_files(path)
    if not files:
        problems.append(Problem("no .json files: a Zendesk export is JSON pages", str(path)))
    for file in files:
        data = _load_json(file, problems)
        if data is not None:
            _add_page(export, data, str(file), problems)
    return export


def _load_json(file: Path, problems: list[Problem]) -> Any:
    """The parsed JSON of `file`, or None with a problem naming line and column."""
    source = str(file)
    try:
        size = file.stat().st_size
        if size > MAX_PAGE_BYTES:
            problems.append(
                Problem(f"{size:,} bytes; a page of at most {MAX_PAGE_BYTES:,} is read", source)
            )
            return None
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 text (byte {exc.start})", source))
        return None
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", source))
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (column {exc.colno})"
        problems.append(Problem(message, source, exc.lineno))
        return None
    except RecursionError:
        problems.append(Problem("not readable JSON: nested too deep", source))
        return None


def _add_page(export: Export, data: Any, file: str, problems: list[Problem]) -> None:
    """Sort one page's objects into `export`."""
    if isinstance(data, list):
        data = {"articles": data}
    if not isinstance(data, dict) or not any(key in data for key in PAGE_KEYS):
        keys = ", ".join(PAGE_KEYS)
        problems.append(Problem(f"not a Zendesk Help Center page: it has none of {keys}", file))
        return
    articles = data.get("articles", [])
    if "article" in data:
        articles = [data["article"]]
    for key, value in (("articles", articles), *((k, data.get(k, [])) for k in PAGE_KEYS[2:])):
        if not isinstance(value, list):
            problems.append(Problem(f"'{key}' must be a list", file))
    for index, article in enumerate(_as_list(articles), start=1):
        if not isinstance(article, dict):
            problems.append(Problem(f"article {index}: must be an object", file))
            continue
        export.articles.append(Item(article, file, index))
        for number, embedded in enumerate(_as_list(article.get("translations")), start=1):
            if isinstance(embedded, dict) and _is_article_translation(embedded):
                parent = text_id(article.get("id"))
                export.translations.append(
                    Item(embedded, file, number, "translation", parent or "?")
                )
    for index, translation in enumerate(_as_list(data.get("translations")), start=1):
        if not isinstance(translation, dict):
            problems.append(Problem(f"translation {index}: must be an object", file))
        elif _is_article_translation(translation):
            parent = text_id(translation.get("source_id"))
            export.translations.append(Item(translation, file, index, "translation", parent or "?"))
    _add_places(export.sections, data.get("sections"), "section", file, problems)
    _add_places(export.categories, data.get("categories"), "category", file, problems)


def _is_article_translation(data: dict[str, Any]) -> bool:
    """A translation of an article (not of a section or a category)."""
    return str(data.get("source_type", "Article")).lower() == "article"


def _add_places(
    places: dict[str, list[dict[str, Any]]],
    value: Any,
    kind: str,
    file: str,
    problems: list[Problem],
) -> None:
    """Add sections or categories (one per locale they are listed in) by their id."""
    for index, place in enumerate(_as_list(value), start=1):
        place_id = text_id(place.get("id")) if isinstance(place, dict) else None
        if place_id is None or not isinstance(place, dict):
            problems.append(Problem(f"{kind} {index}: must be an object with an id", file))
            continue
        places.setdefault(place_id, []).append(place)


def _as_list(value: Any) -> list[Any]:
    """`value` when it is a list, else nothing (its type was reported already)."""
    return value if isinstance(value, list) else []


def text_id(value: Any) -> str | None:
    """A Zendesk id (a number, or digits as text) as text, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None
