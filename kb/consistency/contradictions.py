"""Contradictions: two units that answer the same question (a duplicate group) and state
different values of one kind about the same thing.

Precision first. Values both units state are agreement, not conflict (a unit listing the sales
and the support numbers against one listing both agrees). Of the values only one side states,
a unit's single value of a kind faces the other unit's single value (two copies of one answer
that each give one refund period); where a unit states several, a value is paired only with
the other side's value whose sentence is about the same thing: the words around both values
(the value itself left out) overlap by at least half of the shorter side. Durations in hours or
minutes are not compared with durations in days or longer (a reply time is not a refund period).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from kb.consistency.model import KINDS, Contradiction, Duplicate, Mention
from kb.search.analysis import Language, language_for, surface_words

__all__ = ["CONTEXT_OVERLAP", "find_contradictions"]

#: How much of the shorter sentence's words the two sentences must share (0..1).
CONTEXT_OVERLAP = 0.5


def _context(language: Language, mention: Mention) -> frozenset[str]:
    """The terms of a mention's sentence, its value's own words and every number left out."""
    value = {language.term(w) for w, _s, _e in surface_words(mention.value)}
    terms = set()
    for word, _s, _e in surface_words(mention.sentence):
        term = language.term(word)
        if term is not None and term not in value and not any(c.isdigit() for c in term):
            terms.add(term)
    return frozenset(terms)


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Shared terms over the shorter side's terms (0 when either side has none)."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def _comparable(first: Mention, second: Mention) -> bool:
    """Whether two values of a kind measure the same dimension (durations: clock against
    calendar periods are not)."""
    if first.kind != "duration":
        return True
    return first.normalized.startswith("PT") == second.normalized.startswith("PT")


def _conflicts(
    language: Language, first: Sequence[Mention], second: Sequence[Mention]
) -> list[tuple[Mention, Mention]]:
    """Pairs of one kind's mentions of two units that contradict each other."""
    theirs = {m.normalized for m in second}
    mine = {m.normalized for m in first}
    only_first = _distinct([m for m in first if m.normalized not in theirs])
    only_second = _distinct([m for m in second if m.normalized not in mine])
    if not only_first or not only_second:
        return []
    if len(mine) == 1 and len(theirs) == 1:
        a, b = only_first[0], only_second[0]
        return [(a, b)] if _comparable(a, b) else []
    scored = sorted(
        (
            (_overlap(_context(language, a), _context(language, b)), i, j)
            for i, a in enumerate(only_first)
            for j, b in enumerate(only_second)
            if _comparable(a, b)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    found = []
    for overlap, i, j in scored:
        if overlap < CONTEXT_OVERLAP or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        found.append((only_first[i], only_second[j]))
    return found


def _distinct(mentions: list[Mention]) -> list[Mention]:
    """The first mention of each value."""
    seen: set[str] = set()
    kept = []
    for mention in mentions:
        if mention.normalized not in seen:
            seen.add(mention.normalized)
            kept.append(mention)
    return kept


def find_contradictions(
    groups: Sequence[Duplicate], mentions: Mapping[str, Sequence[Mention]], locale: str
) -> list[Contradiction]:
    """Every contradiction within the duplicate groups of one locale (`mentions` by unit id)."""
    language = language_for(locale)
    found = []
    for group in groups:
        for first_id, second_id in combinations(group.units, 2):
            for kind in KINDS:
                first = [m for m in mentions.get(first_id, ()) if m.kind == kind]
                second = [m for m in mentions.get(second_id, ()) if m.kind == kind]
                for a, b in _conflicts(language, first, second):
                    found.append(Contradiction(locale=locale, kind=kind, first=a, second=b))
    return found
