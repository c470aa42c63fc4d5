"""Hybrid search: the engine's ranking (BM25 over words) fused, by rank, with the units nearest
in meaning, so that a search in the customer's own words finds the unit that words alone miss.

Each unit of a release gets one sentence vector of its title, example questions and the start
of its public text (never internal notes), kept with the release's index. A query is encoded
once; the units nearest to it (cosine at least `MIN_SIMILARITY`, and only units the caller may
see) are fused with the engine's hits by reciprocal rank. A one-word query typed with `prefix`
(search as you type) stays lexical: a vector of half a word means nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kb.answers.encoding.base import Encoder
from kb.answers.encoding.cache import EmbeddingCache
from kb.content.markdown import BodyText, body_text
from kb.search.base import SearchHit, SearchIndex, SearchQuery, SearchResults
from kb.search.highlight import plain_snippet
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = ["DEPTH", "MIN_SIMILARITY", "RRF_K", "UnitVectors", "hybrid_search"]

#: Hits taken from each side before fusing.
DEPTH = 30
#: Reciprocal rank fusion's constant (Cormack et al. 2009): score = sum of 1 / (RRF_K + rank).
RRF_K = 60
#: Below this cosine a unit is not near enough in meaning to be a hit (USE: unrelated
#: sentences score about 0.1-0.3, paraphrases 0.6-0.9).
MIN_SIMILARITY = 0.4
#: Characters of the public text that go into a unit's vector, after title and questions.
_TEXT_CHARS = 1000
_FILE = "meaning.npz"
_VECTORS = "meaning-{locale}.npy"
_SAVE_ROWS = 4096


def _unit_text(unit: StoredUnit, texts: Callable[[str], BodyText]) -> str:
    doc = unit.document
    return " ".join([doc.title, *doc.questions, texts(doc.body).public[:_TEXT_CHARS]])


@dataclass(frozen=True)
class UnitVectors:
    """Per locale: the unit ids and their L2-normalised vectors, one row each (float16 as
    built from the cache, float32 as loaded: mapped from the release folder)."""

    ids: dict[str, tuple[str, ...]]
    vectors: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        snapshot: Snapshot,
        cache: EmbeddingCache,
        texts: Callable[[str], BodyText] = body_text,
    ) -> UnitVectors:
        """Vectors of every unit of `snapshot` (only texts `cache` lacks are encoded)."""
        return cls.encoded(cls.texts_of(snapshot, texts), cache)

    @staticmethod
    def texts_of(
        snapshot: Snapshot, texts: Callable[[str], BodyText] = body_text
    ) -> dict[str, tuple[tuple[str, ...], list[str]]]:
        """Per locale, the units' ids and the texts their vectors are made of (what `encoded`
        takes: taken first, the parsed bodies can be let go before the model loads)."""
        wanted = {}
        for locale in snapshot.locales:
            units = list(snapshot.iter_units(locale))
            wanted[locale] = (
                tuple(u.document.id for u in units),
                [_unit_text(u, texts) for u in units],
            )
        return wanted

    @classmethod
    def encoded(
        cls,
        wanted: dict[str, tuple[tuple[str, ...], list[str]]],
        cache: EmbeddingCache,
        then: Callable[[], None] | None = None,
    ) -> UnitVectors:
        """The vectors of what `texts_of` gave (only texts `cache` lacks are encoded); `then`
        runs once every text is encoded, before the vectors are read (to let the model go)."""
        ids = {locale: unit_ids for locale, (unit_ids, _) in wanted.items()}
        keys = {locale: cache.ensure(texts) for locale, (_, texts) in wanted.items()}
        if then is not None:
            then()
        vectors = {locale: cache.read(found) for locale, found in keys.items()}
        return cls(ids, vectors)  # float16, as cached: widened as they are saved

    def save(self, folder: Path) -> None:
        """Write into a release's index folder (before it is marked ready): the ids, and each
        locale's vectors as a float32 `.npy` file that loading maps (issue 22: every process
        held its own float32 copy, 82 MB at 40,000 units; mapped, the pages are shared, and a
        process that never searches, such as a publish, never reads them)."""
        ids = {
            f"ids-{locale}": np.array(unit_ids, dtype=str) for locale, unit_ids in self.ids.items()
        }
        np.savez(folder / _FILE, **ids)  # type: ignore[arg-type]
        for locale, vectors in self.vectors.items():
            _save_float32(folder / _VECTORS.format(locale=locale), vectors)

    @classmethod
    def load(cls, folder: Path) -> UnitVectors | None:
        """What `save` wrote, or None when the release was built without an encoder (a folder
        built before the vectors had files of their own has them inside the `.npz`)."""
        path = folder / _FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            locales = [name.removeprefix("ids-") for name in data.files if name.startswith("ids-")]
            ids = {loc: tuple(str(i) for i in data[f"ids-{loc}"]) for loc in locales}
            vectors = {}
            for loc in locales:
                mapped = folder / _VECTORS.format(locale=loc)
                if mapped.exists():
                    vectors[loc] = np.load(mapped, mmap_mode="r", allow_pickle=False)
                else:
                    vectors[loc] = data[f"vectors-{loc}"].astype(np.float32)
        return cls(ids, vectors)

    def nearest(self, question: np.ndarray, locale: str) -> Iterable[tuple[str, float]]:
        """Units of `locale` by falling cosine to `question`, down to `MIN_SIMILARITY`."""
        vectors = self.vectors.get(locale)
        if vectors is None or not len(vectors):
            return
        sims = vectors @ question
        for row in np.argsort(-sims, kind="stable"):
            if sims[row] < MIN_SIMILARITY:
                return
            yield self.ids[locale][row], float(sims[row])


def _save_float32(path: Path, vectors: np.ndarray) -> None:
    """`vectors` as a float32 `.npy` file, widened a block of rows at a time (a float32 copy
    of them all was 82 MB beside the float16 ones at 40,000 units)."""
    header = {"descr": "<f4", "fortran_order": False, "shape": vectors.shape}
    with path.open("wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, len(vectors), _SAVE_ROWS):
            out.write(np.ascontiguousarray(vectors[start : start + _SAVE_ROWS], "<f4").tobytes())


def _wanted(unit: StoredUnit, query: SearchQuery) -> bool:
    """Whether `unit` may appear in the results of `query` (as the engine filters)."""
    doc = unit.document
    return (
        (query.staff or doc.audience == "public")
        and (query.channel is None or doc.channels is None or query.channel in doc.channels)
        and (query.category is None or doc.category == query.category)
        and (query.tag is None or query.tag in doc.tags)
    )


def _by_meaning(
    query: SearchQuery, snapshot: Snapshot, vectors: UnitVectors, encoder: Encoder
) -> list[StoredUnit]:
    """Up to `DEPTH` units nearest to the query that its caller may see."""
    question = encoder.encode([query.text])[0]
    found: list[StoredUnit] = []
    for unit_id, _similarity in vectors.nearest(question, query.locale):
        unit = snapshot.unit(unit_id, query.locale)
        if _wanted(unit, query):
            found.append(unit)
            if len(found) == DEPTH:
                break
    return found


def _meaning_hit(unit: StoredUnit, score: float, query: SearchQuery) -> SearchHit:
    """A hit found by meaning, showing the opening of what the asker's channel reads."""
    doc = unit.document
    words = body_text(doc.body)
    shown = words.for_staff() if query.staff else words.for_channel(query.channel)
    return SearchHit(doc.id, doc.title, plain_snippet(shown), score, doc.category)


