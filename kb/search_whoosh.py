"""The Whoosh search engine: one sub-index per locale with that language's analyzer.

Typo tolerance does not use Whoosh's fuzzy terms (ten times slower than a plain query): words
missing from the vocabulary saved at build time are corrected with rapidfuzz, and the corrected
query is run instead. Search-as-you-type expands the last word against the same vocabulary.
Nothing outside this module sees a Whoosh type.
"""

from __future__ import annotations

import bisect
import heapq
import html
import json
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import index as whoosh_index
from whoosh.codec.base import PerDocumentReader
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Query, Term
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.writing import IndexWriter, SegmentWriter

from kb.analysis import WORD_PATTERN, Language, fold, language_for, surface_words
from kb.errors import ConfigError
from kb.search import IndexedUnit, SearchHit, SearchQuery, SearchResults

__all__ = ["WhooshEngine", "WhooshIndex"]

FORMAT = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.json"
#: The channels keyword of a unit that names none: enabled everywhere.
ALL_CHANNELS = "*"
#: Query-time weights: a word in the title or an example question outranks one in the body.
#: BM25 saturates a word repeated in the body at 2.2 times one mention, so these exceed that.
BOOSTS = {
    "title": 5.0,
    "questions": 4.0,
    "keywords": 2.0,
    "text": 1.0,
    "internal_text": 1.0,
    "headline": 3.0,
}
PUBLIC_FIELDS = ("title", "questions", "keywords", "text")
STAFF_FIELDS = (*PUBLIC_FIELDS, "internal_text")
#: How many vocabulary words an unfinished last word of 1, 2, 3+ letters stands for (the most
#: frequent ones). Completions of 1-2 letters are looked for in the "headline" field only (title,
#: questions and keywords in one): across all fields they would match nearly every unit and take
#: a hundred milliseconds to score.
PREFIX_EXPANSIONS = (8, 16, 24)
SHORT_PREFIX = 2
SHORT_PREFIX_FIELDS = ("headline",)
#: Words shorter than this are never corrected (too many near neighbours).
MIN_TYPO_LENGTH = 4
#: Or-fallback coordination bonus: a unit matching more of the words ranks higher.
COORDINATION = 0.9
SNIPPET_CHARS = 160

_SPACE = re.compile(r"\s+")
_WORD = re.compile(WORD_PATTERN)
_EMPTY = SearchResults(hits=(), total=0)


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
        category=ID(stored=True),
        tags=KEYWORD(commas=True, lowercase=True),
        audience=ID,
        channels=KEYWORD(commas=True),
    )


def _locale_key(locale: str) -> str:
    """One spelling per locale: "en_GB", "en-gb" and "en-GB " are the same index."""
    return locale.strip().replace("_", "-").lower()


def _is_internal(unit: IndexedUnit) -> bool:
    """Whether the whole unit is for staff only."""
    return unit.audience == "internal"


class WhooshEngine:
    """Builds and opens Whoosh indexes of a release (one sub-index per locale)."""

    name = "whoosh"

    def build(self, units: Iterable[IndexedUnit], directory: Path) -> None:
        """Write every unit into `directory` (must be empty or absent), grouped by locale."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            raise FileExistsError(f"search index directory {directory} is not empty")
        groups: dict[str, list[IndexedUnit]] = defaultdict(list)
        for unit in units:
            groups[_locale_key(unit.locale)].append(unit)
        locales = {}
        for number, (locale, group) in enumerate(sorted(groups.items())):
            language = language_for(locale)
            folder = f"locale-{number}"
            _build_locale(group, language, directory / folder)
            locales[locale] = {"folder": folder, "language": language.code, "units": len(group)}
        manifest = {"engine": self.name, "format": FORMAT, "locales": locales}
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    def open(self, directory: Path) -> WhooshIndex:
        """Open an index `build` wrote; everything queries need is loaded here, once."""
        directory = Path(directory)
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"no search index in {directory}; rebuild it") from None
        if manifest.get("engine") != self.name or manifest.get("format") != FORMAT:
            raise ConfigError(f"search index in {directory} has another format; rebuild it")
        locales = {}
        for locale, entry in manifest["locales"].items():
            language = language_for(locale)
            if language.code != entry["language"]:
                raise ConfigError(f"search index in {directory} used another analyzer; rebuild it")
            locales[locale] = _LocaleIndex.load(directory / entry["folder"], language)
        return WhooshIndex(locales)


def _build_locale(units: list[IndexedUnit], language: Language, folder: Path) -> None:
    """Index one locale's units and save its vocabulary (public and staff word counts)."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _schema(language))
    counter = _TermCounter(language)
    writer = _SegmentWriter(ix)
    try:
        _add_units(writer, units, counter)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    public, staff = counter.vocabulary(public=True), counter.vocabulary(public=False)
    rows = [[w, language.term(w), public.get(w, 0), staff[w]] for w in sorted(staff)]
    (folder / VOCABULARY).write_text(json.dumps({"words": rows}, ensure_ascii=False), "utf-8")


