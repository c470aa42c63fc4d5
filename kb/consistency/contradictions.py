"""Contradictions: two units that answer the same question (a duplicate group) and state
different values of one kind about the same thing.

Precision first. Each value one unit states is paired with the value of the other unit whose
sentence is most about the same thing: the words around both (values and numbers left out)
overlap by at least CONTEXT_OVERLAP of the shorter side, words weighted by how rare they are in
the locale (so "vaccine", in every answer of a vaccine FAQ, says little). Pairs that agree are
taken first: a unit listing the sales and the support numbers against one listing the support
number alone agrees. Pairs that differ are contradictions. When no such pair is found and each
unit states one value of the kind (two copies of one answer, each with one refund period), the
two values face each other if their sentences share anything telling (SINGLE_CONTEXT_OVERLAP).
Durations on the clock are not compared with durations on the calendar (a reply time is not a
refund period), nor amounts in two currencies (a price per market), nor addresses on two sites
(a redirector's link and its page are one page); addresses of one page that moved within a site
agree (`_same_page`), and addresses are compared only where each unit gives one (help articles
full of links reword and move them: measured on the Microsoft 365 articles, pairing their links
by sentence was mostly false alarms).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from urllib.parse import urlsplit

from kb.consistency.model import KINDS, Contradiction, Duplicate, Mention
from kb.search.analysis import Language, language_for, surface_words

__all__ = [
    "CONTEXT_OVERLAP",
    "SINGLE_CONTEXT_OVERLAP",
    "find_contradictions",
    "term_weights",
]

#: How much (weighted) of the shorter sentence's words two sentences must share for two of
#: their values to be about the same thing.
CONTEXT_OVERLAP = 0.5
#: ... and when each unit states one value of the kind (copies of one answer).
SINGLE_CONTEXT_OVERLAP = 0.2

Weight = Callable[[str], float]


def _terms(language: Language, text: str) -> set[str]:
    """The index terms of a text, numbers left out."""
    found = set()
    for word, _s, _e in surface_words(text):
        term = language.term(word)
        if term is not None and not any(c.isdigit() for c in term):
            found.add(term)
    return found


def term_weights(term_sets: Iterable[Iterable[str]]) -> Weight:
    """Smoothed inverse document frequency of terms over `term_sets` (one per unit)."""
    frequency: Counter[str] = Counter()
    count = 0
    for terms in term_sets:
        frequency.update(set(terms))
        count += 1
    return lambda term: math.log((1 + count) / (1 + frequency[term])) + 1


def _context(language: Language, mention: Mention) -> frozenset[str]:
    """The terms of a mention's sentence but its value's own words."""
    return frozenset(_terms(language, mention.sentence) - _terms(language, mention.value))


def _overlap(first: frozenset[str], second: frozenset[str], weight: Weight) -> float:
    """Weight of the shared terms over the lighter side's (0 when either side has none); summed
    exactly (fsum), so a set's iteration order, which differs from one process to the next,
    cannot tip a tie and change the report."""
    if not first or not second:
        return 0.0
    lighter = min(math.fsum(map(weight, first)), math.fsum(map(weight, second)))
    return math.fsum(map(weight, first & second)) / lighter


def _agree(first: str, second: str) -> bool:
    """Whether two normalized values say the same: a date without a year agrees with that day
    in any year ("--04-13" and "2021-04-13"), an address with the same page whatever its query
    or the case of its path ("/Teams/x?view=y" and "/teams/x")."""
    if first == second:
        return True
    if first.startswith("--") or second.startswith("--"):
        return first[-6:] == second[-6:]
    if first.startswith("https://") and second.startswith("https://"):
        return _same_page(first, second)
    return False


def _same_page(first: str, second: str) -> bool:
    """Whether two addresses on one site name one page: their paths equal but for case and
    query, or their last segments equal or one the other plus a prefix or suffix (a page that
    moved: "/intune/setup-steps" and "/mem/intune/fundamentals/setup-steps"; an article by its
    id or by its slug and id)."""
    path_a = urlsplit(first).path.lower()
    path_b = urlsplit(second).path.lower()
    if path_a == path_b:
        return True
    last_a = path_a.rsplit("/", 1)[-1]
    last_b = path_b.rsplit("/", 1)[-1]
    if not last_a or not last_b:
        return False
    short, long = sorted((last_a, last_b), key=len)
    return long == short or long.endswith("-" + short) or long.startswith(short + "-")


def _comparable(first: Mention, second: Mention) -> bool:
    """Whether two values of a kind can name the same thing (see the module docstring)."""
    if first.kind == "duration":
        return first.normalized.startswith("PT") == second.normalized.startswith("PT")
    if first.kind == "url":
        return urlsplit(first.normalized).hostname == urlsplit(second.normalized).hostname
    if first.kind == "money":  # "EUR 6.00" and "GBP 5.00": one price per market, not a conflict
        return first.normalized.split()[0] == second.normalized.split()[0]
    return True


def _conflicts(
    language: Language, weight: Weight, first: Sequence[Mention], second: Sequence[Mention]
) -> list[tuple[Mention, Mention]]:
    """Pairs of one kind's mentions of two units that contradict each other."""
    if not first or not second:
        return []
    contexts = {id(m): _context(language, m) for m in (*first, *second)}
    if first[0].kind == "url":  # articles full of links reword and move them: one each only
        return _single_values(weight, contexts, first, second)
    scored = sorted(
        (
            (
                _overlap(contexts[id(a)], contexts[id(b)], weight),
                _agree(a.normalized, b.normalized),
                i,
                j,
            )
            for i, a in enumerate(first)
            for j, b in enumerate(second)
            if _comparable(a, b)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    found = []
    for overlap, agree, i, j in scored:
        if overlap < CONTEXT_OVERLAP or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        if not agree:
            found.append((first[i], second[j]))
    if used_a:
        return found
    return _single_values(weight, contexts, first, second)


def _single_values(
    weight: Weight,
    contexts: Mapping[int, frozenset[str]],
    first: Sequence[Mention],
    second: Sequence[Mention],
) -> list[tuple[Mention, Mention]]:
    """The one value each unit states of a kind, when they differ and their sentences share
    something telling."""
    if len({m.normalized for m in first}) != 1 or len({m.normalized for m in second}) != 1:
        return []
    a, b = first[0], second[0]
    if _agree(a.normalized, b.normalized) or not _comparable(a, b):
        return []
    near = _overlap(contexts[id(a)], contexts[id(b)], weight) >= SINGLE_CONTEXT_OVERLAP
    return [(a, b)] if near else []


def find_contradictions(
    groups: Sequence[Duplicate],
    mentions: Mapping[str, Sequence[Mention]],
    locale: str,
    weight: Weight | None = None,
) -> list[Contradiction]:
    """Every contradiction within the duplicate groups of one locale (`mentions` by unit id;
    `weight`: how telling a term is, from `term_weights`, by default all alike)."""
    language = language_for(locale)
    weigh = weight or (lambda _term: 1.0)
    found = []
    for group in groups:
        for first_id, second_id in combinations(group.units, 2):
            for kind in KINDS:
                first = [m for m in mentions.get(first_id, ()) if m.kind == kind]
                second = [m for m in mentions.get(second_id, ()) if m.kind == kind]
                for a, b in _conflicts(language, weigh, first, second):
                    found.append(Contradiction(locale=locale, kind=kind, first=a, second=b))
    return found
