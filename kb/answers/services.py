"""Answering from one release: its search index and intent matchers, built once, then shared.

Indexes are derived data: they are built from a release into a fresh directory and renamed
into place when complete, so a reader (in this process or another) never sees a half-built
one, and they can always be rebuilt from the database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kb.answers.build_child import PARALLEL_BUILD_UNITS, prepare_build, training_pool
from kb.answers.build_folders import (
    READY,
    clear_unfinished,
    newest_complete,
    prune_releases,
    retire,
    staging_folder,
)
from kb.answers.encoding.base import Encoder, unload
from kb.answers.encoding.registry import get_encoder
from kb.answers.hybrid import UnitVectors, hybrid_search
from kb.answers.matcher import Candidate, Example, IntentMatcher, Status, Thresholds
from kb.answers.memory import give_back_memory
from kb.answers.recipe import LEXICAL, MatcherRecipe
from kb.answers.results import Alternative, Answer, RoutingCheckIncomplete, RoutingRegression
from kb.answers.routing import (
    ROUTING_CHECK_LIMIT,
    routing_regressions,
    train_cached,
    training_examples,
)
from kb.content.markdown import (
    BodyText,
    body_text,
    forget_texts,
    has_body_text,
    parse_body_text,
    remember_body_text,
)
from kb.errors import IndexOutdated
from kb.observers import INDEX_BUILD, MATCHER_BUILD, RELEASE_LOAD, timed, took
from kb.phases import phase
from kb.progress import step
from kb.search import (
    SearchEngine,
    SearchIndex,
    SearchQuery,
    SearchResults,
    indexed_units,
)
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = [
    "CHILD_PARSE_SHARE",
    "PARALLEL_BUILD_UNITS",
    "ROUTING_CHECK_LIMIT",
    "Alternative",
    "Answer",
    "BuiltMatchers",
    "ReleaseServices",
    "RoutingCheckIncomplete",
    "RoutingRegression",
    "prepare_build",
    "routing_regressions",
    "training_examples",
]

#: The file in a build's staging folder that carries the example questions to its child.
_SENT_EXAMPLES = ".examples.pickle"
#: Runners-up below this confidence are noise, not alternatives worth offering.
_MIN_ALTERNATIVE = 0.05


#: The share of a large release's unparsed bodies its matchers' child process parses before
#: it trains, so that both processes finish at about the same time (10,000 generated en units
#: on two cores: the parent parses for about 14 s and indexes for 15 s; the child, started
#: while the release is written, trains for about 21 s).
CHILD_PARSE_SHARE = 0.2


class ReleaseServices:
    """Search and answers for one release; immutable once loaded, like the release itself."""

    def __init__(
        self,
        snapshot: Snapshot,
        index: SearchIndex,
        matchers: dict[str, IntentMatcher],
        meaning: tuple[UnitVectors, Encoder] | None = None,
    ) -> None:
        assert snapshot.number is not None
        self.snapshot = snapshot
        self.release: int = snapshot.number
        self.index = index
        self.matchers = matchers
        self.meaning = meaning  # units' sentence vectors and their encoder: hybrid search

    @classmethod
    def load_or_build(
        cls,
        snapshot: Snapshot,
        engine: SearchEngine,
        root: Path,
        *,
        rebuild: bool = False,
        before_build: Callable[[], None] | None = None,
        recipe: MatcherRecipe = LEXICAL,
    ) -> ReleaseServices:
        """Open the release's index and matchers, building them first if nobody has yet
        (`before_build` runs first: to fetch what the build would otherwise work out).

        The folder is named after the engine and the encoder, so that changing either builds
        anew rather than serving matchers made another way."""
        directory = root / release_folder(snapshot.number, engine.name, recipe.encoder)
        if rebuild or not (directory / READY).exists():
            if before_build is not None:
                before_build()
            clear_unfinished(root)  # what killed builds left
            _build(snapshot, engine, directory, replace=rebuild, recipe=recipe)
            # The bodies' words were for the index: the release opens in their room (a body a
            # search shows later is parsed again, as after a start).
            forget_texts()
            give_back_memory()
            # The one before the new release stays for processes still switching.
            prune_releases(root, directory.name.split("-", 2)[2], older_than=snapshot.number - 1)
        started = time.monotonic()
        try:
            index = engine.open(directory / "search")
        except IndexOutdated:  # built by an older version of kb: derived data, build it anew
            if rebuild:
                raise
            return cls.load_or_build(
                snapshot, engine, root, rebuild=True, before_build=before_build, recipe=recipe
            )
        matchers = {
            path.stem.removeprefix("matcher-"): IntentMatcher.load(path)
            for path in sorted(directory.glob("matcher-*.pkl"))
        }
        vectors, encoder = UnitVectors.load(directory), get_encoder(recipe.encoder)
        meaning = (vectors, encoder) if vectors is not None and encoder is not None else None
        took(RELEASE_LOAD, time.monotonic() - started)
        return cls(snapshot, index, matchers, meaning)

    def close(self) -> None:
        """Release the index's files."""
        self.index.close()

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked hits from this release's index, fused with the nearest units in meaning."""
        vectors, encoder = self.meaning if self.meaning is not None else (None, None)
        with phase("search", {"kb.release": self.release, "kb.locale": query.locale}):
            return hybrid_search(
                self.index, query, snapshot=self.snapshot, vectors=vectors, encoder=encoder
            )

    def ask(
        self,
        question: str,
        *,
        locale: str,
        channel: str | None = None,
        thresholds: Thresholds | None = None,
        default_routing: str | None = None,
    ) -> Answer:
        """Answer, offer a choice, or admit not knowing, for units that `channel` serves; a
        refusal hands over to `default_routing` unless a unit came close enough to name its
        own team."""
        matcher = self.matchers.get(locale)
        if matcher is None:
            return Answer(Status.NO_ANSWER, locale, self.release, routing=default_routing)
        with phase("match", {"kb.release": self.release, "kb.locale": locale}):
            result = matcher.match(question, thresholds=thresholds)
        if not result.candidates:
            return Answer(Status.NO_ANSWER, locale, self.release, routing=default_routing)
        best = result.candidates[0]
        served = [
            c
            for c in result.candidates
            if self._serves(c.unit_id, locale, channel)
            and (c is best or c.confidence >= _MIN_ALTERNATIVE)
        ]
        if result.status is Status.NO_ANSWER or not served or served[0] != best:
            # Out of scope, or about a unit this channel does not carry: hand over to a person,
            # of the best unit's team only if it came close (a far runner-up means nothing).
            close = best.confidence >= (thresholds or Thresholds()).route
            routing = self._unit(best.unit_id, locale).document.routing if close else None
            routing = routing or default_routing
            return Answer(
                Status.NO_ANSWER, locale, self.release, confidence=best.confidence, routing=routing
            )
        alternatives = tuple(self._alternative(c, locale) for c in served)
        top = self._unit(best.unit_id, locale).document
        if result.status is Status.CLARIFY and len(alternatives) > 1:
            return Answer(
                Status.CLARIFY,
                locale,
                self.release,
                confidence=best.confidence,
                routing=top.routing,
                alternatives=alternatives,
            )
        return Answer(
            Status.ANSWERED,
            locale,
            self.release,
            unit_id=top.id,
            title=top.title,
            confidence=best.confidence,
            routing=top.routing,
            alternatives=alternatives[1:],
        )

    def _unit(self, unit_id: str, locale: str) -> StoredUnit:
        return self.snapshot.unit(unit_id, locale)

    def _alternative(self, candidate: Candidate, locale: str) -> Alternative:
        title = self._unit(candidate.unit_id, locale).document.title
        return Alternative(candidate.unit_id, title, candidate.confidence)

    def _serves(self, unit_id: str, locale: str, channel: str | None) -> bool:
        channels = self._unit(unit_id, locale).document.channels
        return channel is None or channels is None or channel in channels


