"""Units that answer the same question: near-identical example questions and titles (a question
of one unit that would land on another), questions that share their rare words, and bodies
that say the same thing, grouped per locale with the unit to keep.

Words are compared as the search index sees them (the locale's stop words out, Snowball or the
Bulgarian stemmer, kb.search.analysis), numbers masked so that two copies whose values drifted
still compare as copies. TF-IDF cosines come from scikit-learn in blocks of rows (a knowledge
base of 10,000 units never holds a 10,000 x 10,000 matrix); rapidfuzz compares the questions of
the pairs that come close.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.consistency.model import Duplicate
from kb.content.document import UnitDocument
from kb.search.analysis import Language, language_for, surface_words

__all__ = ["DuplicateRule", "Pair", "find_duplicates", "pair_scores"]

_DIGITS = re.compile(r"\d")
_ROWS_PER_BLOCK = 512


@dataclass(frozen=True)
class DuplicateRule:
    """When two units answer the same question (tuned on benchmarks/data/consistency)."""

    #: rapidfuzz token_sort_ratio (0..100) of the best question/title pair, alone enough.
    question_ratio: float = 92.0
    #: ... or that ratio with the bodies at least this close.
    question_ratio_with_body: float = 80.0
    body_with_question: float = 0.35
    #: TF-IDF cosine of all questions and the title, alone enough.
    questions_cosine: float = 0.80
    #: Bodies this close (cosine) with questions at least `questions_with_body` close.
    body_cosine: float = 0.85
    questions_with_body: float = 0.30


@dataclass(frozen=True)
class Pair:
    """How alike two units of one locale are (indices into the units list)."""

    first: int
    second: int
    #: Best question-to-question (titles included) rapidfuzz ratio, 0..100, and the two.
    ratio: float
    questions: tuple[str, str]
    #: TF-IDF cosines of the questions with titles, and of the bodies.
    questions_cosine: float
    body_cosine: float

    def verdict(self, rule: DuplicateRule) -> float | None:
        """The pair's duplicate score (0..1), or None when the rule says they differ."""
        scores = []
        if self.ratio >= rule.question_ratio:
            scores.append(self.ratio / 100)
        body_backs_question = self.body_cosine >= rule.body_with_question
        if self.ratio >= rule.question_ratio_with_body and body_backs_question:
            scores.append((self.ratio / 100 + self.body_cosine) / 2)
        if self.questions_cosine >= rule.questions_cosine:
            scores.append(self.questions_cosine)
        questions_back_body = self.questions_cosine >= rule.questions_with_body
        if self.body_cosine >= rule.body_cosine and questions_back_body:
            scores.append(self.body_cosine)
        return round(max(scores), 3) if scores else None


@lru_cache(maxsize=65536)
def _terms(language: Language, text: str) -> tuple[str, ...]:
    """The index terms of a text, digits masked ("14 days" and "30 days" are one phrase)."""
    found = []
    for word, _s, _e in surface_words(text):
        term = language.term(word)
        if term is not None:
            found.append(_DIGITS.sub("0", term))
    return tuple(found)


def _questions(document: UnitDocument) -> tuple[str, ...]:
    """The ways a unit is asked: its title and its example questions."""
    return (document.title, *document.questions)


def _cosines(texts: list[tuple[str, ...]], candidates: float) -> dict[tuple[int, int], float]:
    """TF-IDF cosine of every pair of texts (given as terms) that reaches `candidates`."""
    if len(texts) < 2 or not any(texts):
        return {}
    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no terms at all (every word a stop word)
        return {}
    close: dict[tuple[int, int], float] = {}
    transposed = matrix.T.tocsc()
    for start in range(0, matrix.shape[0], _ROWS_PER_BLOCK):
        block = (matrix[start : start + _ROWS_PER_BLOCK] @ transposed).toarray()
        rows, cols = np.nonzero(block >= candidates)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            if start + row < col:
                close[(start + row, col)] = float(block[row, col])
    return close


def _best_ratio(
    language: Language, first: UnitDocument, second: UnitDocument
) -> tuple[float, tuple[str, str]]:
    """The closest question (or title) of one unit to one of the other's, by rapidfuzz."""
    best, which = 0.0, ("", "")
    for a in _questions(first):
        terms_a = " ".join(sorted(_terms(language, a)))
        if not terms_a:
            continue
        for b in _questions(second):
            terms_b = " ".join(sorted(_terms(language, b)))
            ratio = fuzz.ratio(terms_a, terms_b) if terms_b else 0.0
            if ratio > best:
                best, which = ratio, (a, b)
    return best, which


def pair_scores(documents: Sequence[UnitDocument], locale: str) -> list[Pair]:
    """Every pair of units of one locale that comes near enough to be judged."""
    language = language_for(locale)
    asked = [tuple(t for q in _questions(d) for t in _terms(language, q)) for d in documents]
    bodies = [_terms(language, d.body) for d in documents]
    by_questions = _cosines(asked, 0.2)
    by_body = _cosines(bodies, 0.3)
    pairs = []
    for i, j in sorted(by_questions.keys() | by_body.keys()):
        ratio, which = _best_ratio(language, documents[i], documents[j])
        pairs.append(
            Pair(i, j, ratio, which, by_questions.get((i, j), 0.0), by_body.get((i, j), 0.0))
        )
    return pairs


def _keep(documents: Sequence[UnitDocument], members: list[int]) -> int:
    """The unit a merge keeps: one written here rather than imported, public, with the most
    example questions, then the longest body, then the first id."""
    return min(
        members,
        key=lambda i: (
            documents[i].source is not None,
            documents[i].audience != "public",
            -len(documents[i].questions),
            -len(documents[i].body),
            documents[i].id,
        ),
    )


def _reason(documents: Sequence[UnitDocument], pair: Pair) -> str:
    """Why two units were judged to answer the same question, in words."""
    first, second = documents[pair.first].id, documents[pair.second].id
    asked_a, asked_b = pair.questions
    return (
        f"{first} '{asked_a}' ~ {second} '{asked_b}' ({pair.ratio:.0f}/100); "
        f"questions {pair.questions_cosine:.2f}, bodies {pair.body_cosine:.2f}"
    )


def find_duplicates(
    documents: Sequence[UnitDocument], locale: str, rule: DuplicateRule | None = None
) -> list[Duplicate]:
    """Groups of units of one locale that answer the same question (pairs joined transitively),
    each with the unit to keep, its weakest link's score and the strongest link's reason."""
    rule = rule or DuplicateRule()
    parent = list(range(len(documents)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links: list[tuple[float, Pair]] = []
    for pair in pair_scores(documents, locale):
        score = pair.verdict(rule)
        if score is not None:
            links.append((score, pair))
            parent[root(pair.first)] = root(pair.second)
    groups: dict[int, list[tuple[float, Pair]]] = {}
    for score, pair in links:
        groups.setdefault(root(pair.first), []).append((score, pair))
    found = []
    for edges in groups.values():
        members = sorted({i for _s, p in edges for i in (p.first, p.second)})
        best = max(edges, key=lambda e: e[0])[1]
        found.append(
            Duplicate(
                locale=locale,
                units=tuple(documents[i].id for i in members),
                keep=documents[_keep(documents, members)].id,
                score=min(s for s, _p in edges),
                reason=_reason(documents, best),
            )
        )
    return sorted(found, key=lambda d: d.units)
