"""Example questions as regression tests: what a release would reroute, checked before publishing.

Each unit's example questions should route to it. Training is deterministic, so only a change
of examples or titles can reroute one, and only the examples near a changed unit are checked.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from typing import Protocol

from kb.answers.matcher import Example, IntentMatcher, normalize_text
from kb.answers.recipe import LEXICAL, MatcherRecipe
from kb.answers.results import RoutingCheckIncomplete, RoutingRegression
from kb.answers.selfcheck import regressions
from kb.store.snapshot import Snapshot, StoredUnit


class ServedMatchers(Protocol):
    """What a routing check needs of the release being served: its matchers per locale."""

    @property
    def matchers(self) -> Mapping[str, IntentMatcher]:
        """The trained matcher of each locale."""
        ...


__all__ = [
    "ROUTING_CHECK_LIMIT",
    "ServedMatchers",
    "routing_regressions",
    "train_cached",
    "training_examples",
]


def _answerable(unit: StoredUnit) -> bool:
    """Customers' questions are matched against public units only."""
    return unit.document.audience == "public"


def training_examples(snapshot: Snapshot, locale: str) -> list[Example]:
    """Every example question and title of the public units of `locale`."""
    examples: list[Example] = []
    for unit in snapshot.iter_units(locale):
        if _answerable(unit):
            doc = unit.document
            examples.extend(Example(doc.id, text) for text in (doc.title, *doc.questions))
    return examples


_trained: dict[str, IntentMatcher] = {}
_trained_lock = threading.Lock()


def train_cached(
    examples: Sequence[Example], locale: str, recipe: MatcherRecipe = LEXICAL
) -> IntentMatcher:
    """Train, reusing the last matcher trained on exactly these examples (publish trains the
    release it checks, then serves it)."""
    digest = hashlib.sha256(
        "\x1f".join(f"{e.unit_id}\x1e{e.text}" for e in examples).encode()
    ).hexdigest()
    key = f"{locale}:{recipe.encoder}:{digest}"
    with _trained_lock:
        if key in _trained:
            return _trained[key]
        # Only the latest per process, dropped before the next trains: a build trains its
        # locales in turn, and kept until the next was trained, two locales' were held at once.
        _trained.clear()
    matcher = recipe.train(examples, locale)
    with _trained_lock:
        _trained.clear()
        _trained[key] = matcher
    return matcher


#: At most this many example questions are ranked per locale when checking a release for
#: routing regressions (a ranking takes about 1 ms with 1,000 units and 8 ms with 10,000).
ROUTING_CHECK_LIMIT = 1_000


def _changed_units(before: IntentMatcher, worded: Mapping[tuple[str, str], str]) -> set[str]:
    """Units whose normalised example questions differ from what `before` learnt."""
    after: dict[str, set[str]] = {}
    for unit_id, text in worded:
        after.setdefault(unit_id, set()).add(text)
    learnt = before.example_texts()
    return {unit for unit, texts in after.items() if learnt.get(unit) != texts}


def routing_regressions(
    target: Snapshot,
    base: ServedMatchers | None,
    *,
    after: Mapping[str, IntentMatcher] | None = None,
    limit: int = ROUTING_CHECK_LIMIT,
    recipe: MatcherRecipe = LEXICAL,
) -> list[RoutingRegression | RoutingCheckIncomplete]:
    """Example questions that would stop routing to their unit if `target` were published.

    Only a change of example questions or titles changes a matcher (training is deterministic),
    so a locale whose examples are those of the current release has nothing to check, and the
    first release has nothing to regress from. Otherwise the examples a change can plausibly
    reroute are ranked by the old and the new matcher (see `IntentMatcher.at_risk`): the
    one in `after` (what `target` serves once published) or, without it, one trained here.
    """
    found: list[RoutingRegression | RoutingCheckIncomplete] = []
    for locale in target.locales:
        examples = training_examples(target, locale)
        before = base.matchers.get(locale) if base is not None else None
        if not examples or before is None:
            continue
        # Each normalised question (as a matcher learns it) with the wording the editor wrote.
        worded = {(e.unit_id, text): e.text for e in examples if (text := normalize_text(e.text))}
        changed = _changed_units(before, worded)
        if not changed:
            continue
        trained = after.get(locale) if after is not None else None
        matcher = trained or train_cached(examples, locale, recipe)
        suspects, unchecked = matcher.at_risk(changed, limit)
        for example, best in regressions(matcher, suspects):
            if not regressions(before, [example]):  # it did route home before
                question = worded.get((example.unit_id, example.text), example.text)
                routes_to = best.unit_id if best else None
                found.append(RoutingRegression(example.unit_id, locale, question, routes_to))
        if unchecked:
            found.append(RoutingCheckIncomplete(locale, len(suspects), unchecked))
    return sorted(found, key=str)
