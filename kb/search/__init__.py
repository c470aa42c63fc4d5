"""Search: the engine-neutral interface, the engines' registry, shared text analysis, and the
engines themselves (Whoosh and tantivy), each behind `SearchEngine`.

Importing this package loads no engine library; `get_engine` imports the one asked for.
"""

from kb.search.base import (
    IndexedUnit,
    SearchEngine,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
    indexed_units,
)
from kb.search.registry import engine_names, get_engine

__all__ = [
    "IndexedUnit",
    "SearchEngine",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "engine_names",
    "get_engine",
    "indexed_units",
]
