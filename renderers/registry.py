"""The table of channels, looked up by name; built-in channels register like any plug-in."""

from __future__ import annotations

from importlib.metadata import entry_points

from renderers.base import Renderer

__all__ = [
    "ENTRY_POINT_GROUP",
    "UnknownChannel",
    "get",
    "names",
    "register",
    "renderers",
    "unregister",
]

#: Third-party packages add a channel with an entry point in this group naming a Renderer.
ENTRY_POINT_GROUP = "kb.renderers"

_REGISTRY: dict[str, Renderer] = {}


class UnknownChannel(LookupError):
    """No renderer is registered under this name."""


def register(renderer: Renderer) -> Renderer:
    """Add a channel; registering a second renderer under one name is a mistake."""
    if not isinstance(renderer, Renderer):
        raise TypeError(f"{renderer!r} does not implement the Renderer protocol")
    existing = _REGISTRY.get(renderer.name)
    if existing is not None and existing is not renderer:
        raise ValueError(f"a renderer for channel '{renderer.name}' is already registered")
    _REGISTRY[renderer.name] = renderer
    return renderer


def unregister(name: str) -> None:
    """Remove a channel (for hosts that reconfigure, and for tests of plug-in channels)."""
    _REGISTRY.pop(name, None)


def load_plugins() -> None:
    """Register every channel that installed packages declare as an entry point."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register(entry.load())


def get(name: str) -> Renderer:
    """The renderer for channel `name`."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(names())
        raise UnknownChannel(f"unknown channel '{name}'; known: {known}") from None


def names() -> tuple[str, ...]:
    """Registered channel names, in registration order."""
    return tuple(_REGISTRY)


def renderers() -> tuple[Renderer, ...]:
    """Every registered renderer."""
    return tuple(_REGISTRY.values())
