"""The Whoosh search engine: one sub-index per locale with that language's analyzer.

Typo tolerance does not use Whoosh's fuzzy terms (ten times slower than a plain query): words
missing from the vocabulary saved at build time are corrected with rapidfuzz, and the corrected
query is run instead. Search-as-you-type expands the last word against the same vocabulary.
Analysis, query plans, vocabulary and snippets are kb/search's (analysis.py, text.py,
vocabulary.py, highlight.py), shared with the tantivy engine; this module stores and scores.
Nothing outside this module sees a Whoosh type.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.base import PerDocumentReader
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, Query, Term
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.writing import IndexWriter, SegmentWriter

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
from kb.search.whoosh_postings import Postings

__all__ = ["WhooshEngine", "WhooshIndex"]

FORMAT = 2  # 2: `::: only` blocks in only_text, per channel
#: Or-fallback coordination bonus: a unit matching more of the words ranks higher.
COORDINATION = 0.9


class _CountedText(TEXT):  # type: ignore[misc]
    """A TEXT field that also takes its terms already counted (term bytes -> frequency).

    The build analyses each text once and shares the counts between fields (the headline
    repeats title, questions and keywords) and the vocabulary; Whoosh's analyzer chain, a
    generator per filter per token, was half the build time.
    """

    def index(self, value: object, **kwargs: object) -> Iterable[tuple[bytes, int, float, bytes]]:
        """(term bytes, frequency, weight, encoded frequency) per term, as TEXT gives them."""
        if not isinstance(value, Mapping):
            return super().index(value, **kwargs)  # type: ignore[no-any-return]
        boost = self.format.field_boost
        return [(term, count, count * boost, pack_uint(count)) for term, count in value.items()]


def _schema(language: Language) -> Schema:
    """Fields of one locale's index; text fields share the language's analyzer."""
    analyzer = language.analyzer()
    return Schema(
        unit_id=ID(stored=True, unique=True),
        title=_CountedText(analyzer=analyzer, stored=True, phrase=False),
        questions=_CountedText(analyzer=analyzer, phrase=False),
        keywords=_CountedText(analyzer=analyzer, phrase=False),
        headline=_CountedText(analyzer=analyzer, phrase=False),
        text=_CountedText(analyzer=analyzer, stored=True, phrase=False),
        internal_text=_CountedText(analyzer=analyzer, stored=True, phrase=False),
        only_text=_CountedText(analyzer=analyzer, phrase=False),
        only=STORED,
        category=ID(stored=True),
        tags=KEYWORD(commas=True, lowercase=True),
        audience=ID,
        channels=KEYWORD(commas=True),
    )


class WhooshEngine:
    """Builds and opens Whoosh indexes of a release (one sub-index per locale)."""

    name = "whoosh"

    def build(self, units: Iterable[IndexedUnit], directory: Path) -> None:
        """Write every unit into `directory` (must be empty or absent), grouped by locale."""
        build_locales(
            units, directory, engine=self.name, format_version=FORMAT, build=_build_locale
        )

    def open(self, directory: Path) -> WhooshIndex:
        """Open an index `build` wrote; everything queries need is loaded here, once."""
        return WhooshIndex(
            open_locales(directory, engine=self.name, format_version=FORMAT, load=_LocaleIndex.load)
        )


def _build_locale(units: list[IndexedUnit], language: Language, folder: Path) -> None:
    """Index one locale's units and save its vocabulary (public and staff word counts)."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _schema(language))
    counter = TermCounter(language)
    writer = _SegmentWriter(ix)
    try:
        _add_units(writer, units, counter)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    save_vocabulary(folder, language, counter)