def _add_units(writer: IndexWriter, units: list[IndexedUnit], counter: _TermCounter) -> None:
    """Add each unit's fields, counting the words each audience may see."""
    terms = counter.terms
    for unit in units:
        public = not _is_internal(unit)
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
            internal_text=terms(unit.internal_text, public=False),
            _stored_internal_text=unit.internal_text,
            category=unit.category or "",
            tags=",".join(unit.tags),
            audience=unit.audience,
            channels=ALL_CHANNELS if unit.channels is None else ",".join(unit.channels),
        )


class _TermCounter:
    """Term counts of the texts of one build, and the words each audience may see in them.

    Gives what `Language.term_counts(word_counts(text))` gives (a test keeps them equal), but
    folds and analyses each distinct written word once per build rather than once per field
    of every unit, and counts the vocabulary as written words (in C), folded at the end.
    """

    def __init__(self, language: Language) -> None:
        self._term = language.term
        self._words: dict[str, tuple[str, bytes | None]] = {}
        self._written: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}

    def terms(self, text: str, public: bool) -> dict[bytes, int]:
        """Term (UTF-8) -> frequency in `text`, whose words staff, and customers if `public`,
        may see."""
        found = _WORD.findall(text)
        self._written[False].update(found)
        if public:
            self._written[True].update(found)
        known = self._words
        counts: dict[bytes, int] = {}
        for written, count in Counter(found).items():
            entry = known.get(written)
            if entry is None:
                entry = known[written] = self._analyse(written)
            term = entry[1]
            if term is not None:
                counts[term] = counts.get(term, 0) + count
        return counts

    def vocabulary(self, *, public: bool) -> dict[str, int]:
        """Folded word -> frequency over the texts customers (or staff) may see."""
        counts: dict[str, int] = {}
        for written, count in self._written[public].items():
            word = self._words[written][0]
            counts[word] = counts.get(word, 0) + count
        return counts

    def _analyse(self, written: str) -> tuple[str, bytes | None]:
        word = fold(written)
        term = self._term(word)
        return word, None if term is None else term.encode("utf-8")


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
    build time at 10,000 units. Here postings are appended to a plain list and sorted once, and
    each field's lengths are read once. The segment's files are byte for byte the same.
    """

    def __init__(self, ix: whoosh_index.Index) -> None:
        super().__init__(ix)
        self.pool = _Postings()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader(), self.docnum)
        try:
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            self.fieldwriter.close()
        finally:
            lengths.close()


class _Postings:
    """The postings of the segment being written: (field, term bytes, doc, weight, value)."""

    def __init__(self) -> None:
        self._items: list[tuple[str, bytes, int, float, bytes]] = []
        self.add = self._items.append

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Sorted by field, term and document, as Whoosh's field writer takes them."""
        self._items.sort()  # (field, term, doc) is unique: weights are never compared
        return iter(self._items)

    def cleanup(self) -> None:
        self._items.clear()


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


@dataclass(frozen=True)
class _Vocabulary:
    """Surface words one audience may see, for prefix completion and typo correction."""

    frequency: dict[str, int]
    terms: frozenset[str]
    sorted_words: tuple[str, ...]
    by_length: dict[int, list[str]]

    @classmethod
    def of(cls, counts: dict[str, int], terms: dict[str, str | None]) -> _Vocabulary:
        """Index `counts` (word -> frequency) by spelling and by length."""
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in counts:
            by_length[len(word)].append(word)
        return cls(
            frequency=counts,
            terms=frozenset(t for w in counts if (t := terms[w])),
            sorted_words=tuple(sorted(counts)),
            by_length=dict(by_length),
        )

    def knows(self, word: str, term: str | None) -> bool:
        """Whether `word`, or another form of it (same term), occurs in the index."""
        return word in self.frequency or (term is not None and term in self.terms)

    def completions(self, prefix: str, limit: int) -> list[str]:
        """The `limit` most frequent words starting with `prefix`."""
        start = bisect.bisect_left(self.sorted_words, prefix)
        end = bisect.bisect_left(self.sorted_words, prefix + "\U0010ffff", lo=start)
        return heapq.nlargest(limit, self.sorted_words[start:end], key=self.frequency.__getitem__)

    def correct(self, word: str) -> str | None:
        """The closest word (1 edit up to 5 letters, else 2; transpositions count one).

        Among equally close words, one with the same first letter and then the most frequent
        one wins.
        """
        limit = 1 if len(word) <= 5 else 2
        best: tuple[int, int, int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            bucket = self.by_length.get(length)
            if not bucket:
                continue
            for candidate, distance, _ in process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=limit, limit=None
            ):
                key = (
                    int(distance),
                    candidate[0] != word[0],
                    -self.frequency[candidate],
                    candidate,
                )
                if best is None or key < best:
                    best = key
        return best[3] if best else None


