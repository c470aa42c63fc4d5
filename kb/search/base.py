"""The engine-neutral search interface: what gets indexed, how it is asked, what comes back.

Engines (Whoosh, the default, and tantivy, an install extra for large knowledge bases)
implement `SearchEngine` and are found by name in `kb.search.registry`; nothing outside an
engine's own module sees its types. An index is built from one release into a fresh directory
and only then put into service, so readers never see a half-built index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kb.content.markdown import BodyText, body_text
from kb.progress import tracked
from kb.store.snapshot import Snapshot

__all__ = [
    "IndexedUnit",
    "SearchEngine",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "indexed_units",
]


@dataclass(frozen=True)
class IndexedUnit:
    """One unit in one locale, as the index sees it.

    `text` is what every channel shows; `only_text` what `::: only` blocks add in one channel
    (channel, words); `internal_text` the internal notes. A customer's search in channel C
    matches, shows, corrects to and completes `text` and C's `only_text`; staff see all three.
    """

    unit_id: str
    locale: str
    title: str
    questions: tuple[str, ...]
    text: str
    internal_text: str
    tags: tuple[str, ...]
    category: str | None
    audience: str
    channels: tuple[str, ...] | None
    only_text: tuple[tuple[str, str], ...] = ()

    def staff_text(self) -> str:
        """Words only staff search: internal notes and every channel's `::: only` blocks."""
        return "\n".join(
            part for part in (self.internal_text, *(t for _c, t in self.only_text)) if part
        )


@dataclass(frozen=True)
class SearchQuery:
    """A search as a caller asks it.

    `staff` lets internal units and internal notes match and be shown (operator credential);
    `channel` keeps only units enabled for that channel; `prefix` treats the last word as
    unfinished (search as you type).
    """

    text: str
    locale: str
    staff: bool = False
    channel: str | None = None
    category: str | None = None
    tag: str | None = None
    limit: int = 10
    prefix: bool = True


@dataclass(frozen=True)
class SearchHit:
    """One ranked result; `snippet` is safe HTML with matches in <mark>."""

    unit_id: str
    title: str
    snippet: str
    score: float
    category: str | None = None


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits, how many matched in all, and a corrected query when words were misspelt."""

    hits: tuple[SearchHit, ...]
    total: int
    did_you_mean: str | None = None


class SearchIndex(Protocol):
    """A built index of one release, ready to answer queries (thread-safe for reading)."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits for `query`."""
        ...

    def close(self) -> None:
        """Release files and caches."""
        ...


class SearchEngine(Protocol):
    """Builds and opens indexes of one kind."""

    name: str

    def build(self, units: Iterable[IndexedUnit], directory: Path) -> None:
        """Write a complete index of `units` into the empty `directory`."""
        ...

    def open(self, directory: Path) -> SearchIndex:
        """Open an index that `build` wrote."""
        ...


def indexed_units(
    snapshot: Snapshot, texts: Callable[[str], BodyText] = body_text
) -> Iterator[IndexedUnit]:
    """Every unit of a release as the index sees it (text derived from the one parse).

    `texts` gives a body's index words (by default from its parse, remembered).
    """
    for unit in tracked("indexing units", snapshot.iter_units(), len(snapshot.units)):
        doc = unit.document
        words = texts(doc.body)
        yield IndexedUnit(
            unit_id=doc.id,
            locale=doc.locale,
            title=doc.title,
            questions=doc.questions,
            text=words.public,
            internal_text=words.internal,
            tags=doc.tags,
            category=doc.category,
            audience=doc.audience,
            channels=doc.channels,
            only_text=words.only,
        )
