"""Read a web page, or a saved folder of pages, with an FAQ: one unit per question and answer.

How a page's pairs are found (JSON-LD, microdata, details/summary, question headings and `<dl>`
lists, in that order) is importers/html_faq_parse.py. Each pair becomes a unit:
- title and only example question: the question; body: the answer's HTML as Markdown
  (importers/html_markdown.py drops scripts and anything else unsafe);
- id: a slug of the question (Cyrillic transliterated), deduplicated with -2, -3 in page order;
- locale: the page's `<html lang>` reduced to its language (`en-US` -> `en`, as the content
  folder writes locales), or `default_locale` when the page says none or names the same language
  (so `pt-BR` stays `pt-BR` when that is the default);
- category: a slug of the section heading the question stands under (the nearest earlier heading
  that is not a question, or a `<details>` group's summary), else of the page's `<h1>` or title;
- source: `("html", "<file>#<anchor>")`, the anchor being the question's element id, else the
  unit id (not its position: inserting a question above must not shift the others), with the
  page's canonical URL (`<link rel=canonical>` or `og:url`) and its modification time
  (JSON-LD `dateModified`, `article:modified_time` or microdata `dateModified`), so importing
  the page again after an edit updates the same units.
A page with no FAQ is a warning when other pages have one and a Problem when none has. Pages over
`MAX_PAGE_BYTES` or `MAX_PAGE_TAGS` are refused (a Problem naming the file): an FAQ page is far
smaller, and parsing takes seconds per megabyte, more for deeply nested tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup

from importers.html_faq_parse import FaqPair, find_pairs, text_of
from importers.html_markdown import html_to_markdown
from importers.ids import slugify
from kb.content.document import UnitDocument, UnitSource, validate_locale, validate_slug
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["FORMAT", "MAX_PAGE_BYTES", "MAX_PAGE_TAGS", "SUFFIXES", "looks_like", "read"]

FORMAT = "html"
#: File names read as pages.
SUFFIXES = (".html", ".htm")
#: The largest page read: 5 MiB (a real FAQ page, scripts and styles included, is under 1 MiB).
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: The most tags (counted as "<") a page may have: 5,000 questions take about 20,000, and
#: parsing 100,000 nested ones takes seconds, so a hostile page cannot take minutes.
MAX_PAGE_TAGS = 100_000
#: Longest id made from a question, cut at a hyphen: ids stay readable in URLs and file names.
_MAX_ID = 80


def looks_like(path: Path) -> bool:
    """True for an .html/.htm file, or a folder with such a file at its top and no Markdown
    there (a docs site's sources); only the top level is looked at, and only until a .md."""
    if path.is_file():
        return path.suffix.lower() in SUFFIXES
    if not path.is_dir():
        return False
    pages = False
    for child in path.iterdir():
        suffix = child.suffix.lower()
        if suffix == ".md":
            return False
        pages = pages or (suffix in SUFFIXES and child.is_file())
    return pages


def page_files(path: Path) -> list[Path]:
    """The pages to read: `path` itself, or the .html/.htm files under it (sorted; hidden and
    `_`-prefixed folders skipped)."""
    if path.is_file():
        return [path]
    return sorted(
        file
        for file in path.rglob("*")
        if file.suffix.lower() in SUFFIXES
        and file.is_file()
        and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts[:-1])
    )


