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
from itertools import combinations

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.consistency.model import Duplicate
from kb.content.document import UnitDocument
from kb.search.analysis import Language, language_for, surface_words

__all__ = ["DuplicateRule", "Pair", "body_terms", "find_duplicates", "pair_scores"]

_DIGITS = re.compile(r"\d")
_ROWS_PER_BLOCK = 512
#: Bodies at least this alike (TF-IDF cosine) are judged as a pair: every verdict needs them
#: at least `DuplicateRule.landed_body` alike, the lowest of its body thresholds.
_BODY_CANDIDATE = 0.3


@dataclass(frozen=True)
class DuplicateRule:
    """When two units answer the same question (tuned on benchmarks/data/consistency: precision
    first, so a question or title alike is never enough without the answers agreeing)."""

    #: Bodies this close (TF-IDF cosine) are one answer, whatever the titles, when they have
    #: at least `copy_terms` words: copies of one text that drifted.
    copy_cosine: float = 0.90
    copy_terms: int = 8
    #: rapidfuzz ratio (0..100) of the closest question or title pair that counts as the same
    #: question ...
    question_ratio: float = 92.0
    #: ... with bodies at least this close; or two (or more) of one unit's questions landing
    #: on two of the other's (ratio `landing_ratio`) with bodies at least `landed_body` close.
    body_with_question: float = 0.50
    landing_ratio: float = 85.0
    landed_body: float = 0.45
    #: Questions with titles (cosine) and bodies both this close ...
    questions_and_body: tuple[tuple[float, float], ...] = ((0.60, 0.60), (0.70, 0.45))
    #: ... or a question ratio of 80 with questions 0.60 and bodies 0.45 alike.
    near_question: tuple[float, float, float] = (80.0, 0.60, 0.45)
    #: When each title names something the other unit is never asked about ("enrolling
    #: Android devices" against "enrolling Windows devices"), the bodies must be this close,
    #: and this close to count as copies (one template filled in for two products).
    distinct_titles_body: float = 0.80
    distinct_titles_copy: float = 0.97


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
    #: Words in the shorter body.
    body_terms: int = 0
    #: Whether each title has a word the other unit's title and questions lack.
    distinct_titles: bool = False
    #: How many of the ways one unit is asked land on different ways the other is asked
    #: (ratio of at least `DuplicateRule.landing_ratio`).
    landed: int = 0

    def verdict(self, rule: DuplicateRule) -> float | None:
        """The pair's duplicate score (0..1), or None when the rule says they differ."""
        q, b, r = self.questions_cosine, self.body_cosine, self.ratio
        scores = []
        copy = rule.distinct_titles_copy if self.distinct_titles else rule.copy_cosine
        if b >= copy and self.body_terms >= rule.copy_terms:
            scores.append(b)
        if self.distinct_titles and b < rule.distinct_titles_body:
            return round(max(scores), 3) if scores else None
        if r >= rule.question_ratio and b >= rule.body_with_question:
            scores.append((r / 100 + b) / 2)
        if self.landed >= 2 and b >= rule.landed_body:
            scores.append((r / 100 + q + b) / 3)
        if any(q >= min_q and b >= min_b for min_q, min_b in rule.questions_and_body):
            scores.append((q + b) / 2)
        min_r, min_q, min_b = rule.near_question
        if r >= min_r and q >= min_q and b >= min_b:
            scores.append((r / 100 + q + b) / 3)
        return round(max(scores), 3) if scores else None


@lru_cache(maxsize=65536)
def _terms(language: Language, text: str, *, masked: bool = True) -> tuple[str, ...]:
    """The index terms of a text, digits masked unless `masked` is False ("14 days" and
    "30 days" are one phrase; error 30125 and error 30174 are two questions)."""
    found = []
    for word, _s, _e in surface_words(text):
        term = language.term(word)
        if term is not None:
            found.append(_DIGITS.sub("0", term) if masked else term)
    return tuple(found)


def body_terms(document: UnitDocument, locale: str) -> tuple[str, ...]:
    """The index terms of a unit's body as the duplicate check reads them (remembered)."""
    return _terms(language_for(locale), document.body)


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


@dataclass(frozen=True)
class _Asked:
    """How one unit is asked, prepared once for every pair it is judged in."""

    #: Its title and example questions, and each one's terms sorted and joined (rapidfuzz
    #: compares these; "" for a question of stop words only).
    questions: tuple[str, ...]
    sorted_terms: tuple[str, ...]
    #: Every unmasked term of its title and questions, and of its title alone.
    terms: frozenset[str]
    title_terms: frozenset[str]

    @classmethod
    def of(cls, language: Language, document: UnitDocument) -> _Asked:
        """The prepared form of `document`'s questions."""
        questions = _questions(document)
        return cls(
            questions,
            tuple(" ".join(sorted(_terms(language, q))) for q in questions),
            frozenset(t for q in questions for t in _terms(language, q, masked=False)),
            frozenset(_terms(language, document.title, masked=False)),
        )


