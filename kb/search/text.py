"""What every search engine does the same way, in Python: analysis, query plans, snippets.

Engines only store and score terms. The words a unit is indexed under, the vocabulary saved at
build time (prefix completion and rapidfuzz typo correction), the terms each query word stands
for and the highlighted snippets all come from here, so two engines cannot drift apart.
"""

from __future__ import annotations

import bisect
import heapq
import html
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.errors import ConfigError
from kb.search.analysis import WORD_PATTERN, Language, fold, language_for, surface_words
from kb.search.base import IndexedUnit, SearchHit, SearchQuery, SearchResults

__all__ = [
    "ALL_CHANNELS",
    "BOOSTS",
    "EMPTY",
    "PUBLIC_FIELDS",
    "STAFF_FIELDS",
    "Clause",
    "Highlight",
    "QueryPlan",
    "ReleaseIndex",
    "TermCounter",
    "Vocabulary",
    "build_locales",
    "by_locale",
    "is_internal",
    "load_vocabularies",
    "locale_key",
    "make_hit",
    "new_index_directory",
    "open_locales",
    "plan_query",
    "read_manifest",
    "save_vocabulary",
    "snippet",
    "write_manifest",
]

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
SNIPPET_CHARS = 160

_SPACE = re.compile(r"\s+")
_WORD = re.compile(WORD_PATTERN)
EMPTY = SearchResults(hits=(), total=0)


def locale_key(locale: str) -> str:
    """One spelling per locale: "en_GB", "en-gb" and "en-GB " are the same index."""
    return locale.strip().replace("_", "-").lower()


def is_internal(unit: IndexedUnit) -> bool:
    """Whether the whole unit is for staff only."""
    return unit.audience == "internal"


# --- building -----------------------------------------------------------------------------


