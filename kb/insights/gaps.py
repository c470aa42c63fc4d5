"""Content gaps: the period's unanswered questions and empty searches, grouped by need.

The questions the matcher refused (`no_answer`), those it could only offer a choice for
(`clarify`) and the searches that found nothing are grouped per locale into clusters of the same
need, in the matcher's own representation: the release's sentence encoder, or without one
(`KB_ENCODER=none`, or its package missing) the matcher's TF-IDF of words and character
n-grams. Clusters come from agglomerative clustering (average linkage) cut at a cosine distance
threshold, so their number follows from the questions rather than being chosen beforehand.

Each cluster names the published unit nearest to its most central question (the current
release's matcher ranks it, as it would a customer's question) with the matcher's confidence,
so an editor sees at once whether a unit needs more example questions or a new unit is due.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select

from kb.answers.encoding.registry import get_encoder
from kb.errors import ConfigError
from kb.insights.period import Period, event_filter
from kb.store.models import DeliveryEvent

if TYPE_CHECKING:
    import numpy as np

    from kb.answers.encoding.base import Encoder
    from kb.knowledge_base import KnowledgeBase

__all__ = ["GapCluster", "GapsReport", "Nearest", "content_gaps"]

_E = DeliveryEvent.__table__.c  # type: ignore[attr-defined]
#: Distinct texts read from the database at most, the most frequent first.
MAX_TEXTS = 20_000
#: Distinct questions clustered per locale at most, the most frequent first: agglomerative
#: clustering keeps a matrix of their distances (32 MB at 2,000).
MAX_PER_LOCALE = 2_000
#: Question vectors a process keeps between reports (about 1 KB each at 512 dimensions).
MEMO_TEXTS = 10_000
#: Clusters a report lists at most, the largest first.
MAX_CLUSTERS = 100
EXAMPLES = 5
QUESTIONS = 50
#: Cosine distance at which clusters stop merging (average linkage), per representation:
#: sentence vectors of paraphrases lie closer than the words' TF-IDF vectors of the same ones.
THRESHOLD_MEANING = 0.65
THRESHOLD_WORDS = 0.85
#: The name the report gives the matcher's word representation.
LEXICAL = "lexical"


@dataclass(frozen=True)
class Nearest:
    """The published unit the matcher would pick for a cluster's central question."""

    unit_id: str
    title: str
    score: float


@dataclass(frozen=True)
class GapCluster:
    """Questions of one need: events counted, the most central texts, the distinct texts."""

    id: str
    locale: str
    size: int
    examples: tuple[str, ...]
    questions: tuple[str, ...]
    nearest: Nearest | None

    def to_json(self) -> dict[str, Any]:
        near = self.nearest
        return {
            "id": self.id,
            "locale": self.locale,
            "size": self.size,
            "examples": list(self.examples),
            "questions": list(self.questions),
            "nearest": None if near is None else vars(near).copy(),
        }


@dataclass(frozen=True)
class GapsReport:
    """The period's gap clusters, largest first, and the representation that grouped them."""

    period: Period
    channel: str | None
    locale: str | None
    representation: str
    clusters: tuple[GapCluster, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.period.since,
            "until": self.period.until,
            "channel": self.channel,
            "locale": self.locale,
            "representation": self.representation,
            "clusters": [c.to_json() for c in self.clusters],
        }


@dataclass
class _Text:
    """One distinct question (after the matcher's normalisation) and how often it came."""

    shown: str  # its most frequent wording, as stored (redacted)
    normal: str
    count: int
    last: datetime


def _unanswered(
    kb: KnowledgeBase, period: Period, channel: str | None, locale: str | None
) -> dict[str, list[_Text]]:
    """Per locale, the distinct unanswered texts of the period, most frequent first."""
    from kb.answers.features import normalize_text

    where = [*event_filter(period, channel, locale), _E.question.is_not(None)]
    missed = or_(
        and_(_E.kind == "answer", _E.status.in_(("no_answer", "clarify"))),
        and_(_E.kind == "search", _E.hits == 0),
    )
    count = func.count().label("n")
    query = (
        select(_E.locale, _E.question, count, func.max(_E.at))
        .where(*where, missed)
        .group_by(_E.locale, _E.question)
        .order_by(count.desc(), _E.locale, _E.question)
        .limit(MAX_TEXTS)
    )
    texts: dict[str, dict[str, _Text]] = {}
    with kb.db.read() as session:
        for where_from, question, n, last in session.execute(query):
            normal = normalize_text(question)
            if not normal:
                continue
            known = texts.setdefault(where_from, {}).get(normal)
            if known is None:
                texts[where_from][normal] = _Text(question, normal, n, last)
            else:  # the first seen is the most frequent wording
                known.count += n
                known.last = max(known.last, last)
    return {
        loc: sorted(found.values(), key=lambda t: (-t.count, t.normal))[:MAX_PER_LOCALE]
        for loc, found in texts.items()
    }