def _best_ratio(
    first: _Asked, second: _Asked, landing: float
) -> tuple[float, tuple[str, str], int]:
    """The closest question (or title) of one unit to one of the other's, by rapidfuzz, and
    how many pairs of them (each question used once) reach `landing`."""
    ratios = cdist(first.sorted_terms, second.sorted_terms, scorer=fuzz.ratio, dtype=np.float64)
    ratios[[not terms for terms in first.sorted_terms], :] = 0.0  # nothing to compare
    ratios[:, [not terms for terms in second.sorted_terms]] = 0.0
    i, j = np.unravel_index(int(np.argmax(ratios)), ratios.shape)
    best = float(ratios[i, j])
    which = (first.questions[i], second.questions[j]) if best > 0 else ("", "")
    rows, cols = np.nonzero(ratios >= landing)
    landed = min(len(set(rows.tolist())), len(set(cols.tolist())))
    return best, which, landed


def _distinct_titles(first: _Asked, second: _Asked) -> bool:
    """Whether each unit's title has a word (or number) the other's title and questions lack."""
    return bool(first.title_terms - second.terms) and bool(second.title_terms - first.terms)


def pair_scores(
    documents: Sequence[UnitDocument], locale: str, landing: float = DuplicateRule.landing_ratio
) -> list[Pair]:
    """Every pair of units of one locale whose bodies come near enough to be judged (every
    verdict needs bodies at least `_BODY_CANDIDATE` alike; `landing`: the ratio from which one
    unit's question counts as landing on the other's)."""
    language = language_for(locale)
    asked = [tuple(t for q in _questions(d) for t in _terms(language, q)) for d in documents]
    bodies = [_terms(language, d.body) for d in documents]
    by_questions = _cosines(asked, 0.2)
    by_body = _cosines(bodies, _BODY_CANDIDATE)
    prepared: dict[int, _Asked] = {}

    def ask(index: int) -> _Asked:
        if index not in prepared:
            prepared[index] = _Asked.of(language, documents[index])
        return prepared[index]

    pairs = []
    for i, j in sorted(by_body):
        ratio, which, landed = _best_ratio(ask(i), ask(j), landing)
        pairs.append(
            Pair(
                i,
                j,
                ratio,
                which,
                by_questions.get((i, j), 0.0),
                by_body[(i, j)],
                min(len(bodies[i]), len(bodies[j])),
                _distinct_titles(ask(i), ask(j)),
                landed,
            )
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


def _complete_groups(links: dict[tuple[int, int], float]) -> list[list[int]]:
    """Groups in which every unit is linked to every other (complete linkage, strongest links
    first): a chain a~b~c with a and c unlike stays two groups, so no merge suggestion folds
    a unit into one it does not duplicate."""
    group_of: dict[int, list[int]] = {}
    for (i, j), _score in sorted(links.items(), key=lambda item: (-item[1], item[0])):
        first = group_of.get(i, [i])
        second = group_of.get(j, [j])
        if first is second:
            continue
        if all((min(a, b), max(a, b)) in links for a in first for b in second):
            merged = sorted(first + second)
            for member in merged:
                group_of[member] = merged
    unique = {id(group): group for group in group_of.values()}
    return sorted(unique.values())


def find_duplicates(
    documents: Sequence[UnitDocument], locale: str, rule: DuplicateRule | None = None
) -> list[Duplicate]:
    """Groups of units of one locale that answer the same question, each with the unit to
    keep, its weakest link's score and the strongest link's reason."""
    rule = rule or DuplicateRule()
    pairs = {}
    links = {}
    for pair in pair_scores(documents, locale, rule.landing_ratio):
        score = pair.verdict(rule)
        if score is not None:
            pairs[(pair.first, pair.second)] = pair
            links[(pair.first, pair.second)] = score
    found = []
    for members in _complete_groups(links):
        edges = [(a, b) for a, b in combinations(members, 2)]
        best = max(edges, key=lambda edge: links[edge])
        found.append(
            Duplicate(
                locale=locale,
                units=tuple(documents[i].id for i in members),
                keep=documents[_keep(documents, members)].id,
                score=min(links[edge] for edge in edges),
                reason=_reason(documents, pairs[best]),
            )
        )
    return sorted(found, key=lambda d: d.units)