@dataclass
class _Batch:
    """What the read so far has: units, problems, warnings and the ids and sources given out."""

    default_locale: str
    units: list[SourcedUnit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    ids: set[tuple[str, str]] = field(default_factory=set)
    sources: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class _Page:
    """A parsed page's facts that every unit from it shares."""

    name: str
    locale: str
    title: str | None
    url: str | None
    updated_at: str | None


def read(
    path: Path,
    *,
    default_locale: str,
    channels: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Read the page or folder of pages at `path`; raise InvalidContent listing every problem."""
    del channels  # units from a page are for every channel
    path = Path(path)
    if not path.exists():
        raise InvalidContent([Problem("does not exist", str(path))])
    files = page_files(path)
    if not files:
        raise InvalidContent([Problem("no .html or .htm pages found", str(path))])
    batch = _Batch(default_locale)
    empty: list[Problem] = []
    for file in files:
        name = file.name if file == path else file.relative_to(path).as_posix()
        found = _read_page(file, name, batch)
        if found == 0:
            empty.append(Problem("no FAQ found on this page", str(file)))
        if progress:
            progress(1)
    if not batch.units and not batch.problems:
        batch.problems.extend(empty)
        batch.problems.extend(batch.warnings)
    if batch.problems:
        raise InvalidContent(batch.problems)
    return ContentBatch(units=batch.units, warnings=batch.warnings + empty)


def _read_page(file: Path, name: str, batch: _Batch) -> int | None:
    """Add the units of one page to `batch`; their number, or None when the page is refused."""
    source = str(file)
    try:
        size = file.stat().st_size
        if size > MAX_PAGE_BYTES:
            batch.problems.append(
                Problem(
                    f"the page is {size:,} bytes; pages over {MAX_PAGE_BYTES:,} are not read "
                    "(save the FAQ page without its images, or split it)",
                    source,
                )
            )
            return None
        data = file.read_bytes()
    except OSError as exc:
        batch.problems.append(Problem(f"cannot read: {exc.strerror}", source))
        return None
    if (tags := data.count(b"<")) > MAX_PAGE_TAGS:
        message = f"the page has {tags:,} tags; pages with over {MAX_PAGE_TAGS:,} are not read"
        batch.problems.append(Problem(message, source))
        return None
    # Bytes, so that BeautifulSoup honours the page's own <meta charset> as a browser would.
    soup = BeautifulSoup(data, "html.parser")
    faq = find_pairs(soup)
    batch.warnings.extend(Problem(message, source, line) for message, line in faq.notes)
    page = _page_facts(soup, name, batch.default_locale)
    for index, pair in enumerate(faq.pairs, start=1):
        _add_unit(pair, index, page, source, batch)
    return len(faq.pairs)


def _page_facts(soup: BeautifulSoup, name: str, default_locale: str) -> _Page:
    """The page's locale, title, canonical URL and modification time."""
    html = soup.find("html")
    lang = ""
    if html is not None:
        lang = str(html.get("lang") or html.get("xml:lang") or "")
    heading = soup.find("h1")
    title = text_of(heading) if heading is not None else ""
    if not title and soup.title is not None:
        title = text_of(soup.title)
    return _Page(
        name=name,
        locale=page_locale(lang, default_locale),
        title=title or None,
        url=_canonical_url(soup),
        updated_at=_modified(soup),
    )


def page_locale(lang: str, default_locale: str) -> str:
    """Our locale for a page's `lang`: its language alone, or `default_locale` when the page
    names none, an invalid one, or the default's own language."""
    language = lang.strip().replace("_", "-").split("-")[0].lower()
    if not language or validate_locale(language) is not None:
        return default_locale
    if default_locale.split("-")[0].lower() == language:
        return default_locale
    return language


def _canonical_url(soup: BeautifulSoup) -> str | None:
    """`<link rel=canonical href>`, else `<meta property=og:url content>`, if http(s)."""
    for tag, attribute in (
        (soup.find("link", rel=lambda v: v is not None and "canonical" in v), "href"),
        (soup.find("meta", attrs={"property": "og:url"}), "content"),
    ):
        value = str(tag.get(attribute) or "").strip() if tag is not None else ""
        if value.startswith(("http://", "https://")):
            return value
    return None


def _modified(soup: BeautifulSoup) -> str | None:
    """When the page says it was last changed: JSON-LD, Open Graph or microdata, as written."""
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        match = re.search(r'"dateModified"\s*:\s*("(?:[^"\\]|\\.)*")', script.string or "")
        if match:
            try:
                return str(json.loads(match.group(1))).strip() or None
            except json.JSONDecodeError:
                continue
    for attrs in ({"property": "article:modified_time"}, {"itemprop": "dateModified"}):
        tag = soup.find(["meta", "time"], attrs=attrs)
        if tag is not None:
            value = str(tag.get("content") or tag.get("datetime") or text_of(tag)).strip()
            if value:
                return value
    return None


def _add_unit(pair: FaqPair, index: int, page: _Page, source: str, batch: _Batch) -> None:
    """Turn one pair into a unit in `batch`, or note why it cannot be one."""
    where = f"{source} (question {index}: {pair.question[:80]!r})"
    try:
        body = html_to_markdown(pair.answer_html, source=where, base_url=page.url)
    except InvalidContent as exc:
        batch.problems.extend(exc.problems)
        return
    if not body.strip():
        batch.warnings.append(
            Problem(
                f"question {index} ({pair.question[:80]!r}) has no answer text; skipped", source
            )
        )
        return
    slug = slugify(pair.question, locale=page.locale, limit=_MAX_ID) or f"question-{index}"
    unit_id = _unique(slug, page.locale, batch.ids)
    anchor = pair.anchor if pair.anchor and not pair.anchor.isspace() else unit_id
    source_id = f"{page.name}#{anchor}"
    if (source_id, page.locale) in batch.sources:
        source_id = f"{page.name}#{unit_id}"
    batch.sources.add((source_id, page.locale))
    url = f"{page.url.split('#')[0]}#{pair.anchor}" if page.url and pair.anchor else page.url
    category = slugify(pair.section or page.title or "", locale=page.locale, limit=60) or None
    document = UnitDocument(
        id=unit_id,
        locale=page.locale,
        title=pair.question,
        body=body,
        questions=(pair.question,),
        category=category,
        source=UnitSource("html", source_id, url, page.updated_at),
    )
    batch.units.append(SourcedUnit(document))


def _unique(slug: str, locale: str, taken: set[tuple[str, str]]) -> str:
    """`slug`, or `slug-2`, `slug-3`... the first not yet taken in `locale`; claimed on return."""
    candidate, number = slug, 1
    while (candidate, locale) in taken or validate_slug(candidate) is not None:
        number += 1
        candidate = f"{slug[: _MAX_ID - 4].rstrip('-')}-{number}"
    taken.add((candidate, locale))
    return candidate