def new_index_directory(directory: Path) -> Path:
    """`directory`, created if absent; a build never writes over another index."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"search index directory {directory} is not empty")
    return directory


def by_locale(units: Iterable[IndexedUnit]) -> list[tuple[str, Language, list[IndexedUnit]]]:
    """The units grouped by locale, in locale order, each with its language."""
    groups: dict[str, list[IndexedUnit]] = defaultdict(list)
    for unit in units:
        groups[locale_key(unit.locale)].append(unit)
    return [(locale, language_for(locale), group) for locale, group in sorted(groups.items())]


def write_manifest(
    directory: Path, engine: str, format_version: int, locales: Mapping[str, Any]
) -> None:
    """Say which engine and format wrote `directory`, and where each locale's index is."""
    manifest = {"engine": engine, "format": format_version, "locales": dict(locales)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def read_manifest(
    directory: Path, engine: str, format_version: int
) -> dict[str, tuple[Path, Language]]:
    """Each locale's folder and language; a clear error when the index must be rebuilt."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no search index in {directory}; rebuild it") from None
    if manifest.get("engine") != engine or manifest.get("format") != format_version:
        raise ConfigError(f"search index in {directory} has another format; rebuild it")
    locales = {}
    for locale, entry in manifest["locales"].items():
        language = language_for(locale)
        if language.code != entry["language"]:
            raise ConfigError(f"search index in {directory} used another analyzer; rebuild it")
        locales[locale] = (directory / entry["folder"], language)
    return locales


class LocaleSearch(Protocol):
    """One locale's opened index, as an engine loads it."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits for `query` (its text is not blank)."""
        ...

    def close(self) -> None:
        """Release its files."""
        ...


L = TypeVar("L", bound=LocaleSearch)


def build_locales(
    units: Iterable[IndexedUnit],
    directory: Path,
    *,
    engine: str,
    format_version: int,
    build: Callable[[list[IndexedUnit], Language, Path], None],
) -> None:
    """Write each locale's units with `build`, in a folder of its own in the empty
    `directory`, then the manifest saying where each is (the same layout for every engine)."""
    directory = new_index_directory(directory)
    locales = {}
    for number, (locale, language, group) in enumerate(by_locale(units)):
        folder = f"locale-{number}"
        build(group, language, directory / folder)
        locales[locale] = {"folder": folder, "language": language.code, "units": len(group)}
    write_manifest(directory, engine, format_version, locales)


def open_locales(
    directory: Path, *, engine: str, format_version: int, load: Callable[[Path, Language], L]
) -> dict[str, L]:
    """Each locale's index that `build_locales` wrote, opened with `load`."""
    locales = read_manifest(Path(directory), engine, format_version)
    return {locale: load(folder, language) for locale, (folder, language) in locales.items()}


class ReleaseIndex(Generic[L]):
    """An opened index of one release: every locale, searchable from several threads."""

    def __init__(self, locales: Mapping[str, L]) -> None:
        self._locales = dict(locales)

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits for `query` in its locale (a locale with no units finds nothing)."""
        locale = self._locales.get(locale_key(query.locale))
        if locale is None or not query.text.strip():
            return EMPTY
        return locale.search(query)

    def close(self) -> None:
        """Release every locale's files."""
        for locale in self._locales.values():
            locale.close()


class TermCounter:
    """Term counts of the texts of one build, and the words each audience may see in them.

    Gives what `Language.term_counts(word_counts(text))` gives (a test keeps them equal), but
    folds and analyses each distinct written word once per build rather than once per field
    of every unit, and counts the vocabulary as written words (in C), folded at the end.
    """

    def __init__(self, language: Language) -> None:
        self._term = language.term
        self._words: dict[str, tuple[str, str | None, bytes | None]] = {}
        self._written: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}

    def terms(self, text: str, public: bool) -> dict[bytes, int]:
        """Term (UTF-8) -> frequency in `text`, whose words staff, and customers if `public`,
        may see."""
        found = self._count(text, public)
        known = self._words
        counts: dict[bytes, int] = {}
        for written, count in Counter(found).items():
            entry = known.get(written)
            if entry is None:
                entry = known[written] = self._analyse(written)
            term = entry[2]
            if term is not None:
                counts[term] = counts.get(term, 0) + count
        return counts

    def joined(self, text: str, public: bool) -> str:
        """The terms of `text`, one per word and separated by spaces (for an engine that only
        splits on whitespace); counted as `terms` counts them."""
        found = self._count(text, public)
        known = self._words
        terms = []
        for written in found:
            entry = known.get(written)
            if entry is None:
                entry = known[written] = self._analyse(written)
            if entry[1] is not None:
                terms.append(entry[1])
        return " ".join(terms)

    def vocabulary(self, *, public: bool) -> dict[str, int]:
        """Folded word -> frequency over the texts customers (or staff) may see."""
        counts: dict[str, int] = {}
        for written, count in self._written[public].items():
            word = self._words[written][0]
            counts[word] = counts.get(word, 0) + count
        return counts

    def _count(self, text: str, public: bool) -> list[str]:
        """The written words of `text`, counted for the audiences that may see them."""
        found = _WORD.findall(text)
        self._written[False].update(found)
        if public:
            self._written[True].update(found)
        return found

    def _analyse(self, written: str) -> tuple[str, str | None, bytes | None]:
        word = fold(written)
        term = self._term(word)
        return word, term, None if term is None else term.encode("utf-8")


def save_vocabulary(folder: Path, language: Language, counter: TermCounter) -> None:
    """Write the words of one locale's build with their term and public and staff counts."""
    public, staff = counter.vocabulary(public=True), counter.vocabulary(public=False)
    rows = [[w, language.term(w), public.get(w, 0), staff[w]] for w in sorted(staff)]
    (folder / VOCABULARY).write_text(json.dumps({"words": rows}, ensure_ascii=False), "utf-8")


def load_vocabularies(folder: Path) -> dict[bool, Vocabulary]:
    """The customers' (False) and staff's (True) vocabularies `save_vocabulary` wrote."""
    rows = json.loads((folder / VOCABULARY).read_text(encoding="utf-8"))["words"]
    terms = {word: term for word, term, _public, _staff in rows}
    public = Vocabulary.of({w: p for w, _t, p, _s in rows if p}, terms)
    staff = Vocabulary.of({w: s for w, _t, _p, s in rows}, terms)
    return {False: public, True: staff}


