"""The help center's theme: the site's name, logo, colours, font and promoted answers, from
KB_SITE_NAME and the YAML file KB_THEME names, checked once when the app starts.

`create_app` loads it (`load_theme`) and keeps it on `app.state.theme`; pages read it from
`request.app.state.theme` and put `Theme.css()` in a `<style>` element. A file the service
cannot use stops it from starting (ConfigError naming the file, the key and the reason),
rather than serving pages in colours nobody can read. Every value is checked against a
narrow pattern, so none can end the CSS declaration, the `<style>` element or an attribute.

The file (every key optional)::

    name: Example Telecom Help
    logo: /static/help/logo.svg      # or https://...
    colors: {accent: "#0b5cad", text: "#1f2328", background: "#ffffff"}
    font: '"Inter", system-ui, sans-serif'
    promoted: [check-balance, roaming-activate]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import yaml

from kb.errors import ConfigError, Problem
from kb.settings import Settings

__all__ = [
    "DEFAULT_THEME",
    "MIN_CONTRAST",
    "Theme",
    "contrast_ratio",
    "load_theme",
]

#: WCAG 2.x level AA for normal text: what the accent and the text need on the background.
MIN_CONTRAST = 4.5
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Characters a logo address may hold: an URL's, without quotes, spaces, <, >, backslashes.
_URL_CHARS = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%-]+$")
_KEYS = ("name", "logo", "colors", "font", "promoted")
_COLOR_KEYS = ("accent", "text", "background")
_SYSTEM_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


@dataclass(frozen=True)
class Theme:
    """What the help center looks like; the defaults pass WCAG AA (4.5:1) on white."""

    name: str | None = None
    logo: str | None = None
    accent: str = "#0b5cad"
    text: str = "#1f2328"
    background: str = "#ffffff"
    font: str = _SYSTEM_FONT
    promoted: tuple[str, ...] = ()

    def css(self) -> str:
        """The theme as CSS custom properties on :root, for a `<style>` element."""
        return (
            f":root{{--kb-accent:{self.accent};--kb-text:{self.text};"
            f"--kb-background:{self.background};--kb-font:{self.font}}}"
        )


DEFAULT_THEME = Theme()


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours, 1.0 to 21.0."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def load_theme(settings: Settings) -> Theme:
    """The theme KB_SITE_NAME and the KB_THEME file make (defaults for what they leave out);
    ConfigError naming the file, the key and the reason for anything that cannot be used."""
    theme = replace(DEFAULT_THEME, name=settings.site_name)
    path = settings.theme_path
    if path is None:
        return theme
    data = _read(path)
    unknown = sorted(str(key) for key in data if key not in _KEYS)
    if unknown:
        _fail(path, unknown[0], f"unknown key; known: {', '.join(_KEYS)}")
    theme = _with_colors(path, theme, data.get("colors"))
    return replace(
        theme,
        name=_name(path, data["name"]) if data.get("name") is not None else theme.name,
        logo=_logo(path, data["logo"]) if data.get("logo") is not None else None,
        font=_font(path, data["font"]) if data.get("font") is not None else theme.font,
        promoted=_promoted(path, data.get("promoted")),
    )


def _fail(path: Path, key: str, reason: str) -> NoReturn:
    """Raise the ConfigError for `key` of the theme file at `path`."""
    raise ConfigError(str(Problem(reason, source=str(path), field=key)))


def _read(path: Path) -> Mapping[Any, Any]:
    """The file's top-level mapping (empty for an empty file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(path, "KB_THEME", f"cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        _fail(path, "KB_THEME", "cannot be read (not UTF-8 text)")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        _fail(path, "KB_THEME", f"not valid YAML ({' '.join(str(exc).split())})")
    if data is None:
        return {}
    if not isinstance(data, dict):
        _fail(path, "KB_THEME", "must be a mapping of name, logo, colors, font, promoted")
    return data


def _with_colors(path: Path, theme: Theme, colors: Any) -> Theme:
    """`theme` with the file's colours, each #rrggbb, and the contrast WCAG AA asks for."""
    if colors is None:
        colors = {}
    if not isinstance(colors, dict):
        _fail(path, "colors", "must be a mapping of accent, text, background")
    for key, value in colors.items():
        if key not in _COLOR_KEYS:
            _fail(path, f"colors.{key}", f"unknown key; known: {', '.join(_COLOR_KEYS)}")
        if not isinstance(value, str) or not _COLOR.match(value):
            _fail(path, f"colors.{key}", f"must be a colour as #rrggbb, not {value!r}")
    theme = replace(theme, **{key: value.lower() for key, value in colors.items()})
    for key in ("accent", "text"):
        ratio = contrast_ratio(getattr(theme, key), theme.background)
        if ratio < MIN_CONTRAST:
            _fail(
                path,
                f"colors.{key}",
                f"contrast with colors.background is {ratio:.2f}:1, below the "
                f"{MIN_CONTRAST}:1 WCAG AA asks for",
            )
    return theme


def _name(path: Path, value: Any) -> str:
    """The site's name: one line of text."""
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        _fail(path, "name", "must be text of 1 to 100 characters")
    if any(ord(c) < 32 for c in value):
        _fail(path, "name", "must be one line without control characters")
    return value.strip()


def _logo(path: Path, value: Any) -> str:
    """The logo's address: an https:// URL or a path under /static/ of this site."""
    if not isinstance(value, str) or not _URL_CHARS.match(value):
        _fail(path, "logo", f"must be an https:// URL or a path starting /static/, not {value!r}")
    if value.startswith("/static/"):
        if ".." in value.split("/") or value.startswith("/static//"):
            _fail(path, "logo", f"must stay under /static/, not {value!r}")
        return value
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        _fail(path, "logo", f"must be an https:// URL or a path starting /static/, not {value!r}")
    return value


def _font(path: Path, value: Any) -> str:
    """A CSS font-family list: names, bare or quoted, separated by commas."""
    if not isinstance(value, str) or not value.strip():
        _fail(path, "font", "must be a CSS font-family list, e.g. '\"Inter\", sans-serif'")
    families = [family.strip() for family in value.split(",")]
    for family in families:
        quoted = len(family) >= 2 and family[0] == family[-1] and family[0] in "\"'"
        name = family[1:-1] if quoted else family
        if not name.strip() or not all(c.isalnum() or c in " -" for c in name):
            _fail(
                path,
                "font",
                f"{family!r} is not a font name: letters, digits, spaces and hyphens, "
                "optionally in quotes, names separated by commas",
            )
    return ", ".join(families)


def _promoted(path: Path, value: Any) -> tuple[str, ...]:
    """Unit ids promoted on the home page, in the file's order."""
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail(path, "promoted", "must be a list of unit ids")
    for index, unit_id in enumerate(value):
        if not isinstance(unit_id, str) or not _SLUG.match(unit_id):
            _fail(path, f"promoted[{index}]", f"must be a unit id (a slug), not {unit_id!r}")
    return tuple(value)