def _add_units(writer: IndexWriter, units: list[IndexedUnit], counter: TermCounter) -> None:
    """Add each unit's fields, counting the words each audience may see."""
    terms = counter.terms
    for unit in units:
        public = not is_internal(unit)
        title = terms(unit.title, public)
        questions = terms("\n".join(unit.questions), public)
        keywords = terms(" ".join((*unit.tags, unit.category or "")), public)
        writer.add_document(
            unit_id=unit.unit_id,
            title=title,
            _stored_title=unit.title,
            questions=questions,
            keywords=keywords,
            headline=_sum(title, questions, keywords),
            text=terms(unit.text, public),
            _stored_text=unit.text,
            internal_text=terms(unit.staff_text(), public=False),
            _stored_internal_text=unit.internal_text,
            only_text=_sum({}, *(counter.only_terms(t, c, public) for c, t in unit.only_text)),
            only=json.dumps(dict(unit.only_text), ensure_ascii=False),
            category=unit.category or "",
            tags=",".join(unit.tags),
            audience=unit.audience,
            channels=ALL_CHANNELS if unit.channels is None else ",".join(unit.channels),
        )


def _sum(*counts: dict[bytes, int]) -> dict[bytes, int]:
    """Term counts added together (the headline field is title, questions and keywords)."""
    total = dict(counts[0])
    for more in counts[1:]:
        for term, count in more.items():
            total[term] = total.get(term, 0) + count
    return total


class _SegmentWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's writer of one new segment, writing the same files with less work per posting.

    Whoosh's posting pool sizes, checks and stores each posting, then sorts them all, and its
    segment flush looks up the document's field length once per posting: together half the
    build time at 10,000 units. Here postings are kept as numbers in flat arrays and sorted
    once (`Postings`), and each field's lengths are read once. The segment's files are byte
    for byte the same.
    """

    def __init__(self, ix: whoosh_index.Index) -> None:
        super().__init__(ix)
        self.pool = Postings()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader(), self.docnum)
        try:
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            lengths.close()


class _Lengths:
    """A segment's per-document reader whose field lengths are read once per field."""

    def __init__(self, reader: PerDocumentReader, size: int) -> None:
        self._reader = reader
        self._size = size
        self._fields: dict[str, list[int | None]] = {}

    def doc_field_length(self, docnum: int, fieldname: str) -> int | None:
        lengths = self._fields.get(fieldname)
        if lengths is None:
            field_length = self._reader.doc_field_length
            lengths = [field_length(d, fieldname) for d in range(self._size)]
            self._fields[fieldname] = lengths
        return lengths[docnum]

    def close(self) -> None:
        self._reader.close()


#: Whoosh's BM25F defaults (scoring.BM25F), kept so ranking is what Whoosh's matchers gave.
BM25_B = 0.75
BM25_K1 = 1.2
#: Postings kept decoded per index; past this many the cache starts again (bounded memory).
CACHED_POSTINGS = 4_000_000


