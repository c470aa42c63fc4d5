"""What a Docusaurus or Hugo site says about its pages: where the docs of each locale are, the
site's default locale and its address (for page URLs), read from its configuration."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kb.content.document import validate_locale
from kb.errors import Problem

__all__ = [
    "DOCUSAURUS_CONFIGS",
    "HUGO_CONFIGS",
    "Root",
    "Site",
    "locale_of",
    "read_site",
]

DOCUSAURUS_CONFIGS = tuple(f"docusaurus.config.{ext}" for ext in ("js", "ts", "mjs", "cjs"))
HUGO_CONFIGS = tuple(
    f"{name}.{ext}" for name in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)
_I18N_DOCS = "docusaurus-plugin-content-docs/current"
_JS_STRING = r"\s*:\s*['\"`]([^'\"`]*)['\"`]"


@dataclass(frozen=True)
class Root:
    """A folder of pages: in one locale, or (None) in the locale its file names say."""

    path: Path
    locale: str | None
    #: The default locale's tree: its pages and categories name the units of every locale.
    main: bool


@dataclass(frozen=True)
class Site:
    """A docs site: its kind, folders of pages, default locale and how its pages are addressed."""

    kind: str  # "docusaurus", "hugo" or "folder"
    home: Path
    roots: tuple[Root, ...]
    default_locale: str
    #: Hugo's languages (codes in file names such as `index.ru.md`).
    languages: frozenset[str] = frozenset()
    #: The address of the docs: site URL, base path and route base (Docusaurus), if known.
    url: str | None = None
    #: The path under the host the docs live at (`/docs/`), to read links written from the root.
    base_path: str = "/"
    #: Whether the default locale's pages have their locale in their path too (Hugo's option).
    default_in_subdir: bool = False

    def page_url(self, route: str, locale: str) -> str | None:
        """A person's address for the page at `route` (a path under the docs), if known."""
        if self.url is None:
            return None
        route = route.strip("/")
        if locale != self.default_locale or self.default_in_subdir:
            prefix = locale.lower() + "/"
            if self.kind == "docusaurus":  # the locale comes before the base path there
                root = self.url[: len(self.url) - len(self.base_path) + 1]
                return f"{root}{prefix}{self.base_path.lstrip('/')}{route}"
            route = prefix + route
        return self.url + route + ("/" if self.kind == "hugo" and route else "")

    def root_url(self, path: str, locale: str) -> str | None:
        """A person's address for a link written from the site's root to a page outside the
        docs (`/blog/x` beside `/docs/`): the site's address, the locale's prefix, the path."""
        if self.url is None:
            return None
        root = self.url[: len(self.url) - len(self.base_path) + 1]
        other = locale != self.default_locale or self.default_in_subdir
        return f"{root}{locale.lower() + '/' if other else ''}{path.lstrip('/')}"


def locale_of(code: str) -> str:
    """A site's language code in our form: `pt-br` -> `pt-BR`, `zh-Hans` -> `zh`, `EN` -> `en`."""
    parts = code.replace("_", "-").split("-")
    language = parts[0].lower()
    region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    return f"{language}-{region.upper()}" if region else language


def read_site(home: Path, default_locale: str, problems: list[Problem]) -> Site:
    """The site at `home` (or whose `docs` folder `home` is); problems go to `problems`."""
    if home.name == "docs" and _first(home.parent, DOCUSAURUS_CONFIGS):
        home = home.parent
    config = _first(home, DOCUSAURUS_CONFIGS)
    if config is not None:
        return _docusaurus(home, config, default_locale, problems)
    config = _first(home, HUGO_CONFIGS)
    if config is not None and (config.name.startswith("hugo") or (home / "content").is_dir()):
        return _hugo(home, config, default_locale, problems)
    return Site("folder", home, (Root(home, None, True),), default_locale)


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    """The first of the files `names` that `folder` has."""
    return next((folder / n for n in names if (folder / n).is_file()), None)


def _checked_locale(code: str, where: Path, problems: list[Problem]) -> str | None:
    """A site's language code as our locale, or None and a problem naming `where`."""
    locale = locale_of(code)
    message = validate_locale(locale)
    if message:
        problems.append(Problem(f"locale {code!r} {message}", str(where)))
        return None
    return locale


def _docusaurus(home: Path, config: Path, default_locale: str, problems: list[Problem]) -> Site:
    """Docs in `docs/` and translations in `i18n/<locale>/docusaurus-plugin-content-docs/`."""
    text = config.read_text(encoding="utf-8", errors="replace")
    found = {
        key: m.group(1)
        for key in ("url", "baseUrl", "routeBasePath", "defaultLocale", "path")
        if (m := re.search(rf"\b{key}{_JS_STRING}", text))
    }
    locale = _checked_locale(found.get("defaultLocale", default_locale), config, problems)
    locale = locale or default_locale
    # `path:` may be another plugin's (a blog's): the docs plugin's default folder wins.
    configured = home / found.get("path", "docs")
    docs = home / "docs" if (home / "docs").is_dir() or not configured.is_dir() else configured
    roots = [Root(docs, locale, True)]
    for folder in sorted((home / "i18n").glob(f"*/{_I18N_DOCS}")):
        code = folder.parent.parent.name
        other = _checked_locale(code, folder, problems)
        if other is not None and other != locale:
            roots.append(Root(folder, other, False))
    base = "/" + "/".join(
        p for p in (found.get("baseUrl", "/"), found.get("routeBasePath", "docs")) if p.strip("/")
    ).replace("//", "/").strip("/")
    base = base.rstrip("/") + "/"
    site_url = found.get("url", "")
    url = site_url.rstrip("/") + base if site_url.startswith(("http://", "https://")) else None
    return Site("docusaurus", home, tuple(roots), locale, url=url, base_path=base)


def _load_config(config: Path, problems: list[Problem]) -> dict[str, Any]:
    """A Hugo configuration file as a mapping (empty, with a problem, when it is broken)."""
    try:
        text = config.read_text(encoding="utf-8")
        if config.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif config.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        problems.append(
            Problem(f"cannot read the site configuration: {exc}", str(config), _int(line))
        )
        return {}
    return data if isinstance(data, dict) else {}


def _int(match: re.Match[str] | None) -> int | None:
    """The number a regex match captured, if it matched."""
    return int(match.group(1)) if match else None


def _hugo(home: Path, config: Path, default_locale: str, problems: list[Problem]) -> Site:
    """Pages in `content/` (or each language's `contentDir`), translations by file name too."""
    data = {str(k).lower(): v for k, v in _load_config(config, problems).items()}
    languages = data.get("languages") if isinstance(data.get("languages"), dict) else {}
    code = str(data.get("defaultcontentlanguage") or default_locale)
    locale = _checked_locale(code, config, problems) or default_locale
    content = home / str(data.get("contentdir") or "content")
    roots: list[Root] = []
    for name, settings in (languages or {}).items():
        folder = settings.get("contentDir") if isinstance(settings, dict) else None
        other = _checked_locale(str(name), config, problems) if folder else None
        if folder and other is not None:
            roots.append(Root(home / str(folder), other, other == locale))
    if not any(r.main for r in roots):
        roots.insert(0, Root(content, None, True))
    base = str(data.get("baseurl") or "")
    url = base.rstrip("/") + "/" if base.startswith(("http://", "https://")) else None
    codes = frozenset(str(k).lower() for k in languages or {})
    in_subdir = data.get("defaultcontentlanguageinsubdir") is True
    return Site(
        "hugo", home, tuple(roots), locale, languages=codes, url=url, default_in_subdir=in_subdir
    )
