"""The words one audience may see in a locale's index: saved at build time, loaded with it, and
used for prefix completion and rapidfuzz typo correction.

Both engines query the same vocabulary file, so completions and corrections cannot differ
between them; only query planning (kb/search/text.py) asks it anything.
"""

from __future__ import annotations

import bisect
import heapq
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.search.analysis import Language

__all__ = ["VOCABULARY", "Vocabulary", "load_vocabularies", "save_vocabulary"]

VOCABULARY = "vocabulary.json"


class WordCounts(Protocol):
    """What saving needs from a build's counter (kb.search.text.TermCounter): words per audience."""

    def vocabulary(self, *, public: bool) -> dict[str, int]: ...


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


def save_vocabulary(folder: Path, language: Language, counter: WordCounts) -> None:
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
