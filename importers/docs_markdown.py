"""Read a Docusaurus or Hugo docs folder: every page a unit, its translations the same unit.

Front matter: `title` (else the page's leading `# heading`, taken out of the body), `description`
(the unit's `::: summary`, which the chatbot and the IVR say first), `tags` and `keywords`
(tags, as slugs), `slug` or `id` (the unit id when it is a slug, else the page's path as one),
`draft: true` (a draft unit), `last_update`/`lastmod` (the source's `updated_at`). The folder a
page is in (its `_category_` label in Docusaurus) is its category. `sidebar_position` and
`weight` order the units in the batch and are not kept: our units have no order. Translations:
Docusaurus `i18n/<locale>/docusaurus-plugin-content-docs/current/`, Hugo `page.<lang>.md` and
per-language `contentDir`s; other pages are in the site's default locale (else the one given).
A unit's source is the default locale's page file (translations share it, as they share the
unit), with each locale's own page address.
"""

from __future__ import annotations

import os
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from importers.docs_markdown_body import convert_body
from importers.docs_markdown_site import (
    DOCUSAURUS_CONFIGS,
    HUGO_CONFIGS,
    Root,
    Site,
    locale_of,
    read_site,
)
from importers.ids import slugify
from kb.content.document import UnitDocument, validate_slug
from kb.content.unit_source import UnitSource
from kb.content.yamlsource import load_yaml
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["FORMAT", "MAX_PAGE_BYTES", "looks_like", "read"]