# --- querying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Surface words one audience may see, for prefix completion and typo correction."""

    frequency: dict[str, int]
    terms: frozenset[str]
    sorted_words: tuple[str, ...]
    by_length: dict[int, list[str]]

    @classmethod
    def of(cls, counts: dict[str, int], terms: dict[str, str | None]) -> Vocabulary:
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
class Clause:
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


@dataclass(frozen=True)
class QueryPlan:
    """A query turned into terms: one clause per word, plus the corrected text if any."""

    clauses: tuple[Clause, ...]
    did_you_mean: str | None

    @property
    def terms(self) -> frozenset[str]:
        """Every term that may match (what the snippet highlights)."""
        return frozenset().union(*(c.terms | c.completions for c in self.clauses))

    def postings(self, staff: bool) -> list[list[tuple[str, str]]]:
        """Per clause, the (field, term) pairs it may match in the fields the asker may see."""
        fields = STAFF_FIELDS if staff else PUBLIC_FIELDS
        return [clause.postings(fields) for clause in self.clauses]


def plan_query(query: SearchQuery, language: Language, vocabulary: Vocabulary) -> QueryPlan:
    """Terms for each word: corrected when unknown, expanded when it is being typed.

    `vocabulary` is the asker's (customers never see staff words, corrected or completed).
    """
    all_fields = STAFF_FIELDS if query.staff else PUBLIC_FIELDS
    text = query.text
    words = list(surface_words(text))
    clauses: list[Clause] = []
    corrections: list[tuple[int, int, str]] = []
    for position, (word, start, end) in enumerate(words):
        term = language.term(word)
        typing = query.prefix and position == len(words) - 1 and end == len(text)
        limit = PREFIX_EXPANSIONS[min(len(word), len(PREFIX_EXPANSIONS)) - 1]
        completions = vocabulary.completions(word, limit) if typing else []
        expanded = frozenset(t for c in completions if (t := language.term(c)))
        fields = SHORT_PREFIX_FIELDS if len(word) <= SHORT_PREFIX else all_fields
        terms: frozenset[str] = frozenset()
        if vocabulary.knows(word, term):
            terms = frozenset([term] if term else [])
        elif not completions and _correctable(word):
            corrected = vocabulary.correct(word)
            if corrected is not None:
                corrections.append((start, end, corrected))
                fixed = language.term(corrected)
                terms = frozenset([fixed] if fixed else [])
        # A word found nowhere (and not corrected) would only empty an And: leave it out.
        if terms or expanded:
            clauses.append(Clause(terms, expanded, fields))
    did_you_mean = None
    if corrections:
        did_you_mean = text
        for start, end, corrected in reversed(corrections):
            did_you_mean = did_you_mean[:start] + corrected + did_you_mean[end:]
        did_you_mean = did_you_mean.strip()
    return QueryPlan(tuple(clauses), did_you_mean)


def _correctable(word: str) -> bool:
    """Long enough, and a word rather than a number or a code, to be a typo."""
    return len(word) >= MIN_TYPO_LENGTH and word.isalpha()


# --- showing ------------------------------------------------------------------------------


def make_hit(
    stored: Mapping[str, str], score: float, highlight: Highlight, staff: bool
) -> SearchHit:
    """A hit whose snippet shows the customer text (staff: or the better-matching notes).

    `highlight` is the query's, shared by its hits (they repeat one another's words).
    """
    shown, matched = snippet(stored.get("text", ""), highlight)
    internal = stored.get("internal_text", "")
    if staff and internal:
        other, other_matched = snippet(internal, highlight)
        if other_matched > matched or not stored.get("text"):
            shown = other
    return SearchHit(
        unit_id=stored["unit_id"],
        title=stored.get("title", ""),
        snippet=shown,
        score=float(score),
        category=stored.get("category") or None,
    )


class Highlight:
    """Which written words match a query's terms, remembered per spelling (a hit's text
    repeats its words, and hits share theirs: stemming each occurrence was most of the time
    spent building snippets). One per query, used by all of its hits."""

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


def snippet(text: str, highlight: Highlight) -> tuple[str, int]:
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