def release_folder(number: int, engine: str, encoder: str) -> str:
    """The name of a release's index folder: its number, search engine and encoder."""
    kind = engine if encoder == LEXICAL.encoder else f"{engine}+{encoder}"
    return f"release-{number}-{kind}"


@dataclass(frozen=True)
class BuiltMatchers:
    """The matchers of a release as its build saved them, for a routing check against it."""

    release: int
    matchers: dict[str, IntentMatcher]


def built_matchers(root: Path, engine: str, encoder: str, *, up_to: int) -> BuiltMatchers | None:
    """The matchers of the newest release up to `up_to` whose build is complete, building none:
    a killed publish leaves its release unbuilt, and building it now would cost the next
    publish a whole build of a release it replaces."""
    kind = release_folder(0, engine, encoder).split("-", 2)[2]
    folder = newest_complete(root, kind, up_to=up_to)
    if folder is None:
        return None
    try:
        matchers = {
            path.stem.removeprefix("matcher-"): IntentMatcher.load(path)
            for path in sorted(folder.glob("matcher-*.pkl"))
        }
    except OSError:  # pruned meanwhile by another process: nothing to compare with
        return None
    return BuiltMatchers(int((folder / READY).read_text() or 0), matchers)


def _train_all(examples: dict[str, list[Example]], folder: Path, recipe: MatcherRecipe) -> float:
    """Train and save a matcher per locale (module-level, so a child process can run it); the
    seconds it took, for the parent to tell its observers (a child's observers are none)."""
    started = time.monotonic()
    for done, (locale, texts) in enumerate(examples.items()):
        step("training matchers (locales)", done, len(examples))
        if texts:
            train_cached(texts, locale, recipe).save(folder / f"matcher-{locale}.pkl")
    step("training matchers (locales)", len(examples), len(examples))
    return time.monotonic() - started