FORMAT = "markdown"
#: A page larger than this is refused: no help page is this long (converting 2 MB takes ~3 s).
MAX_PAGE_BYTES = 2 * 1024 * 1024
_SUFFIXES = (".md", ".mdx", ".markdown")
_INDEX_NAMES = ("_index", "index")
_CATEGORY_FILES = ("_category_.json", "_category_.yml", "_category_.yaml")
#: Files a link may lead to that are not pages: such links have no page address.
_ASSETS = frozenset(
    {
        *(".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".pdf", ".zip", ".gz"),
        *(".mp3", ".mp4", ".webm", ".txt", ".json", ".yaml", ".yml"),
    }
)
_LANG_SUFFIX = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$", re.IGNORECASE)


@dataclass
class _Page:
    """One page file: where it is, what unit and locale it is, its front matter and body."""

    file: Path
    root: Root
    #: Its path in the site without locale and suffix (`start/faq`; a folder for index pages).
    key: str
    locale: str
    index: bool
    meta: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    @property
    def folder(self) -> str:
        """The folder the page belongs to: its own for an index page, else its parent."""
        return self.key if self.index else posixpath.dirname(self.key)

    @property
    def position(self) -> float:
        """Its place among its folder's pages (`sidebar_position`, `weight`); last if none."""
        value = self.meta.get("sidebar_position", self.meta.get("weight"))
        return float(value) if isinstance(value, (int, float)) else float("inf")


def looks_like(path: Path) -> bool:
    """A Docusaurus or Hugo site (its configuration), or a docs folder of theirs: `_category_`
    files, `.mdx` pages, Hugo `_index.md` or TOML front matter. Not our own content folder,
    whose units have `id:` and `locale:` front matter."""
    path = Path(path)
    if not path.is_dir():
        return False
    home = path.parent if path.name == "docs" else path
    if any((home / name).is_file() for name in DOCUSAURUS_CONFIGS):
        return True
    if any((path / name).is_file() for name in HUGO_CONFIGS) and (path / "content").is_dir():
        return True
    ours = theirs = 0
    for count, file in enumerate(_files(path)):
        if count >= 50:
            break
        if file.name in _CATEGORY_FILES or file.suffix == ".mdx" or file.stem.startswith("_index"):
            theirs += 1
            continue
        head = _head(file)
        if head.startswith("+++") or re.search(r"^(sidebar_position|weight):", head, re.M):
            theirs += 1
        elif re.search(r"^id:", head, re.M) and re.search(r"^locale:", head, re.M):
            ours += 1
    return theirs > ours


def _head(file: Path) -> str:
    """The first 2 KB of a file as text (for guessing only)."""
    try:
        with file.open("rb") as handle:
            return handle.read(2048).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _files(root: Path) -> Iterator[Path]:
    """Page and `_category_` files under `root` in name order, skipping hidden and `_` folders
    and files (Docusaurus leaves those out; Hugo's `_index` is a page) and `node_modules`;
    lazily, so a guess can stop early."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith((".", "_")) and d != "node_modules"
        )
        for name in sorted(names):
            if name in _CATEGORY_FILES:
                yield Path(folder) / name
            elif Path(name).suffix.lower() in _SUFFIXES and (
                not name.startswith("_") or name.startswith("_index.")
            ):
                yield Path(folder) / name  # `_partial.mdx`: a fragment other pages import


def _walk(root: Path) -> list[Path]:
    """Every page and `_category_` file under `root`, sorted by path."""
    return sorted(_files(root))


def read(
    path: Path,
    *,
    default_locale: str,
    channels: tuple[str, ...] = (),
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Every page of the docs site or folder at `path` as a unit; raise InvalidContent naming
    every broken page (file and line) at once."""
    path = Path(path)
    if not path.is_dir():
        raise InvalidContent([Problem("is not a folder", str(path))])
    problems: list[Problem] = []
    site = read_site(path, default_locale, problems)
    pages: list[_Page] = []
    labels: dict[str, str] = {}
    for root in site.roots:
        for file in _walk(root.path) if root.path.is_dir() else []:
            if file.name in _CATEGORY_FILES:
                if root.main:
                    _category_label(root, file, labels, problems)
                continue
            page = _page(site, root, file, problems)
            if page is not None:
                pages.append(page)
    if not pages and not problems:
        problems.append(Problem("no pages (*.md, *.mdx) found", str(path)))
    batch = ContentBatch()
    main = _main_pages(pages)
    ids = _ids(main)
    for page in sorted(pages, key=lambda p: (p.folder, p.position, p.key, p.locale)):
        unit = _unit(site, page, (ids, main), labels, batch.warnings, problems)
        if unit is not None:
            batch.units.append(SourcedUnit(unit, None))
        if progress:
            progress(1)
    if problems:
        raise InvalidContent(problems)
    return batch


def _category_label(
    root: Root, file: Path, labels: dict[str, str], problems: list[Problem]
) -> None:
    """Remember the `label` a `_category_` file gives its folder."""
    loaded, found = load_yaml(_text(file, problems) or "", source=str(file))  # JSON is YAML
    problems.extend(found)
    data = loaded.data if loaded is not None else None
    label = data.get("label") if isinstance(data, dict) else None
    if isinstance(label, str) and slugify(label):
        labels[file.parent.relative_to(root.path).as_posix()] = slugify(label)


def _text(file: Path, problems: list[Problem]) -> str | None:
    """A file's text, or None and a problem: unreadable, binary, not UTF-8 or too large."""
    try:
        size = file.stat().st_size
        if size > MAX_PAGE_BYTES:
            limit = MAX_PAGE_BYTES // (1024 * 1024)
            problems.append(Problem(f"is {size:,} bytes; a page may have {limit} MB", str(file)))
            return None
        data = file.read_bytes()
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", str(file)))
        return None
    if b"\x00" in data:
        problems.append(Problem("is a binary file, not Markdown text", str(file), 1))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(f"not UTF-8 text (byte {exc.start})", str(file), line))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _page(site: Site, root: Root, file: Path, problems: list[Problem]) -> _Page | None:
    """Read one page file: its unit key and locale from its path, then its front matter."""
    relative = file.relative_to(root.path)
    if relative.name.lower() == "readme.md" and len(relative.parts) == 1 and site.kind == "folder":
        return None  # a repository's README beside the pages
    stem, locale = relative.stem, root.locale
    lang = stem.rsplit(".", 1)[1] if "." in stem else ""
    known = lang.lower() in site.languages if site.languages else bool(_LANG_SUFFIX.match(lang))
    if root.locale is None and known:
        stem, locale = stem.rsplit(".", 1)[0], locale_of(lang)
    index = stem in _INDEX_NAMES or stem.lower() == "readme"
    parent = relative.parent.as_posix().strip(".")
    key = parent if index else posixpath.join(parent, stem)
    page = _Page(file, root, key or "index", locale or site.default_locale, index)
    text = _text(file, problems)
    if text is None or not _front_matter(page, text, problems):
        return None
    return page


