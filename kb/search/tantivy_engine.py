"""The tantivy search engine: one sub-index per locale, fed terms that Python analysed.

tantivy keeps the postings, scores with BM25 and applies the filters; the words each field is
indexed under and the query plan (kb/search/text.py), the vocabulary (prefix completion,
rapidfuzz typo correction: vocabulary.py) and the snippets (highlight.py) are the same code the
Whoosh engine runs, so both engines find the same units for the same words. Each text field
holds its analysed terms separated by spaces under tantivy's "whitespace" tokenizer; the
original text is stored for snippets. Nothing outside this module sees a tantivy type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tantivy

from kb.errors import ConfigError
from kb.search.analysis import Language
from kb.search.base import IndexedUnit, SearchHit, SearchQuery, SearchResults
from kb.search.highlight import Highlight, Snippets, make_hit
from kb.search.remembered import Remembered
from kb.search.text import (
    ALL_CHANNELS,
    BOOSTS,
    ReleaseIndex,
    TermCounter,
    build_locales,
    is_internal,
    open_locales,
    plan_query,
)
from kb.search.vocabulary import Vocabularies, load_vocabularies, save_vocabulary

__all__ = ["TantivyEngine", "TantivyIndex"]

FORMAT = 2  # 2: `::: only` blocks in only_text, per channel
#: The writer's memory budget: past it, tantivy writes a segment and starts another.
WRITER_HEAP = 128_000_000
#: Fields of analysed terms (those a query plan names); their originals are in STORED.
TEXT_FIELDS = ("title", "questions", "keywords", "headline", "text", "internal_text", "only_text")
STORED = "stored"
_Must, _Should, _MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


def _schema() -> tantivy.Schema:
    """Term fields (frequencies, no positions: no phrase queries), exact keyword fields for
    the filters, and what a hit shows, stored as JSON."""
    builder = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    for name in ("category", "tags", "audience", "channels"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field(STORED, stored=True)
    return builder.build()


class TantivyEngine:
    """Builds and opens tantivy indexes of a release (one sub-index per locale)."""

    name = "tantivy"

    def build(self, units: Iterable[IndexedUnit], directory: Path) -> None:
        """Write every unit into `directory` (must be empty or absent), grouped by locale."""
        build_locales(
            units, directory, engine=self.name, format_version=FORMAT, build=_build_locale
        )

    def open(self, directory: Path) -> TantivyIndex:
        """Open an index `build` wrote, with its vocabularies."""
        return TantivyIndex(
            open_locales(directory, engine=self.name, format_version=FORMAT, load=_LocaleIndex.load)
        )


def _build_locale(units: list[IndexedUnit], language: Language, folder: Path) -> None:
    """Index one locale's units in their order (ties rank in it) and save its vocabulary."""
    folder.mkdir()
    index = tantivy.Index(_schema(), path=str(folder))
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    counter = TermCounter(language)
    try:
        for unit in units:
            writer.add_document(_document(unit, counter))
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    writer.wait_merging_threads()
    save_vocabulary(folder, language, counter)


def _document(unit: IndexedUnit, counter: TermCounter) -> tantivy.Document:
    """One unit's fields, counting the words each audience may see."""
    terms = counter.joined
    public = not is_internal(unit)
    title = terms(unit.title, public)
    questions = terms("\n".join(unit.questions), public)
    keywords = terms(" ".join((*unit.tags, unit.category or "")), public)
    shown = {"unit_id": unit.unit_id, "title": unit.title, "text": unit.text}
    if unit.internal_text:
        shown["internal_text"] = unit.internal_text
    if unit.only_text:
        shown["only"] = dict(unit.only_text)
    only = " ".join(counter.only_joined(t, c, public) for c, t in unit.only_text)
    if unit.category:
        shown["category"] = unit.category
    fields: dict[str, list[str] | list[bytes]] = {
        "title": [title],
        "questions": [questions],
        "keywords": [keywords],
        "headline": [f"{title} {questions} {keywords}"],
        "text": [terms(unit.text, public)],
        "internal_text": [terms(unit.staff_text(), public=False)],
        "only_text": [only],
        "tags": [tag.strip().lower() for tag in unit.tags],
        "audience": [unit.audience],
        "channels": [ALL_CHANNELS] if unit.channels is None else list(unit.channels),
        STORED: [json.dumps(shown, ensure_ascii=False).encode("utf-8")],
    }
    if unit.category:
        fields["category"] = [unit.category]
    return tantivy.Document(**fields)