def hybrid_search(
    index: SearchIndex,
    query: SearchQuery,
    *,
    snapshot: Snapshot,
    vectors: UnitVectors | None,
    encoder: Encoder | None,
) -> SearchResults:
    """The engine's results for `query`, fused with the units nearest in meaning."""
    words = query.text.split()
    if vectors is None or encoder is None or not words or (query.prefix and len(words) == 1):
        return index.search(query)
    lexical = index.search(replace(query, limit=max(query.limit, DEPTH)))
    near = _by_meaning(query, snapshot, vectors, encoder)
    scores: dict[str, float] = {}
    for ranked in ([h.unit_id for h in lexical.hits], [u.document.id for u in near]):
        for rank, unit_id in enumerate(ranked, start=1):
            scores[unit_id] = scores.get(unit_id, 0.0) + 1.0 / (RRF_K + rank)
    by_id = {h.unit_id: h for h in lexical.hits}
    units = {u.document.id: u for u in near}
    order = sorted(scores, key=lambda unit_id: -scores[unit_id])[: query.limit]
    hits = tuple(
        replace(by_id[u], score=round(scores[u], 6))
        if u in by_id
        else _meaning_hit(units[u], round(scores[u], 6), query)
        for u in order
    )
    only_meaning = sum(1 for u in scores if u not in by_id)
    return SearchResults(hits, lexical.total + only_meaning, lexical.did_you_mean)