def _front_matter(page: _Page, text: str, problems: list[Problem]) -> bool:
    """Split `text` into front matter (YAML `---` or TOML `+++`) and body; False if broken."""
    lines = text.split("\n")
    fence = lines[0].strip()
    source = str(page.file)
    if fence not in ("---", "+++"):
        page.body = text
        return True
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == fence), None)
    if end is None:
        problems.append(Problem(f"the front matter is not closed: add a line '{fence}'", source, 1))
        return False
    header = "\n".join(lines[1:end])
    page.body, page.body_line = "\n".join(lines[end + 1 :]), end + 2
    if fence == "+++":
        try:
            data: Any = tomllib.loads(header)
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"line (\d+)", str(exc))
            line = int(at.group(1)) + 1 if at else 1
            problems.append(Problem(f"invalid TOML front matter: {exc}", source, line))
            return False
        keys = (re.match(r"\s*([\w-]+)\s*=", ln) for ln in lines[1:end])
        page.lines = {m.group(1): i + 2 for i, m in enumerate(keys) if m}
    else:
        loaded, found = load_yaml(header, source=source, line_offset=1)
        problems.extend(p for p in found if "given twice" not in p.message)
        if loaded is None:
            return False
        data = loaded.data if loaded.data is not None else {}
        page.lines = {k[0]: v for k, v in loaded.key_lines.items() if len(k) == 1}
    if not isinstance(data, dict):
        problems.append(Problem("the front matter must be a mapping of key: value", source, 2))
        return False
    page.meta = {str(k): v for k, v in data.items()}
    return True


def _main_pages(pages: list[_Page]) -> dict[str, _Page]:
    """The page that names each unit: the default locale's, else the first translation."""
    by_key: dict[str, _Page] = {}
    for page in sorted(pages, key=lambda p: (not p.root.main, p.key, p.locale)):
        by_key.setdefault(page.key, page)
    return by_key


