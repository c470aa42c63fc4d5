"""`check_consistency`: the duplicates, contradictions and repeated values of one snapshot.

Per locale: every unit's sentences are read once (snippets resolved, internal notes included),
the region its national phone numbers are read in is chosen (kb/consistency/facts.py), its facts
are extracted, units that answer the same question are grouped (duplicates.py), the facts of
each group are compared (contradictions.py) and the contact values typed into many units are
counted (repeated.py).
"""

from __future__ import annotations

from collections.abc import Callable

from kb.consistency.contradictions import find_contradictions
from kb.consistency.duplicates import DuplicateRule, find_duplicates
from kb.consistency.facts import phone_region, unit_mentions
from kb.consistency.model import (
    ConsistencyReport,
    Contradiction,
    Duplicate,
    Mention,
    RepeatedValue,
)
from kb.consistency.repeated import REPEAT_MIN_UNITS, find_repeated
from kb.consistency.text import unit_sentences
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "ConsistencyReport",
    "Contradiction",
    "Duplicate",
    "Mention",
    "RepeatedValue",
    "check_consistency",
    "unit_source",
]


def unit_source(unit: StoredUnit) -> str:
    """The silo a unit came from (`source.system`), or "kb" for one written here."""
    source = getattr(unit.document, "source", None)
    return source.system if source is not None else "kb"


def check_consistency(
    snapshot: Snapshot,
    *,
    locale: str | None = None,
    region: str | None = None,
    rule: DuplicateRule | None = None,
    repeat_min_units: int = REPEAT_MIN_UNITS,
    progress: Callable[[int, int], None] | None = None,
) -> ConsistencyReport:
    """Everything inconsistent in `snapshot` (one `locale`, or all). `region` is the country
    national phone numbers are read in (default: chosen per locale from its content)."""
    report = ConsistencyReport()
    locales = [locale] if locale is not None else snapshot.locales
    for done, name in enumerate(locales):
        units = list(snapshot.iter_units(name))
        snippets = snapshot.snippets_for(name)
        sentences = {u.document.id: unit_sentences(u.document, snippets) for u in units}
        texts = (s.text for found in sentences.values() for s in found)
        where = region or phone_region(name, texts, snippets.values())
        mentions = {
            u.document.id: unit_mentions(
                u.document,
                snippets,
                region=where,
                source=unit_source(u),
                sentences=sentences[u.document.id],
            )
            for u in units
        }
        groups = find_duplicates([u.document for u in units], name, rule)
        report.duplicates.extend(groups)
        report.contradictions.extend(find_contradictions(groups, mentions, name))
        report.repeated.extend(find_repeated(mentions, snippets, name, repeat_min_units))
        if progress is not None:
            progress(done + 1, len(locales))
    return report
