"""What every search engine does the same way, in Python: index layout, terms, query plans.

Engines only store and score terms. The words a unit is indexed under, the folders and manifest
of a build and the terms each query word stands for come from here; the vocabulary saved at
build time (kb/search/vocabulary.py) and the highlighted snippets (kb/search/highlight.py) sit
beside it. All engines run this same code, so two engines cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from kb.errors import ConfigError, IndexOutdated
from kb.search.analysis import WORD_PATTERN, Language, fold, language_for, surface_words
from kb.search.base import IndexedUnit, SearchQuery, SearchResults
from kb.search.vocabulary import Vocabularies

__all__ = [
    "ALL_CHANNELS",
    "BOOSTS",
    "EMPTY",
    "ONLY_FIELD",
    "PUBLIC_FIELDS",
    "STAFF_FIELDS",
    "Clause",
    "QueryPlan",
    "ReleaseIndex",
    "TermCounter",
    "build_locales",
    "by_locale",
    "fields_for",
    "is_internal",
    "locale_key",
    "new_index_directory",
    "only_term",
    "open_locales",
    "plan_query",
    "read_manifest",
    "write_manifest",
]

MANIFEST = "manifest.json"
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
    "only_text": 1.0,
    "headline": 3.0,
}
PUBLIC_FIELDS = ("title", "questions", "keywords", "text")
#: Staff also search internal notes, and there every `::: only` block (IndexedUnit.staff_text).
STAFF_FIELDS = (*PUBLIC_FIELDS, "internal_text")
#: The words of `::: only` blocks, each term under its channel (`only_term`): a customer's search
#: in one channel looks up that channel's terms only, so it never matches another's text.
ONLY_FIELD = "only_text"
#: How many vocabulary words an unfinished last word of 1, 2, 3+ letters stands for (the most
#: frequent ones). Completions of 1-2 letters are looked for in the "headline" field only (title,
#: questions and keywords in one): across all fields they would match nearly every unit and take
#: a hundred milliseconds to score.
PREFIX_EXPANSIONS = (8, 16, 24)
SHORT_PREFIX = 2
SHORT_PREFIX_FIELDS = ("headline",)
#: Words shorter than this are never corrected (too many near neighbours).
MIN_TYPO_LENGTH = 4

_WORD = re.compile(WORD_PATTERN)
EMPTY = SearchResults(hits=(), total=0)


def locale_key(locale: str) -> str:
    """One spelling per locale: "en_GB", "en-gb" and "en-GB " are the same index."""
    return locale.strip().replace("_", "-").lower()


def is_internal(unit: IndexedUnit) -> bool:
    """Whether the whole unit is for staff only."""
    return unit.audience == "internal"


def only_term(channel: str, term: str) -> str:
    """A term of a `::: only` block as the index keeps it: under the channel that shows it
    (":" never occurs in a term or a channel name)."""
    return f"{channel}:{term}"


def fields_for(query: SearchQuery) -> tuple[str, ...]:
    """The text fields the asker may match: staff everything, a customer what every channel
    shows plus, in a channel, that channel's `::: only` blocks."""
    if query.staff:
        return STAFF_FIELDS
    return (*PUBLIC_FIELDS, ONLY_FIELD) if query.channel is not None else PUBLIC_FIELDS


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
        raise IndexOutdated(f"search index in {directory} has another format; rebuild it")
    locales = {}
    for locale, entry in manifest["locales"].items():
        language = language_for(locale)
        if language.code != entry["language"]:
            raise IndexOutdated(f"search index in {directory} used another analyzer; rebuild it")
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
    Audiences: customers in any channel (True), staff (False), and per channel the words its
    `::: only` blocks add (the channel's name).
    """

    def __init__(self, language: Language) -> None:
        self._term = language.term
        self._words: dict[str, tuple[str, str | None, bytes | None]] = {}
        self._written: dict[bool | str, Counter[str]] = {True: Counter(), False: Counter()}

    def terms(self, text: str, public: bool) -> dict[bytes, int]:
        """Term (UTF-8) -> frequency in `text`, whose words staff, and customers if `public`,
        may see."""
        return self._counts(self._count(text, (False, True) if public else (False,)))

    def only_terms(self, text: str, channel: str, public: bool) -> dict[bytes, int]:
        """`terms` of a `::: only` block shown in `channel`, each under its channel
        (`only_term`); its words join that channel's vocabulary if `public` (staff count them
        where they search them, in the internal field)."""
        counts = self._counts(self._count(text, (channel,) if public else ()))
        prefix = f"{channel}:".encode()
        return {prefix + term: count for term, count in counts.items()}

    def joined(self, text: str, public: bool) -> str:
        """The terms of `text`, one per word and separated by spaces (for an engine that only
        splits on whitespace); counted as `terms` counts them."""
        return " ".join(self._joined(self._count(text, (False, True) if public else (False,))))

    def only_joined(self, text: str, channel: str, public: bool) -> str:
        """`joined` for a `::: only` block shown in `channel`, counted as `only_terms` counts."""
        found = self._count(text, (channel,) if public else ())
        return " ".join(only_term(channel, term) for term in self._joined(found))

    def vocabulary(self, *, public: bool) -> dict[str, int]:
        """Folded word -> frequency over the texts customers (or staff) may see."""
        return self._folded(self._written[public])

    def channel_vocabularies(self) -> dict[str, dict[str, int]]:
        """Per channel, folded word -> frequency of what its `::: only` blocks add."""
        return {
            str(audience): self._folded(counts)
            for audience, counts in sorted(self._written.items(), key=lambda item: str(item[0]))
            if isinstance(audience, str) and counts
        }

    def _folded(self, written: Counter[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for word, count in written.items():
            folded = self._words[word][0]
            counts[folded] = counts.get(folded, 0) + count
        return counts

    def _counts(self, found: list[str]) -> dict[bytes, int]:
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

    def _joined(self, found: list[str]) -> list[str]:
        known = self._words
        terms = []
        for written in found:
            entry = known.get(written)
            if entry is None:
                entry = known[written] = self._analyse(written)
            if entry[1] is not None:
                terms.append(entry[1])
        return terms

    def _count(self, text: str, audiences: tuple[bool | str, ...]) -> list[str]:
        """The written words of `text`, counted for the audiences that may see them."""
        found = _WORD.findall(text)
        for audience in audiences:
            self._written.setdefault(audience, Counter()).update(found)
        return found

    def _analyse(self, written: str) -> tuple[str, str | None, bytes | None]:
        word = fold(written)
        term = self._term(word)
        return word, term, None if term is None else term.encode("utf-8")


# --- querying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """What one query word may match: terms in any field, completions in some fields."""

    terms: frozenset[str]
    completions: frozenset[str]
    completion_fields: tuple[str, ...]

    def postings(self, fields: tuple[str, ...], channel: str | None) -> list[tuple[str, str]]:
        """(field, term) pairs: the word's terms over `fields`, its completions over theirs
        (in the `::: only` field, the terms `channel` shows)."""
        wanted = [(f, t) for t in sorted(self.terms) for f in fields]
        completions = sorted(self.completions - self.terms)
        wanted += [(f, t) for t in completions for f in self.completion_fields]
        if channel is None:
            return [(f, t) for f, t in wanted if f != ONLY_FIELD]
        return [(f, only_term(channel, t) if f == ONLY_FIELD else t) for f, t in wanted]


@dataclass(frozen=True)
class QueryPlan:
    """A query turned into terms: one clause per word, plus the corrected text if any."""

    clauses: tuple[Clause, ...]
    did_you_mean: str | None
    #: The fields the asker may match (`fields_for`).
    fields: tuple[str, ...] = PUBLIC_FIELDS
    #: The channel whose `::: only` blocks the asker may match (None: no channel's).
    channel: str | None = None

    @property
    def terms(self) -> frozenset[str]:
        """Every term that may match (what the snippet highlights)."""
        return frozenset().union(*(c.terms | c.completions for c in self.clauses))

    def postings(self) -> list[list[tuple[str, str]]]:
        """Per clause, the (field, term) pairs it may match in the fields the asker may see
        (each clause's fields were chosen for the asker when the query was planned)."""
        return [clause.postings(self.fields, self.channel) for clause in self.clauses]


def plan_query(query: SearchQuery, language: Language, vocabularies: Vocabularies) -> QueryPlan:
    """Terms for each word: corrected when unknown, expanded when it is being typed.

    The vocabulary is the asker's: customers never see staff words, nor words of `::: only`
    blocks their channel does not show, corrected or completed.
    """
    vocabulary = vocabularies.of(staff=query.staff, channel=query.channel)
    all_fields = fields_for(query)
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
    channel = None if query.staff else query.channel
    return QueryPlan(tuple(clauses), did_you_mean, all_fields, channel)


def _correctable(word: str) -> bool:
    """Long enough, and a word rather than a number or a code, to be a typo."""
    return len(word) >= MIN_TYPO_LENGTH and word.isalpha()