class _LocaleIndex:
    """One locale's tantivy index, its searcher (thread-safe) and its vocabularies."""

    def __init__(
        self, index: tantivy.Index, language: Language, vocabularies: Vocabularies
    ) -> None:
        self._schema = index.schema
        self._searcher: tantivy.Searcher | None = index.searcher()
        self.language = language
        self._vocabularies = vocabularies
        #: Hit texts analysed once for all queries (the index never changes).
        self._snippets = Snippets(language)
        #: Per document shown (segment, number), its stored fields, read once.
        self._shown: Remembered[tuple[int, int], dict[str, Any]] = Remembered()
        self._internal = self._term("audience", "internal")
        # A unit naming no channels is enabled on every channel.
        self._unrestricted = self._term("channels", ALL_CHANNELS)

    @classmethod
    def load(cls, folder: Path, language: Language) -> _LocaleIndex:
        """Open the index in `folder` and read its vocabulary."""
        try:
            index = tantivy.Index.open(str(folder))
        except ValueError as exc:  # missing or written by an incompatible tantivy
            raise ConfigError(
                f"search index in {folder} is unreadable ({exc}); rebuild it"
            ) from None
        return cls(index, language, load_vocabularies(folder))

    def close(self) -> None:
        """Drop the searcher: its files are released once no search still holds it."""
        self._searcher = None

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked, filtered, highlighted hits for `query`: every word if some unit has them
        all, else any word, as in Whoosh's engine (whose fallback adds a small bonus per word
        matched; summed BM25 already ranks units matching more words higher)."""
        searcher = self._searcher
        if searcher is None:
            raise RuntimeError("search index is closed")
        plan = plan_query(query, self.language, self._vocabularies)
        if not plan.clauses:
            return SearchResults(hits=(), total=0, did_you_mean=plan.did_you_mean)
        clauses = plan.postings()
        filters = self._filters(query)
        limit = max(query.limit, 1)  # tantivy refuses 0; the hits are cut below
        words = [(_Must, self._any(pairs)) for pairs in clauses]
        found = searcher.search(tantivy.Query.boolean_query([*words, *filters]), limit)
        if not _count(found) and len(clauses) > 1:
            anything = (_Must, self._any([pair for pairs in clauses for pair in pairs]))
            found = searcher.search(tantivy.Query.boolean_query([anything, *filters]), limit)
        highlight = self._snippets.highlight(plan.terms)
        hits = tuple(
            self._hit(searcher, address, score, highlight, query)
            for score, address in found.hits[: max(query.limit, 0)]
        )
        return SearchResults(hits=hits, total=_count(found), did_you_mean=plan.did_you_mean)

    def _hit(
        self,
        searcher: tantivy.Searcher,
        address: tantivy.DocAddress,
        score: float,
        highlight: Highlight,
        query: SearchQuery,
    ) -> SearchHit:
        """The hit at `address`, shown from the fields stored with it (read once: the index
        never changes, and the same units come back query after query)."""
        stored = self._shown.get(
            (address.segment_ord, address.doc),
            lambda: json.loads(searcher.doc(address)[STORED][0]),
        )
        return make_hit(stored, stored.get("only", {}), score, highlight, query)

    def _any(self, pairs: list[tuple[str, str]]) -> tantivy.Query:
        """Units with any of the (field, term) pairs, scored as the sum of their boosted BM25."""
        return tantivy.Query.boolean_query(
            [
                (
                    _Should,
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(self._schema, field, term, index_option="freq"),
                        BOOSTS[field],
                    ),
                )
                for field, term in pairs
            ]
        )

    def _filters(self, query: SearchQuery) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """Clauses that keep what the query may return (scoring nothing): internal units
        hidden from customers, the channel, category and tag filters."""
        filters: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if not query.staff:
            filters.append((_MustNot, self._internal))
        required: list[tantivy.Query] = []
        if query.channel is not None:
            channel = self._term("channels", query.channel)
            required.append(
                tantivy.Query.boolean_query([(_Should, self._unrestricted), (_Should, channel)])
            )
        if query.category is not None:
            required.append(self._term("category", query.category))
        if query.tag is not None:
            required.append(self._term("tags", query.tag.strip().lower()))
        filters += [(_Must, tantivy.Query.const_score_query(q, 0.0)) for q in required]
        return filters

    def _term(self, field: str, value: str) -> tantivy.Query:
        """An exact keyword match."""
        return tantivy.Query.term_query(self._schema, field, value, index_option="basic")


def _count(found: tantivy.SearchResult) -> int:
    """How many documents matched in all (tantivy counts them when asked to, by default)."""
    return int(found.count)  # type: ignore[attr-defined]  # missing from tantivy's stubs


class TantivyIndex(ReleaseIndex["_LocaleIndex"]):
    """An opened tantivy index of one release: every locale, searchable from several threads."""