def _encoder(kb: KnowledgeBase) -> Encoder | None:
    """The sentence encoder the release's matchers use, or None (`none`, or not installed)."""
    try:
        return get_encoder(kb.matcher_recipe().encoder)
    except ConfigError:
        return None


class _Vectors:
    """Sentence vectors of questions met before, in this process (float16, the newest
    `MEMO_TEXTS` kept): the editor reloads the gaps of much the same questions, and encoding
    them is most of a report's time (3 of 4 s for 4,000 questions)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        import numpy as np

        keys = [(encoder.name, encoder.version, text) for text in texts]
        with self._lock:
            known = {k: self._kept[k] for k in keys if k in self._kept}
        missing = [k[2] for k in dict.fromkeys(keys) if k not in known]
        for start in range(0, len(missing), 256):
            batch = missing[start : start + 256]
            for text, row in zip(batch, encoder.encode(batch), strict=True):
                known[(encoder.name, encoder.version, text)] = row.astype(np.float16)
        with self._lock:
            for key in keys:
                self._kept[key] = known[key]
                self._kept.move_to_end(key)
            while len(self._kept) > MEMO_TEXTS:
                self._kept.popitem(last=False)
        return np.vstack([known[k] for k in keys]).astype(np.float32)


_VECTORS = _Vectors()


def _similarities(texts: Sequence[str], encoder: Encoder | None) -> np.ndarray:
    """Cosine similarity of every pair of (normalised) texts, in the matcher's representation."""
    import numpy as np

    if encoder is not None:
        vectors = _VECTORS(encoder, texts)
        return np.asarray(vectors @ vectors.T, dtype=np.float64)
    from kb.answers.config import MatcherConfig
    from kb.answers.features import Vectorizer

    config = MatcherConfig()
    matrix = Vectorizer(config.word_weight, config.char_ngrams).fit_transform(list(texts))
    return np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)


def _labels(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Agglomerative clusters (average linkage) of the texts, cut at cosine `threshold`."""
    import numpy as np

    if len(similarity) < 2:
        return np.zeros(len(similarity), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering  # here: serving processes load none

    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return np.asarray(model.fit(distance).labels_)


def _cluster(
    locale: str, texts: list[_Text], members: np.ndarray, similarity: np.ndarray
) -> tuple[GapCluster, str]:
    """The cluster of `members` (indices of `texts`) and its most central normalised text."""
    import numpy as np

    inner = similarity[np.ix_(members, members)]
    centrality = inner.mean(axis=1)
    order = sorted(range(len(members)), key=lambda i: -centrality[i])
    by_centrality = [int(members[i]) for i in order]
    by_count = sorted((int(m) for m in members), key=lambda m: (-texts[m].count, texts[m].normal))
    central = texts[by_centrality[0]]
    ident = hashlib.blake2b(f"{locale}\n{central.normal}".encode(), digest_size=6).hexdigest()
    cluster = GapCluster(
        id=ident,
        locale=locale,
        size=sum(texts[m].count for m in by_count),
        examples=tuple(texts[m].shown for m in by_centrality[:EXAMPLES]),
        questions=tuple(texts[m].shown for m in by_count[:QUESTIONS]),
        nearest=None,
    )
    return cluster, central.normal


def _nearest(kb: KnowledgeBase, locale: str, question: str) -> Nearest | None:
    """The unit the current release's matcher ranks first for `question`, with its confidence."""
    if kb.current_release() is None:
        return None
    services = kb.services()
    matcher = services.matchers.get(locale)
    ranked = matcher.rank(question, limit=1) if matcher is not None else []
    if not ranked:
        return None
    unit = services.snapshot.units.get((ranked[0].unit_id, locale))
    title = unit.document.title if unit is not None else ranked[0].unit_id
    return Nearest(ranked[0].unit_id, title, round(float(ranked[0].confidence), 4))


def content_gaps(
    kb: KnowledgeBase,
    period: Period,
    *,
    channel: str | None = None,
    locale: str | None = None,
    limit: int = MAX_CLUSTERS,
) -> GapsReport:
    """The period's unanswered questions and empty searches in clusters of one need, per
    locale, largest first (see the module's docstring)."""
    import numpy as np

    encoder = _encoder(kb)
    threshold = THRESHOLD_MEANING if encoder is not None else THRESHOLD_WORDS
    found: list[tuple[GapCluster, str]] = []
    for where_from, texts in sorted(_unanswered(kb, period, channel, locale).items()):
        similarity = _similarities([t.normal for t in texts], encoder)
        labels = _labels(similarity, threshold)
        for label in np.unique(labels):
            found.append(_cluster(where_from, texts, np.flatnonzero(labels == label), similarity))
    found.sort(key=lambda c: (-c[0].size, -len(c[0].questions), c[0].locale, c[1]))
    clusters = tuple(
        replace(c, nearest=_nearest(kb, c.locale, central)) for c, central in found[:limit]
    )
    representation = encoder.name if encoder is not None else LEXICAL
    return GapsReport(period, channel, locale, representation, clusters)