def _let_go_of(encoder: Encoder) -> Callable[[], None]:
    """A step that lets `encoder`'s model go and gives its memory back."""

    def step() -> None:
        unload(encoder)
        give_back_memory()

    return step


def _send_examples(snapshot: Snapshot, staging: Path) -> Path:
    """Every locale's example questions, written for the training process to read: passed
    to it as an argument, they stayed in this process until training ended (the pool keeps a
    task's arguments; about 60 MB at 40,000 units, issue 22)."""
    sent = staging / _SENT_EXAMPLES
    with sent.open("wb") as out:
        examples = {locale: training_examples(snapshot, locale) for locale in snapshot.locales}
        pickle.dump(examples, out, protocol=pickle.HIGHEST_PROTOCOL)
    return sent


def _train_sent(sent: Path, folder: Path, recipe: MatcherRecipe) -> float:
    """`_train_all` of the examples `_send_examples` wrote (in the training process), the file
    gone once read: it must not stay in the release folder."""
    with sent.open("rb") as handle:
        examples = pickle.load(handle)  # our own file, written just before by the build
    sent.unlink()
    return _train_all(examples, folder, recipe)


def _save_meaning(
    snapshot: Snapshot, recipe: MatcherRecipe, folder: Path, *, let_go: bool = False
) -> None:
    """The units' sentence vectors for hybrid search, if the recipe has an encoder. Their
    texts are taken from the parsed bodies first, and the bodies (the index, built by now,
    needed them) are let go before the model loads: at 40,000 units both together brought
    the publishing process near 1 GB (issue 22). With `let_go`, the model goes as soon as the
    texts are encoded (nothing in this process needs it again: the matchers train apart)."""
    cache = recipe.cache()
    if cache is not None:
        wanted = UnitVectors.texts_of(snapshot)
        forget_texts()
        give_back_memory()
        then = _let_go_of(cache.encoder) if let_go else None
        UnitVectors.encoded(wanted, cache, then).save(folder)


def _parse_all(bodies: list[str]) -> list[BodyText]:
    """Each body's index words (module-level, so a child process can run it),
    keeping no tokens: the child renders nothing."""
    return [parse_body_text(body) for body in bodies]


class _SharedParse:
    """Bodies' index words; the last `share` of those not parsed yet are parsed in `pool` (the
    matchers' child, before it trains: it would otherwise finish training long before this
    process finishes parsing and indexing)."""

    def __init__(self, pool: ProcessPoolExecutor, bodies: list[str], share: float) -> None:
        unparsed = list(dict.fromkeys(b for b in bodies if not has_body_text(b)))
        self._theirs = unparsed[len(unparsed) - int(len(unparsed) * share) :]
        self._future = pool.submit(_parse_all, self._theirs)
        self._waiting = frozenset(self._theirs)

    def __call__(self, body: str) -> BodyText:
        if self._waiting and body in self._waiting:
            for theirs, text in zip(self._theirs, self._future.result(), strict=True):
                remember_body_text(theirs, text)
            self._waiting = frozenset()
        return body_text(body)


def _build(
    snapshot: Snapshot,
    engine: SearchEngine,
    directory: Path,
    *,
    replace: bool,
    recipe: MatcherRecipe,
) -> None:
    """Build into a hidden sibling directory this build owns, then rename it into place."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with staging_folder(directory) as staging:
        (staging / "search").mkdir()
        bodies = [unit.document.body for unit in snapshot.iter_units()]
        if len(bodies) >= PARALLEL_BUILD_UNITS:
            # Parsing and indexing, and training, each hold the GIL much of the time (threads
            # made them slower together than one after the other), so the matchers train in a
            # child process meanwhile; only their example questions, and the bodies it parses
            # first, travel there.
            with training_pool() as pool:
                texts = _SharedParse(pool, bodies, CHILD_PARSE_SHARE)
                apart = dataclasses.replace(recipe, spill_dir=staging)  # arrays on disk once final
                sent = _send_examples(snapshot, staging)
                trained = pool.submit(_train_sent, sent, staging, apart)
                with timed(INDEX_BUILD):
                    engine.build(indexed_units(snapshot, texts), staging / "search")
                    # A publish: the child trains, and its check loads the model if it asks.
                    _save_meaning(snapshot, recipe, staging, let_go=not recipe.keep_model)
                took(MATCHER_BUILD, trained.result())
        else:
            with timed(INDEX_BUILD):
                engine.build(indexed_units(snapshot), staging / "search")
                _save_meaning(snapshot, recipe, staging)
            examples = {locale: training_examples(snapshot, locale) for locale in snapshot.locales}
            took(MATCHER_BUILD, _train_all(examples, staging, recipe))
        (staging / READY).write_text(str(snapshot.number))
        if replace and directory.exists():
            retire(directory)  # open files stay readable until their readers close
        with contextlib.suppress(OSError):  # another process finished first: keep theirs
            staging.rename(directory)