def _ids(by_key: dict[str, _Page]) -> dict[str, str]:
    """The unit id of each page key: its main page's `slug` or `id` when one is a slug, else
    the key as a slug; made unique with -2, -3 in key order. Translations share it."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(by_key):
        meta = by_key[key].meta
        wanted = next(
            (
                str(v).strip("/")
                for v in (meta.get("slug"), meta.get("id"))
                if isinstance(v, str) and validate_slug(v.strip("/")) is None
            ),
            slugify(key.replace("/", " ")) or "page",
        )
        unit_id, number = wanted, 2
        while unit_id in taken:
            suffix = f"-{number}"
            unit_id, number = wanted[: 200 - len(suffix)].rstrip("-") + suffix, number + 1
        taken.add(unit_id)
        ids[key] = unit_id
    return ids


def _single_line(page: _Page, key: str, problems: list[Problem]) -> str | None:
    """A front-matter value that must be one line of text (a number is written as text)."""
    value = page.meta.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (dict, list)):
        problems.append(
            Problem("must be a single line of text", str(page.file), page.lines.get(key), key)
        )
        return None
    text = " ".join(str(value).split())
    return text or None


def _tags(page: _Page, warnings: list[Problem]) -> tuple[str, ...]:
    """`tags` and `keywords` as slugs (Docusaurus tags may be `{label: ...}` mappings)."""
    found: list[str] = []
    for key in ("tags", "keywords"):
        value = page.meta.get(key)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for item in items:
            label = item.get("label") if isinstance(item, dict) else item
            tag = slugify(str(label)) if isinstance(label, (str, int)) else ""
            if tag and tag not in found:
                found.append(tag)
            elif not tag:
                message = f"the tag {label!r} has no letters or digits to make a slug; left out"
                warnings.append(Problem(message, str(page.file), page.lines.get(key), key))
    return tuple(found)


def _updated_at(page: _Page) -> str | None:
    """When the page says it last changed: Docusaurus `last_update`, Hugo `lastmod`."""
    value = page.meta.get("last_update", page.meta.get("lastmod"))
    if isinstance(value, dict):
        value = value.get("date")
    if isinstance(value, (datetime, date)):
        return value.isoformat().replace("+00:00", "Z")
    return str(value).strip() or None if isinstance(value, (str, int)) else None


def _unit(
    site: Site,
    page: _Page,
    names: tuple[dict[str, str], dict[str, _Page]],
    labels: dict[str, str],
    warnings: list[Problem],
    problems: list[Problem],
) -> UnitDocument | None:
    """The unit a page makes, or None (with a warning) when it has no text. Its source id is
    the main page's path, the same for every translation (the silo item is the page)."""
    ids, main = names
    source = str(page.file)
    mdx = site.kind == "docusaurus" or page.file.suffix == ".mdx"
    title = _single_line(page, "title", problems)
    converted = convert_body(
        page.body,
        first_line=page.body_line,
        resolve=_resolver(site, page, ids),
        mdx=mdx,
        take_title=title is None,
        locale=page.locale,
    )
    warnings.extend(Problem(message, source, line) for line, message in converted.warnings)
    title = (
        title
        or converted.title
        or _single_line(page, "sidebar_label", problems)
        or _single_line(page, "linkTitle", problems)
        or page.file.stem.split(".")[0].replace("_", " ").replace("-", " ").strip().capitalize()
    )
    body = converted.body
    description = _single_line(page, "description", problems)
    if description:
        body = f"::: summary\n{description}\n:::\n\n{body.lstrip()}"
    if not body.strip():
        warnings.append(Problem("the page has no text; it is not imported", source, 1))
        return None
    folder = page.folder if page.folder != "index" else ""
    category = labels.get(folder) or slugify(posixpath.basename(folder)) or None
    route = page.meta.get("slug") if isinstance(page.meta.get("slug"), str) else page.key
    return UnitDocument(
        id=ids[page.key],
        locale=page.locale,
        title=title,
        body=body,
        category=category,
        tags=_tags(page, warnings),
        draft=page.meta.get("draft") is True,
        source=UnitSource(
            system=FORMAT,
            id=main[page.key].file.relative_to(site.home).as_posix(),
            url=site.page_url(str(route) if page.key != "index" else "", page.locale),
            updated_at=_updated_at(page),
        ),
    )


def _resolver(site: Site, page: _Page, ids: dict[str, str]) -> Callable[[str], str | None]:
    """Turn a link target written in `page` into `unit:<id>`, a page URL, or None."""

    def key_of(path: str) -> str:
        """The page key a path in the site names (suffix, locale and index name dropped)."""
        path = path.strip("/")
        name = posixpath.basename(path)
        for suffix in _SUFFIXES:
            name = name.removesuffix(suffix)
        if "." in name and name.rsplit(".", 1)[1].lower() in site.languages:
            name = name.rsplit(".", 1)[0]
        if name.lower() in (*_INDEX_NAMES, "readme"):
            name = ""
        return posixpath.join(posixpath.dirname(path), name).strip("/") or "index"

    @lru_cache(maxsize=1024)
    def resolve(target: str) -> str | None:
        """`unit:<id>` of an imported page, else the page's address on the site, else None."""
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            return None
        here = posixpath.dirname(page.file.relative_to(page.root.path).as_posix())
        candidates = [posixpath.normpath(posixpath.join(here, path))]
        if path.startswith("/"):
            rooted = path.removeprefix(site.base_path.rstrip("/")).strip("/")
            first, _, rest = rooted.partition("/")
            candidates = [rooted, rest] if first.lower() in site.languages else [rooted]
        elif site.kind == "hugo":
            candidates.append(posixpath.normpath(path))  # Hugo's ref: from the content root
        for candidate in candidates:
            if not candidate.startswith(".."):
                unit_id = ids.get(key_of(candidate))
                if unit_id is not None:
                    return f"unit:{unit_id}"
        suffix = posixpath.splitext(path)[1].lower()
        if path.startswith("/") and not f"{path.rstrip('/')}/".startswith(site.base_path):
            return site.root_url(path, page.locale) if suffix not in _ASSETS else None
        if suffix not in _ASSETS and not candidates[0].startswith(".."):
            return site.page_url(key_of(candidates[0]), page.locale)
        return None

    return resolve
