"""`check_consistency`: the duplicates, contradictions and repeated values of one snapshot.

Per locale (`check_locale`): every unit's sentences are read once (snippets resolved, internal
notes included), the region its national phone numbers are read in is chosen
(kb/consistency/facts.py), its facts are extracted, units that answer the same question are
grouped (duplicates.py), the facts of each group are compared (contradictions.py) and the
contact values typed into many units are counted (repeated.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from kb.consistency.contradictions import find_contradictions, term_weights
from kb.consistency.duplicates import DuplicateRule, body_terms, find_duplicates
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
from kb.content.document import UnitDocument
from kb.content.snippets import SnippetDocument
from kb.store.snapshot import Snapshot

__all__ = [
    "ConsistencyReport",
    "Contradiction",
    "Duplicate",
    "Mention",
    "RepeatedValue",
    "check_consistency",
    "check_locale",
    "document_source",
]


def document_source(document: UnitDocument) -> str:
    """The silo a unit came from (`source.system`), or "kb" for one written here."""
    return document.source.system if document.source is not None else "kb"


def check_locale(
    documents: Sequence[UnitDocument],
    snippets: Mapping[str, SnippetDocument],
    locale: str,
    *,
    region: str | None = None,
    rule: DuplicateRule | None = None,
    repeat_min_units: int = REPEAT_MIN_UNITS,
) -> ConsistencyReport:
    """Everything inconsistent among the units of one locale (`snippets`: that locale's, by
    name). `region`: the country national phone numbers are read in (default: chosen from the
    locale and its content)."""
    sentences = {d.id: unit_sentences(d, snippets) for d in documents}
    texts = (s.text for found in sentences.values() for s in found)
    where = region or phone_region(locale, texts, snippets.values())
    mentions = {
        d.id: unit_mentions(
            d, snippets, region=where, source=document_source(d), sentences=sentences[d.id]
        )
        for d in documents
    }
    groups = find_duplicates(documents, locale, rule)
    weight = term_weights(body_terms(d, locale) for d in documents)
    return ConsistencyReport(
        duplicates=groups,
        contradictions=find_contradictions(groups, mentions, locale, weight),
        repeated=find_repeated(mentions, snippets, locale, repeat_min_units),
    )


def check_consistency(
    snapshot: Snapshot,
    *,
    locale: str | None = None,
    region: str | None = None,
    rule: DuplicateRule | None = None,
    repeat_min_units: int = REPEAT_MIN_UNITS,
    progress: Callable[[int, int], None] | None = None,
) -> ConsistencyReport:
    """Everything inconsistent in `snapshot` (one `locale`, or all), locale by locale."""
    report = ConsistencyReport()
    locales = [locale] if locale is not None else snapshot.locales
    for done, name in enumerate(locales):
        found = check_locale(
            [u.document for u in snapshot.iter_units(name)],
            snapshot.snippets_for(name),
            name,
            region=region,
            rule=rule,
            repeat_min_units=repeat_min_units,
        )
        report.duplicates.extend(found.duplicates)
        report.contradictions.extend(found.contradictions)
        report.repeated.extend(found.repeated)
        if progress is not None:
            progress(done + 1, len(locales))
    return report
