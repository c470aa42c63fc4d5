"""The words one audience may see in a locale's index: saved at build time, loaded with it, and
used for prefix completion and rapidfuzz typo correction.

Both engines query the same vocabulary file, so completions and corrections cannot differ
between them; only query planning (kb/search/text.py) asks it anything.
"""

from __future__ import annotations

import bisect
import heapq
import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.search.analysis import Language

__all__ = ["VOCABULARY", "Vocabularies", "Vocabulary", "load_vocabularies", "save_vocabulary"]

VOCABULARY = "vocabulary.json"


class WordCounts(Protocol):
    """What saving needs from a build's counter (kb.search.text.TermCounter): words per audience."""

    def vocabulary(self, *, public: bool) -> dict[str, int]: ...

    def channel_vocabularies(self) -> dict[str, dict[str, int]]: ...


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


class Vocabularies:
    """One locale's vocabularies: staff's, customers' in no channel in particular, and per
    channel the customers' plus the words its `::: only` blocks add (made when first asked)."""

    def __init__(
        self,
        public: dict[str, int],
        staff: dict[str, int],
        channels: dict[str, dict[str, int]],
        terms: dict[str, str | None],
    ) -> None:
        self._terms = terms
        self._public = Vocabulary.of(public, terms)
        self._staff = Vocabulary.of(staff, terms)
        self._extra = channels
        self._channels: dict[str, Vocabulary] = {}
        self._lock = threading.Lock()

    def of(self, *, staff: bool, channel: str | None) -> Vocabulary:
        """The vocabulary of an asker: staff see every word, customers what their channel shows."""
        if staff:
            return self._staff
        extra = self._extra.get(channel or "")
        if not extra:
            return self._public
        found = self._channels.get(channel or "")
        if found is not None:  # made already: no lock on the query path
            return found
        with self._lock:
            found = self._channels.get(channel or "")
            if found is None:
                counts = dict(self._public.frequency)
                for word, count in extra.items():
                    counts[word] = counts.get(word, 0) + count
                found = self._channels[channel or ""] = Vocabulary.of(counts, self._terms)
            return found


def save_vocabulary(folder: Path, language: Language, counter: WordCounts) -> None:
    """Write the words of one locale's build with their term and public and staff counts, and
    per channel the counts of the words its `::: only` blocks add."""
    public, staff = counter.vocabulary(public=True), counter.vocabulary(public=False)
    rows = [[w, language.term(w), public.get(w, 0), staff[w]] for w in sorted(staff)]
    channels = {
        channel: sorted(counts.items())
        for channel, counts in counter.channel_vocabularies().items()
    }
    document = {"words": rows, "channels": channels}
    (folder / VOCABULARY).write_text(json.dumps(document, ensure_ascii=False), "utf-8")


def load_vocabularies(folder: Path) -> Vocabularies:
    """The vocabularies `save_vocabulary` wrote."""
    document = json.loads((folder / VOCABULARY).read_text(encoding="utf-8"))
    rows = document["words"]
    terms = {word: term for word, term, _public, _staff in rows}
    channels = {channel: dict(counts) for channel, counts in document.get("channels", {}).items()}
    for counts in channels.values():
        for word in counts:
            terms.setdefault(word, None)
    public = {w: p for w, _t, p, _s in rows if p}
    staff = {w: s for w, _t, _p, s in rows}
    return Vocabularies(public, staff, channels, terms)
