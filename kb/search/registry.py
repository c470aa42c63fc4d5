"""Search engines by name: a table of where each lives, imported only when it is asked for.

Engines import the interface (`kb.search.base`), never this table, so there is no cycle; and
the engines' libraries (Whoosh, tantivy) load only in processes that search.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from kb.errors import ConfigError
from kb.search.base import SearchEngine

__all__ = ["EngineEntry", "engine_names", "get_engine", "register_engine"]


@dataclass(frozen=True)
class EngineEntry:
    """Where an engine's class lives, and the install hint shown when its library is missing."""

    module: str
    attribute: str
    library: str
    install: str


_ENGINES: dict[str, EngineEntry] = {
    "tantivy": EngineEntry(
        "kb.search.tantivy_engine", "TantivyEngine", "tantivy", "pip install kb"
    ),
    "whoosh": EngineEntry("kb.search.whoosh_engine", "WhooshEngine", "whoosh", "pip install kb"),
}


def register_engine(name: str, entry: EngineEntry) -> None:
    """Make another engine selectable as `KB_SEARCH_ENGINE=name`."""
    _ENGINES[name] = entry


def engine_names() -> tuple[str, ...]:
    """The names `KB_SEARCH_ENGINE` accepts."""
    return tuple(_ENGINES)


def get_engine(name: str) -> SearchEngine:
    """The engine called `name`; a clear error says how to install one that is missing."""
    entry = _ENGINES.get(name)
    if entry is None:
        raise ConfigError(f"unknown search engine '{name}'; available: {', '.join(engine_names())}")
    try:
        module = importlib.import_module(entry.module)
    except ImportError as exc:
        if exc.name != entry.library:
            raise
        raise ConfigError(
            f"search engine '{name}' needs the {entry.library} package, which is not installed: "
            f"{entry.install}"
        ) from exc
    engine: SearchEngine = getattr(module, entry.attribute)()
    return engine