class _Scorer:
    """Whoosh's BM25F, computed with numpy over whole posting lists read from the index.

    Walking Whoosh's matcher tree costs a Python call per document and term: a common word
    matching half of 10,000 units took 100+ ms. Here each (field, term) is decoded once into
    arrays of documents and their BM25 scores, and a query sums those arrays; the scores
    (idf, byte-rounded field lengths, boosts, coordination) are the ones Whoosh computed.
    """

    def __init__(self, reader: IndexReader) -> None:
        self.size = reader.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._cached = 0
        self._lock = threading.Lock()

    def term(
        self, reader: IndexReader, field: str, term: str
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Documents containing `term` in `field` and its unboosted score in each (None: none)."""
        key = (field, term)
        found = self._cache.get(key)
        if found is None:
            if (field, term) not in reader:
                return None
            found = self._read(reader, field, term)
            with self._lock:
                if self._cached + len(found[0]) > CACHED_POSTINGS:
                    self._cache, self._cached = {}, 0
                self._cache[key] = found
                self._cached += len(found[0])
        return found

    def _read(self, reader: IndexReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Decode one posting list and score it (BM25 of weight and field length)."""
        items = list(reader.postings(field, term).items_as("weight"))
        ids = np.fromiter((i for i, _w in items), dtype=np.int64, count=len(items))
        tf = np.fromiter((w for _i, w in items), dtype=np.float64, count=len(items))
        lengths = self._field_lengths(reader, field)[ids]
        idf = math.log(self.size / (reader.doc_frequency(field, term) + 1)) + 1
        average = reader.field_length(field) / self.size or 1
        norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lengths / average)
        return ids, idf * (tf * (BM25_K1 + 1)) / (tf + norm)

    def _field_lengths(self, reader: IndexReader, field: str) -> np.ndarray:
        """Each document's length in `field` as Whoosh scores it (rounded to a byte code)."""
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = np.fromiter(
                (reader.doc_field_length(d, field, 1) or 1 for d in range(self.size)),
                dtype=np.float64,
                count=self.size,
            )
            self._lengths[field] = lengths
        return lengths

    def clauses(
        self, reader: IndexReader, clauses: list[list[tuple[str, str]]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Per document: summed boosted score, how many clauses and how many terms it matches;
        and how many (field, term) pairs exist at all (Whoosh's coordination counts those)."""
        score = np.zeros(self.size)
        clause_hits = np.zeros(self.size, dtype=np.int32)
        term_hits = np.zeros(self.size, dtype=np.int32)
        existing = 0
        for pairs in clauses:
            inside = np.zeros(self.size, dtype=bool)
            for field, term in pairs:
                found = self.term(reader, field, term)
                if found is None:
                    continue
                ids, scores = found
                existing += 1
                score[ids] += scores * BOOSTS[field]
                term_hits[ids] += 1
                inside[ids] = True
            clause_hits += inside
        return score, clause_hits, term_hits, existing


class _LocaleIndex:
    """One locale's Whoosh index, its vocabularies and a pool of searchers."""

    def __init__(
        self, ix: whoosh_index.Index, language: Language, vocabularies: Vocabularies
    ) -> None:
        self._ix = ix
        self.language = language
        self._vocabularies = vocabularies
        #: Hit texts analysed once for all queries (the index never changes).
        self._snippets = Snippets(language)
        #: Per document shown, its stored fields and `::: only` words, read once.
        self._shown: Remembered[int, _Stored] = Remembered()
        self._pool: list[Searcher] = []
        self._lock = threading.Lock()
        self._closed = False
        with self._searcher() as searcher:
            reader = searcher.reader()
            self._scorer = _Scorer(reader)
            self._size = self._scorer.size
            self._public = ~self._mask(searcher.docs_for_query(Term("audience", "internal")))
            # Units that name no channels, and per channel those enabled for it.
            self._unrestricted = self._mask(searcher.docs_for_query(Term("channels", ALL_CHANNELS)))
            self._enabled = {
                channel: self._unrestricted
                | self._mask(searcher.docs_for_query(Term("channels", channel)))
                for channel in reader.field_terms("channels")
            }

    @classmethod
    def load(cls, folder: Path, language: Language) -> _LocaleIndex:
        """Open the index in `folder` and read its vocabulary."""
        return cls(whoosh_index.open_dir(str(folder)), language, load_vocabularies(folder))

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """A searcher used by one thread at a time (Whoosh searchers are not thread-safe)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("search index is closed")
            searcher = self._pool.pop() if self._pool else None
        if searcher is None:
            searcher = self._ix.searcher()
        try:
            yield searcher
        finally:
            with self._lock:
                if self._closed:
                    searcher.close()
                else:
                    self._pool.append(searcher)

    def close(self) -> None:
        """Close every pooled searcher and the index (again: nothing)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, []
        for searcher in pool:
            searcher.close()
        self._ix.close()

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked, filtered, highlighted hits for `query` in this locale."""
        plan = plan_query(query, self.language, self._vocabularies)
        if not plan.clauses:
            return SearchResults(hits=(), total=0, did_you_mean=plan.did_you_mean)
        clauses = plan.postings()
        with self._searcher() as searcher:
            reader = searcher.reader()
            visible = self._visible(searcher, query)
            score, clause_hits, _terms, _count = self._scorer.clauses(reader, clauses)
            matched = visible & (clause_hits == len(clauses))
            if not matched.any() and len(clauses) > 1:
                matched, score = self._any_word(reader, clauses, visible)
            docs = _top(score, matched, query.limit)
            highlight = self._snippets.highlight(plan.terms)
            hits = tuple(
                _hit(self._stored(searcher, int(d)), score[d], highlight, query) for d in docs
            )
        return SearchResults(hits=hits, total=int(matched.sum()), did_you_mean=plan.did_you_mean)

    def _stored(self, searcher: Searcher, doc: int) -> _Stored:
        """Document `doc`'s stored fields and `::: only` words (read once: the index never
        changes, and the same units come back query after query)."""
        return self._shown.get(doc, lambda: _read_stored(searcher, doc))

    def _any_word(
        self, reader: IndexReader, clauses: list[list[tuple[str, str]]], visible: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Units matching any word, ranked with Whoosh's coordination bonus (SQR) for units
        that match more of the query's terms."""
        pairs = [pair for clause in clauses for pair in clause]
        score, _clauses, term_hits, count = self._scorer.clauses(reader, [pairs])
        matched = visible & (term_hits > 0)
        if count > 1:
            bonus = (term_hits - 1) / (count - COORDINATION) ** 2
            score = (score + bonus) * ((count - 1) / count)
        return matched, score

    def _visible(self, searcher: Searcher, query: SearchQuery) -> np.ndarray:
        """Which documents the query may return: filters applied, internal ones hidden."""
        visible = self._public.copy() if not query.staff else np.ones(self._size, dtype=bool)
        if query.channel is not None:
            visible &= self._enabled.get(query.channel, self._unrestricted)
        required: list[Query] = []
        if query.category is not None:
            required.append(Term("category", query.category))
        if query.tag is not None:
            required.append(Term("tags", query.tag.strip().lower()))
        if required:
            wanted = required[0] if len(required) == 1 else And(required)
            visible &= self._mask(searcher.docs_for_query(wanted))
        return visible

    def _mask(self, docs: Iterable[int]) -> np.ndarray:
        """A boolean array over the index's documents, true for `docs`."""
        mask = np.zeros(self._size, dtype=bool)
        mask[np.fromiter(docs, dtype=np.int64)] = True
        return mask


#: A document's stored fields, and its `::: only` words (channel -> words) decoded.
_Stored = tuple[dict[str, str], dict[str, str]]


def _read_stored(searcher: Searcher, doc: int) -> _Stored:
    """What a hit shows of document `doc`, read from the index (the `::: only` words are kept
    there as JSON)."""
    stored = searcher.stored_fields(doc)
    return stored, json.loads(stored.get("only") or "{}")


def _hit(shown: _Stored, score: float, highlight: Highlight, query: SearchQuery) -> SearchHit:
    """The hit shown from a document's stored fields."""
    stored, only = shown
    return make_hit(stored, only, score, highlight, query)


def _top(score: np.ndarray, matched: np.ndarray, limit: int) -> np.ndarray:
    """The best `limit` matched documents, by score then document number (Whoosh's order)."""
    docs = np.flatnonzero(matched)
    if limit <= 0 or not len(docs):
        return docs[:0]
    scores = score[docs]
    if len(docs) > limit:
        # Keep every document tied with the last place, so ties still go by document number.
        cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = scores >= cut
        docs, scores = docs[keep], scores[keep]
    return docs[np.lexsort((docs, -scores))][:limit]


class WhooshIndex(ReleaseIndex["_LocaleIndex"]):
    """An opened Whoosh index of one release: every locale, searchable from several threads."""
