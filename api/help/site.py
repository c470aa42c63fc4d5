"""Who the help center belongs to, as its pages show it: the site's name, logo, colours and
font, and the answers it promotes, from the theme `create_app` loaded (api/help/theme.py)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from api.help.theme import Theme, load_theme

__all__ = ["Site", "site_of"]


@dataclass(frozen=True)
class Site:
    """The site as the pages show it. `name` None: the help center's name in the page's
    language; `css` the theme's custom properties on :root; `promoted` unit ids the home page
    lists first."""

    name: str | None
    logo: str | None
    css: str
    promoted: tuple[str, ...]

    @classmethod
    def of(cls, theme: Theme) -> Site:
        """The site a theme describes."""
        return cls(theme.name, theme.logo, theme.css(), theme.promoted)


def site_of(request: Request) -> Site:
    """The site of the app serving `request` (its theme, loaded at start; else the settings')."""
    theme = getattr(request.app.state, "theme", None)
    if not isinstance(theme, Theme):
        theme = request.app.state.theme = load_theme(request.app.state.kb.settings)
    return Site.of(theme)