@dataclass(frozen=True)
class _Clause:
    """What one query word may match: terms in any field, completions in some fields."""

    terms: frozenset[str]
    completions: frozenset[str]
    completion_fields: tuple[str, ...]

    def postings(self, fields: tuple[str, ...]) -> list[tuple[str, str]]:
        """(field, term) pairs: the word's terms over `fields`, its completions over theirs."""
        wanted = [(f, t) for t in sorted(self.terms) for f in fields]
        completions = sorted(self.completions - self.terms)
        wanted += [(f, t) for t in completions for f in self.completion_fields]
        return wanted


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


@dataclass(frozen=True)
class _Plan:
    """A query turned into terms: one clause per word, plus the corrected text if any."""

    clauses: tuple[_Clause, ...]
    did_you_mean: str | None

    @property
    def terms(self) -> frozenset[str]:
        """Every term that may match (what the snippet highlights)."""
        return frozenset().union(*(c.terms | c.completions for c in self.clauses))


class _LocaleIndex:
    """One locale's Whoosh index, its vocabularies and a pool of searchers."""

    def __init__(
        self,
        ix: whoosh_index.Index,
        language: Language,
        public: _Vocabulary,
        staff: _Vocabulary,
    ) -> None:
        self._ix = ix
        self.language = language
        self._vocabularies = {False: public, True: staff}
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
        rows = json.loads((folder / VOCABULARY).read_text(encoding="utf-8"))["words"]
        terms = {word: term for word, term, _public, _staff in rows}
        public = _Vocabulary.of({w: p for w, _t, p, _s in rows if p}, terms)
        staff = _Vocabulary.of({w: s for w, _t, _p, s in rows}, terms)
        return cls(whoosh_index.open_dir(str(folder)), language, public, staff)

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
        plan = self._plan(query)
        if not plan.clauses:
            return SearchResults(hits=(), total=0, did_you_mean=plan.did_you_mean)
        fields = STAFF_FIELDS if query.staff else PUBLIC_FIELDS
        clauses = [c.postings(fields) for c in plan.clauses]
        with self._searcher() as searcher:
            reader = searcher.reader()
            visible = self._visible(searcher, query)
            score, clause_hits, _terms, _count = self._scorer.clauses(reader, clauses)
            matched = visible & (clause_hits == len(clauses))
            if not matched.any() and len(clauses) > 1:
                matched, score = self._any_word(reader, clauses, visible)
            docs = _top(score, matched, query.limit)
            hits = tuple(
                self._hit(searcher.stored_fields(int(d)), score[d], plan, query.staff) for d in docs
            )
        return SearchResults(hits=hits, total=int(matched.sum()), did_you_mean=plan.did_you_mean)

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

    def _plan(self, query: SearchQuery) -> _Plan:
        """Terms for each word: corrected when unknown, expanded when it is being typed."""
        vocabulary = self._vocabularies[query.staff]
        all_fields = STAFF_FIELDS if query.staff else PUBLIC_FIELDS
        text = query.text
        words = list(surface_words(text))
        clauses: list[_Clause] = []
        corrections: list[tuple[int, int, str]] = []
        for position, (word, start, end) in enumerate(words):
            term = self.language.term(word)
            typing = query.prefix and position == len(words) - 1 and end == len(text)
            limit = PREFIX_EXPANSIONS[min(len(word), len(PREFIX_EXPANSIONS)) - 1]
            completions = vocabulary.completions(word, limit) if typing else []
            expanded = frozenset(t for c in completions if (t := self.language.term(c)))
            fields = SHORT_PREFIX_FIELDS if len(word) <= SHORT_PREFIX else all_fields
            terms: frozenset[str] = frozenset()
            if vocabulary.knows(word, term):
                terms = frozenset([term] if term else [])
            elif not completions and self._correctable(word):
                corrected = vocabulary.correct(word)
                if corrected is not None:
                    corrections.append((start, end, corrected))
                    fixed = self.language.term(corrected)
                    terms = frozenset([fixed] if fixed else [])
            # A word found nowhere (and not corrected) would only empty an And: leave it out.
            if terms or expanded:
                clauses.append(_Clause(terms, expanded, fields))
        did_you_mean = None
        if corrections:
            did_you_mean = text
            for start, end, corrected in reversed(corrections):
                did_you_mean = did_you_mean[:start] + corrected + did_you_mean[end:]
            did_you_mean = did_you_mean.strip()
        return _Plan(tuple(clauses), did_you_mean)

    @staticmethod
    def _correctable(word: str) -> bool:
        """Long enough, and a word rather than a number or a code, to be a typo."""
        return len(word) >= MIN_TYPO_LENGTH and word.isalpha()

    def _hit(self, stored: dict[str, str], score: float, plan: _Plan, staff: bool) -> SearchHit:
        """A hit whose snippet shows the customer text (staff: or the better-matching notes)."""
        terms = _Highlight(self.language, plan.terms)
        snippet, matched = _snippet(stored.get("text", ""), terms)
        internal = stored.get("internal_text", "")
        if staff and internal:
            other, other_matched = _snippet(internal, terms)
            if other_matched > matched or not stored.get("text"):
                snippet = other
        return SearchHit(
            unit_id=stored["unit_id"],
            title=stored.get("title", ""),
            snippet=snippet,
            score=float(score),
            category=stored.get("category") or None,
        )


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


class _Highlight:
    """Which written words match a query's terms, remembered per spelling (a hit's text
    repeats its words, and hits share theirs: stemming each occurrence was most of the time
    spent building snippets)."""

    def __init__(self, language: Language, terms: frozenset[str]) -> None:
        self._language = language
        self._terms = terms
        self._seen: dict[str, str | None] = {}

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of every word in `text` whose term the query has."""
        seen, found = self._seen, []
        for match in _WORD.finditer(text):
            word = match.group()
            if word in seen:
                term = seen[word]
            else:
                term = seen[word] = self._term(word)
            if term is not None:
                found.append((match.start(), match.end(), term))
        return found

    def _term(self, word: str) -> str | None:
        """The query term `word` stands for, or None when it matches none."""
        term = self._language.term(fold(word))
        return term if term in self._terms else None


def _snippet(text: str, highlight: _Highlight) -> tuple[str, int]:
    """Safe-HTML excerpt of `text` around the most distinct matches, and how many it shows."""
    text = _SPACE.sub(" ", text).strip()
    matches = highlight.matches(text)
    if not matches:
        return _excerpt(text, 0, []), 0
    best, best_key = 0, (-1, -1)
    for i, (start, _end, _term) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] <= start + SNIPPET_CHARS]
        key = (len({m[2] for m in inside}), len(inside))
        if key > best_key:
            best, best_key = i, key
    first = matches[best][0]
    # Start a little before the first match, at a word boundary, so it reads as a phrase.
    begin = max(0, first - 30)
    if begin > 0:
        space = text.find(" ", begin, first)
        begin = space + 1 if space != -1 else first
    return _excerpt(text, begin, matches), best_key[0]


def _excerpt(text: str, begin: int, matches: list[tuple[int, int, str]]) -> str:
    """Escape text[begin:begin+SNIPPET_CHARS] (cut at a space), marking the matches in it."""
    end = len(text)
    if end - begin > SNIPPET_CHARS:
        end = begin + SNIPPET_CHARS
        space = text.rfind(" ", begin, end)
        if space > begin:
            end = space
    parts = ["…" if begin > 0 else ""]
    cursor = begin
    for start, stop, _term in matches:
        if start < begin or stop > end:
            continue
        parts += [html.escape(text[cursor:start]), "<mark>", html.escape(text[start:stop])]
        parts.append("</mark>")
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


class WhooshIndex:
    """An opened index of one release: every locale, searchable from several threads."""

    def __init__(self, locales: dict[str, _LocaleIndex]) -> None:
        self._locales = locales

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits for `query` in its locale (a locale with no units finds nothing)."""
        locale = self._locales.get(_locale_key(query.locale))
        if locale is None or not query.text.strip():
            return _EMPTY
        return locale.search(query)

    def close(self) -> None:
        """Release every locale's files."""
        for locale in self._locales.values():
            locale.close()
