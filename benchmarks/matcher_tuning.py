"""Benchmark and tuning of the intent matcher (kb/answers/matcher.py) on the shared dev data.

Uses only the train / dev files of ../shared/datasets (never the held-out test splits):

    clinc150        train -> val; out-of-scope: oos_val (oos_train only tunes thresholds)
    banking77       train.csv split 80/20, stratified, seed 0
    banking77_oos   train -> valid; out-of-scope: id_oos_valid, and the oos_val half of
                    ood_oos_valid (its oos_train half tunes thresholds); id_oos_train tunes
    hwu64           train -> valid
    hwu64_ru        text_ru / label, split 80/20, stratified, seed 0

Steps (each prints what it found; `all` runs them in order and writes the results file):

    calibrate   cross-validated candidates of the training parts in three regimes (full, 10
                examples per intent, and a small knowledge base: 40 intents x 7 examples,
                asked the other intents' questions too) -> ranking weights and the logistic
                mix behind `confidence`
    thresholds  the same, plus the out-of-scope tuning questions -> default Thresholds
    fit         calibrate, then thresholds for the confidence just fitted
    evaluate    train -> dev on every data set: the table in the results file
    scale       10,000 synthetic units x 10 questions + title: train time, latency, size

Run from the repository root:

    /work/venv/bin/python benchmarks/matcher_tuning.py all \\
        --write benchmarks/results/matcher_tuning.md
"""

from __future__ import annotations

import argparse
import csv
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from kb.answers.encoding.base import Encoder
from kb.answers.encoding.registry import DEFAULT_ENCODER, get_encoder
from kb.answers.matcher import (
    _OFFER_SHARE,
    Example,
    IntentMatcher,
    MatcherConfig,
    Status,
    Thresholds,
    _expand,
    normalize_text,
)

REPO = Path(__file__).resolve().parent.parent
DATA = (REPO / ".." / "shared" / "datasets").resolve()
SEED = 0
Row = tuple[str, str]  # text, label

#: Published anchors (fine-tuned BERT), see the data sets' READMEs.
BERT_BANKING77 = 0.9366
BERT_CLINC_IN_SCOPE = 0.969
BERT_CLINC_THRESHOLD = (0.962, 0.523)  # in-scope accuracy, OOS recall


# ------------------------------------------------------------------------------ encoder


class MemoEncoder:
    """The chosen encoder, remembering every vector: the tuning scores each text many times
    (one matcher per fold) and encodes questions in batches up front."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.version, self.dimensions = inner.name, inner.version, inner.dimensions
        self.memo: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str]) -> None:
        """Encode, in batches, the texts not seen yet."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        for start in range(0, len(missing), 512):
            batch = missing[start : start + 512]
            self.memo.update(zip(batch, self.inner.encode(batch), strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.prime(texts)
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, self.dimensions))


#: The encoder every matcher of this run trains with (None: words alone); set by main().
ENCODER: MemoEncoder | None = None


def train_matcher(
    rows: Sequence[Example], locale: str, config: MatcherConfig | None = None
) -> IntentMatcher:
    """A matcher of `rows` with this run's encoder."""
    return IntentMatcher.train(rows, locale=locale, config=config, encoder=ENCODER)


def prime(texts: Sequence[str]) -> None:
    """Encode these questions in batches before they are asked one by one."""
    if ENCODER is not None:
        ENCODER.prime([normalize_text(t) for t in texts])


# ------------------------------------------------------------------------------ data


def read(path: Path, text: str = "text", label: str = "intent") -> list[Row]:
    """Rows of a CSV file as (text, label)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def split(rows: list[Row], share: float = 0.2) -> tuple[list[Row], list[Row]]:
    """Stratified train / dev split with a fixed seed."""
    train, dev = train_test_split(
        rows, test_size=share, random_state=SEED, stratify=[label for _, label in rows]
    )
    return list(train), list(dev)


@dataclass(frozen=True)
class DataSet:
    """A train part, an in-scope dev part, out-of-scope dev parts and OOS tuning questions."""

    name: str
    locale: str
    train: list[Row]
    dev: list[Row]
    oos: dict[str, list[str]]  # name -> out-of-scope dev questions
    oos_tuning: list[str]  # out-of-scope questions that may tune thresholds


def datasets() -> list[DataSet]:
    """The five intent data sets, split as the module docstring says."""
    clinc = DATA / "clinc150"
    oos_train = [t for t, _ in read(clinc / "oos_train.csv")]
    oos_val = [t for t, _ in read(clinc / "oos_val.csv")]
    b77 = DATA / "banking77_oos"
    ood = [t for t, _ in read(b77 / "ood_oos_valid.csv")]
    seen = {normalize_text(t) for t in oos_train}
    banking_train, banking_dev = split(read(DATA / "banking77" / "train.csv", label="category"))
    ru_train, ru_dev = split(read(DATA / "hwu64_ru" / "train.csv", text="text_ru", label="label"))
    return [
        DataSet(
            "clinc150",
            "en",
            read(clinc / "train.csv"),
            read(clinc / "val.csv"),
            {"oos_val": oos_val},
            oos_train,
        ),
        DataSet("banking77", "en", banking_train, banking_dev, {}, []),
        DataSet(
            "banking77_oos",
            "en",
            read(b77 / "train.csv"),
            read(b77 / "valid.csv"),
            {
                "id_oos_valid": [t for t, _ in read(b77 / "id_oos_valid.csv")],
                "ood_oos_valid (oos_val half)": [t for t in ood if normalize_text(t) not in seen],
            },
            [t for t, _ in read(b77 / "id_oos_train.csv")],
        ),
        DataSet(
            "hwu64",
            "en",
            read(DATA / "hwu64" / "train.csv"),
            read(DATA / "hwu64" / "valid.csv"),
            {},
            [],
        ),
        DataSet("hwu64_ru", "ru", ru_train, ru_dev, {}, []),
    ]


def few_shot(rows: list[Row], shots: int = 10) -> list[Row]:
    """At most `shots` examples per label (a knowledge-base-sized unit), fixed seed."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(SEED)
    out: list[Row] = []
    for label in sorted(by_label):
        items = by_label[label]
        out += rng.sample(items, min(shots, len(items)))
    return out


#: A small knowledge base, like the sample content: this many units of this many examples.
SMALL_UNITS, SMALL_SHOTS, SMALL_FOREIGN = 40, 7, 400


def small_kb(rows: list[Row], seed: int = SEED) -> tuple[list[Row], list[str]]:
    """A 40-unit, 7-example slice of a data set, and questions of its other intents: the
    customers of a small knowledge base ask about much that it has no unit for."""
    labels = sorted({label for _, label in rows})
    rng = random.Random(seed)
    kept = set(rng.sample(labels, min(SMALL_UNITS, len(labels) // 2)))
    inside = few_shot([row for row in rows if row[1] in kept], SMALL_SHOTS)
    foreign = [text for text, label in rows if label not in kept]
    return inside, rng.sample(foreign, min(SMALL_FOREIGN, len(foreign)))


def regimes(ds: DataSet) -> list[tuple[str, list[Row], list[str]]]:
    """The three sizes tuned for: (name, training rows, out-of-scope questions)."""
    small, foreign = small_kb(ds.train)
    return [
        ("full", ds.train, ds.oos_tuning),
        ("10-shot", few_shot(ds.train), ds.oos_tuning),
        ("small", small, foreign + ds.oos_tuning[:100]),
    ]


def examples(rows: Sequence[Row]) -> list[Example]:
    """Training examples: the label plays the unit id."""
    return [Example(label, text) for text, label in rows]


# ------------------------------------------------------------------------------ signals


@dataclass
class Scored:
    """Per question: true label (None for OOS), candidate units and their signals."""

    gold: str | None
    units: list[str]
    signals: np.ndarray


def score_questions(
    matcher: IntentMatcher, questions: Sequence[tuple[str, str | None]]
) -> list[Scored]:
    """Candidates and signals of each question, through the matcher's own scoring."""
    out = []
    prime([text for text, _ in questions])
    for text, gold in questions:
        scored = matcher._score(normalize_text(text))
        if scored is None:
            out.append(Scored(gold, [], np.zeros((0, 6))))
            continue
        units = [matcher._classes[int(k)] for k in scored.units]
        out.append(Scored(gold, units, scored.signals))
    return out


def cross_scored(
    rows: list[Row], locale: str, config: MatcherConfig, folds: int = 3
) -> list[Scored]:
    """Signals of every training question, each scored by a matcher that did not see it."""
    labels = [label for _, label in rows]
    counts = Counter(labels)
    usable = [i for i, label in enumerate(labels) if counts[label] >= folds]
    out: list[Scored] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    for train_at, test_at in splitter.split(usable, [labels[i] for i in usable]):
        train = [rows[usable[i]] for i in train_at]
        matcher = train_matcher(examples(train), locale, config)
        out += score_questions(matcher, [rows[usable[i]] for i in test_at])
    return out


def confidences(config: MatcherConfig, scored: Scored) -> np.ndarray:
    """The matcher's confidence for each candidate of one question."""
    matcher = IntentMatcher("xx", config)
    return matcher._confidence(scored.signals) if scored.units else np.zeros(0)


def fit_ranking(data: dict[str, list[Scored]], l2: float = 0.01) -> np.ndarray:
    """Conditional logit (softmax over each question's candidates) of the right unit."""
    blocks = []
    for scored in data.values():
        usable = [s for s in scored if s.gold in s.units]
        width = max(len(s.units) for s in usable)
        x = np.zeros((len(usable), width, 2 * (usable[0].signals.shape[1] - 1)))
        mask = np.zeros((len(usable), width), dtype=bool)
        right = np.zeros(len(usable), dtype=np.int64)
        for q, s in enumerate(usable):
            x[q, : len(s.units)] = _expand(s.signals)
            mask[q, : len(s.units)] = True
            right[q] = s.units.index(s.gold)
        blocks.append((x, mask, right, 1000.0 / len(scored)))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, mask, right, weight in blocks:
            z = np.where(mask, x @ w, -np.inf)
            top = z.max(axis=1, keepdims=True)
            p = np.exp(z - top)
            norm = p.sum(axis=1, keepdims=True)
            p /= norm
            picked = x[np.arange(len(right)), right]
            total += weight * float(np.sum(np.log(norm.ravel()) + top.ravel() - picked @ w))
            grad += weight * (np.einsum("qc,qcf->f", p, x) - picked.sum(axis=0))
        return total, grad

    return minimize(loss, np.zeros(blocks[0][0].shape[-1]), jac=True, method="L-BFGS-B").x


def fit_confidence(
    data: dict[str, list[Scored]],
    ranking: np.ndarray,
    oos: Sequence[list[Scored]],
    oos_share: float = 0.2,
) -> np.ndarray:
    """Logistic regression of "candidate is right" on its score and the score's lead.

    Out-of-scope questions (every candidate wrong) make up `oos_share` of the questions, so a
    confidence is the chance of being right in traffic where some questions have no answer.
    """
    xs, ys, ws = [], [], []
    weight = oos_share / (1 - oos_share) * len(data) / max(1, len(oos))
    sets = [(scored, 1.0) for scored in data.values()] + [(scored, weight) for scored in oos]
    for scored, share in sets:
        for s in scored:
            if not s.units:
                continue
            if len(s.units) < 2:
                continue
            score = _expand(s.signals) @ ranking
            ordered = np.sort(score)
            lead = score - np.where(score >= ordered[-1], ordered[-2], ordered[-1])
            best = np.argsort(-score)[:3]  # the candidates that decisions are about
            xs.append(np.column_stack([score, lead])[best])
            ys.append(np.array([s.units[i] == s.gold for i in best], dtype=int))
            ws.append(np.full(len(best), share / len(scored)))
    model = LogisticRegression(C=10.0, max_iter=2000)
    model.fit(np.vstack(xs), np.concatenate(ys), sample_weight=np.concatenate(ws) * 1000)
    return np.array([*model.coef_.ravel(), model.intercept_[0]])


# ------------------------------------------------------------------------------ steps


def calibration_data(config: MatcherConfig) -> dict[str, list[Scored]]:
    """Cross-validated signals of each data set's training part, in each regime."""
    out: dict[str, list[Scored]] = {}
    for ds in datasets():
        for variant, rows, _ in regimes(ds):
            started = time.perf_counter()
            out[f"{ds.name} {variant}"] = cross_scored(rows, ds.locale, config)
            print(
                f"  scored {ds.name} {variant} in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
    return out


def calibrate(
    data: dict[str, list[Scored]], oos: Sequence[list[Scored]]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Ranking weights and confidence coefficients, every data set weighing the same."""
    ranking = fit_ranking(data)
    confidence = fit_confidence(data, ranking, oos)
    return (
        tuple(round(float(v), 3) for v in ranking),
        tuple(round(float(v), 3) for v in confidence),
    )


def oos_tuning_scored(config: MatcherConfig) -> dict[str, tuple[list[Scored], list[Scored]]]:
    """In-scope (cross-validated) and out-of-scope tuning signals in each regime that has
    out-of-scope questions (the small one always has: the other intents' questions)."""
    out = {}
    for ds in datasets():
        for variant, rows, foreign in regimes(ds):
            if not foreign:
                continue
            matcher = train_matcher(examples(rows), ds.locale, config)
            inside = cross_scored(rows, ds.locale, config)
            outside = score_questions(matcher, [(t, None) for t in foreign])
            out[f"{ds.name} {variant}"] = (inside, outside)
    return out


@dataclass(frozen=True)
class Tops:
    """Per question: the three best confidences, and where the right unit ranks (-1: not)."""

    conf: np.ndarray  # shape (questions, 3), 0 where there are fewer candidates
    gold_rank: np.ndarray


def tops(config: MatcherConfig, scored: Sequence[Scored]) -> Tops:
    """Best confidences and the right unit's rank among the first three."""
    conf = np.zeros((len(scored), 3))
    gold_rank = np.full(len(scored), -1)
    for q, s in enumerate(scored):
        c = confidences(config, s)
        order = np.argsort(-c, kind="stable")[:3]
        conf[q, : len(order)] = c[order]
        for r, i in enumerate(order):
            if s.units[i] == s.gold:
                gold_rank[q] = r
    return Tops(conf, gold_rank)


#: A runner-up below this confidence is not offered (kb/answers/services.py).
_MIN_ALTERNATIVE = 0.05


def outcome_rates(t: Tops, th: Thresholds) -> dict[str, float]:
    """Shares of answered right / wrong, clarify (offering the right unit) and no_answer, as
    served: a clarification with nothing to offer beside the best unit is answered with it."""
    c1, c2 = t.conf[:, 0], t.conf[:, 1]
    answered = (c1 >= th.answer) & (c1 - c2 >= th.margin)
    none = ~answered & (c1 + c2 < th.clarify)
    alone = c2 < np.maximum(_OFFER_SHARE * c1, _MIN_ALTERNATIVE)
    answered |= ~none & alone
    clarify = ~none & ~answered
    rank = np.maximum(t.gold_rank, 0)
    offered = (t.gold_rank >= 0) & (t.conf[np.arange(len(rank)), rank] >= _OFFER_SHARE * c1)
    right = t.gold_rank == 0
    return {
        "answered_right": float(np.mean(answered & right)),
        "answered_wrong": float(np.mean(answered & ~right)),
        "clarify": float(np.mean(clarify)),
        "clarify_offers_right": float(np.mean(clarify & offered)),
        "no_answer": float(np.mean(none)),
    }


def threshold_grid(
    config: MatcherConfig, tuning: dict[str, tuple[list[Scored], list[Scored]]]
) -> list[tuple[Thresholds, dict[str, float]]]:
    """Outcome rates over a grid of thresholds, averaged over the data sets with OOS."""
    prepared = [
        (tops(config, inside), tops(config, outside)) for inside, outside in tuning.values()
    ]
    grid = []
    for answer in np.arange(0.3, 0.96, 0.05):
        for clarify in np.arange(0.05, 0.96, 0.05):
            for margin in (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.35, 0.4):
                th = Thresholds(round(float(answer), 2), round(float(clarify), 2), margin)
                rates: dict[str, list[float]] = defaultdict(list)
                for inside, outside in prepared:
                    for key, value in outcome_rates(inside, th).items():
                        rates[key].append(value)
                    out = outcome_rates(outside, th)
                    rates["oos_no_answer"].append(out["no_answer"])
                    rates["oos_answered"].append(out["answered_right"] + out["answered_wrong"])
                grid.append((th, {k: float(np.mean(v)) for k, v in rates.items()}))
    return grid


def utility(rates: dict[str, float], oos_share: float = 0.2) -> float:
    """What a default should maximise, in traffic where `oos_share` of questions have no unit.

    In scope: a right answer counts 1, a clarification offering the right unit 0.7, one
    without it -0.3, a wrong answer -2, a refusal 0 (a person answers instead). Out of scope:
    a refusal counts 1, an answer -2, a clarification -0.3.
    """
    inside = (
        rates["answered_right"]
        + 0.7 * rates["clarify_offers_right"]
        - 0.3 * (rates["clarify"] - rates["clarify_offers_right"])
        - 2.0 * rates["answered_wrong"]
    )
    oos_clarify = 1.0 - rates["oos_no_answer"] - rates["oos_answered"]
    outside = rates["oos_no_answer"] - 2.0 * rates["oos_answered"] - 0.3 * oos_clarify
    return (1 - oos_share) * inside + oos_share * outside


# ------------------------------------------------------------------------------ evaluation


@dataclass
class Result:
    """One data set's row of the results table."""

    name: str
    train_rows: int
    dev_rows: int
    oos_rows: int
    accuracy: float
    macro_f1: float
    in_scope_accuracy: float  # answered and right, of in-scope questions (default thresholds)
    answered_precision: float
    clarify_rate: float
    clarify_offers_right: float
    oos_recall: dict[str, float]  # no_answer share of each OOS set (default thresholds)
    train_seconds: float
    p50_ms: float
    p99_ms: float
    curve: list[tuple[float, float, float]]  # threshold, in-scope accuracy, OOS recall


def evaluate(ds: DataSet, config: MatcherConfig, thresholds: Thresholds, shots: int = 0) -> Result:
    """Train on the train part, answer every dev and OOS question."""
    train = few_shot(ds.train, shots) if shots else ds.train
    started = time.perf_counter()
    matcher = train_matcher(examples(train), ds.locale, config)
    train_seconds = time.perf_counter() - started
    latencies: list[float] = []

    def answer(text: str) -> tuple[Status, list[str], float]:
        t0 = time.perf_counter()
        result = matcher.match(text, thresholds=thresholds)
        latencies.append((time.perf_counter() - t0) * 1000)
        best = result.candidates[0].confidence if result.candidates else 0.0
        return result.status, [c.unit_id for c in result.candidates], best

    prime([t for t, _ in ds.dev] + [t for texts in ds.oos.values() for t in texts])
    for text, _ in ds.dev[:50]:  # warm caches
        matcher.match(text)
    latencies.clear()
    inside = [(answer(text), gold) for text, gold in ds.dev]
    outside = {name: [answer(t) for t in texts] for name, texts in ds.oos.items()}
    tops = [units[0] if units else "" for (_, units, _), _ in inside]
    golds = [gold for _, gold in inside]
    right = [t == g for t, g in zip(tops, golds, strict=True)]
    answered = [st is Status.ANSWERED for (st, _, _), _ in inside]
    clar = [st is Status.CLARIFY for (st, _, _), _ in inside]
    offers = [st is Status.CLARIFY and g in units for (st, units, _), g in inside]
    n = len(inside)
    # Single-threshold curve on the best confidence (the "oos-threshold" protocol).
    all_oos = [conf for rows in outside.values() for _, _, conf in rows]
    confs = np.array([conf for (_, _, conf), _ in inside])
    curve = []
    for t in sorted({0.0, *np.round(confs, 4).tolist(), *np.round(all_oos, 4).tolist(), 1.01}):
        acc = float(np.mean(np.array(right) & (confs >= t)))
        rec = float(np.mean(np.array(all_oos) < t)) if all_oos else 0.0
        curve.append((t, acc, rec))
    return Result(
        name=ds.name + (f" ({shots}-shot)" if shots else ""),
        train_rows=len(train),
        dev_rows=n,
        oos_rows=len(all_oos),
        accuracy=sum(right) / n,
        macro_f1=float(f1_score(golds, tops, average="macro")),
        in_scope_accuracy=sum(a and r for a, r in zip(answered, right, strict=True)) / n,
        answered_precision=(
            sum(a and r for a, r in zip(answered, right, strict=True)) / max(1, sum(answered))
        ),
        clarify_rate=sum(clar) / n,
        clarify_offers_right=sum(offers) / n,
        oos_recall={
            name: sum(st is Status.NO_ANSWER for st, _, _ in rows) / len(rows)
            for name, rows in outside.items()
        },
        train_seconds=train_seconds,
        p50_ms=statistics.median(latencies),
        p99_ms=float(np.percentile(latencies, 99)),
        curve=curve,
    )


def at_in_scope(curve: Sequence[tuple[float, float, float]], target: float) -> tuple[float, ...]:
    """The curve point with the best OOS recall whose in-scope accuracy is >= target."""
    ok = [point for point in curve if point[1] >= target - 1e-12]
    return max(ok, key=lambda p: (p[2], p[1])) if ok else (float("nan"),) * 3


# ------------------------------------------------------------------------------ scale


def synthetic(units: int, per_unit: int, seed: int = SEED) -> tuple[list[Example], list[str]]:
    """Units with 3 topic words each; questions mix common words with 1-3 topic words.

    Words come from the data sets' training texts (common ones by frequency, topic words
    from the rest), so n-gram statistics look like real questions. Also returns fresh
    paraphrase-like questions for timing.
    """
    counts: Counter[str] = Counter()
    for ds in datasets()[:4]:
        for text, _ in ds.train:
            counts.update(re.findall(r"[a-z']+", text.lower()))
    ranked = [w for w, _ in counts.most_common()]
    common, rare = ranked[:300], ranked[300:]
    weights = [counts[w] for w in common]
    rng = random.Random(seed)
    topics = [rng.sample(rare, 3) for _ in range(units)]

    def sentence(topic: list[str]) -> str:
        words = rng.choices(common, weights=weights, k=rng.randint(4, 10))
        words += rng.sample(topic, rng.randint(1, 3))
        rng.shuffle(words)
        return " ".join(words)

    out = [
        Example(f"unit-{u:05d}", sentence(topic))
        for u, topic in enumerate(topics)
        for _ in range(per_unit + 1)  # the questions and a title
    ]
    questions = [sentence(rng.choice(topics)) for _ in range(1000)]
    questions += [" ".join(rng.choices(common, weights=weights, k=8)) for _ in range(200)]
    return out, questions


def scale(units: int = 10_000, per_unit: int = 10) -> dict[str, float]:
    """Train time, answer latency, file size and load time at `units` x `per_unit`."""
    train, questions = synthetic(units, per_unit)
    started = time.perf_counter()
    matcher = train_matcher(train, "en")
    train_seconds = time.perf_counter() - started
    for q in questions[:50]:
        matcher.match(q)
    latencies = []
    for q in questions:
        t0 = time.perf_counter()
        matcher.match(q)
        latencies.append((time.perf_counter() - t0) * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "matcher.pkl"
        matcher.save(path)
        size = path.stat().st_size
        t0 = time.perf_counter()
        IntentMatcher.load(path)
        load_seconds = time.perf_counter() - t0
    return {
        "examples": len(train),
        "train_s": train_seconds,
        "p50_ms": statistics.median(latencies),
        "p99_ms": float(np.percentile(latencies, 99)),
        "max_ms": max(latencies),
        "file_mb": size / 1e6,
        "load_s": load_seconds,
    }


# ------------------------------------------------------------------------------ report


def pct(x: float) -> str:
    """A share as a percentage with one decimal."""
    return "n/a" if x != x else f"{100 * x:.1f}"


def against_bert(clinc: Result, banking: Result) -> list[str]:
    """The comparison with the published fine-tuned BERT figures."""
    reachable = max(p[1] for p in clinc.curve)
    same_cost = at_in_scope(
        clinc.curve, clinc.accuracy - (BERT_CLINC_IN_SCOPE - BERT_CLINC_THRESHOLD[0])
    )
    at_bert = at_in_scope(clinc.curve, BERT_CLINC_THRESHOLD[0])
    lines = [
        f"- BANKING77 accuracy: {pct(banking.accuracy)} on our 20% dev split (fine-tuned "
        f"BERT-large: {pct(BERT_BANKING77)} on the test set).",
        f"- CLINC150 in-scope accuracy, nothing refused: {pct(clinc.accuracy)} on val "
        f"(BERT: {pct(BERT_CLINC_IN_SCOPE)} on test).",
        "- CLINC150 with one threshold on the best confidence (the oos-threshold protocol): "
        + (
            f"in-scope accuracy >= 96.2% is out of reach (best {pct(reachable)})"
            if at_bert[0] != at_bert[0]
            else f"at in-scope >= 96.2% OOS recall is {pct(at_bert[2])}"
        )
        + f"; at BERT's in-scope cost (-0.7 points, here to {pct(same_cost[1])}) OOS recall "
        f"is {pct(same_cost[2])} (BERT: 52.3 at 96.2).",
    ]
    for target in (0.90, 0.88, 0.85):
        point = at_in_scope(clinc.curve, target)
        lines.append(
            f"  - in-scope accuracy >= {pct(target)}: OOS recall {pct(point[2])} "
            f"(threshold {point[0]:.3f})"
        )
    return [*lines, ""]


def table(results: Sequence[Result]) -> list[str]:
    """The markdown results table."""
    lines = [
        "| data set | train | dev | OOS | accuracy | macro-F1 | in-scope acc. | answered "
        "precision | clarify (offers right) | OOS recall | train s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: "
        "| ---: |",
    ]
    for r in results:
        oos = "; ".join(f"{name} {pct(v)}" for name, v in r.oos_recall.items()) or "-"
        lines.append(
            f"| {r.name} | {r.train_rows:,} | {r.dev_rows:,} | {r.oos_rows:,} | "
            f"{pct(r.accuracy)} | {pct(r.macro_f1)} | {pct(r.in_scope_accuracy)} | "
            f"{pct(r.answered_precision)} | {pct(r.clarify_rate)} "
            f"({pct(r.clarify_offers_right)}) | {oos} | {r.train_seconds:.1f} | "
            f"{r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "step", choices=["calibrate", "thresholds", "fit", "evaluate", "scale", "all"]
    )
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument(
        "--encoder", default=DEFAULT_ENCODER, help="sentence encoder ('none': words alone)"
    )
    args = parser.parse_args(argv)
    global ENCODER
    inner = get_encoder(args.encoder)
    ENCODER = MemoEncoder(inner) if inner is not None else None
    fields = ("semantic_ranking", "semantic_confidence") if ENCODER else ("ranking", "confidence")
    config = MatcherConfig()
    thresholds = Thresholds()
    out: list[str] = []
    cache: dict[str, dict[str, tuple[list[Scored], list[Scored]]]] = {}

    def step_calibrate() -> None:
        nonlocal config
        data = calibration_data(config)  # the signals do not depend on the two fitted parts
        cache["tuning"] = oos_tuning_scored(config)
        ranking, confidence = calibrate(data, [o for _, o in cache["tuning"].values()])
        in_use = [getattr(config, name) for name in fields]
        print(f"{fields[0]} fitted {ranking}\n           in use {in_use[0]}")
        print(f"{fields[1]} fitted {confidence}\n           in use {in_use[1]}")
        if args.step == "fit":  # the thresholds are then chosen for the fitted confidence
            config = replace(config, **{fields[0]: ranking, fields[1]: confidence})
        out.extend(
            [
                "## Calibration",
                "",
                "Signals of every candidate of 3-fold cross-validated training questions of each "
                "data set, full and 10 examples per intent, each of the ten weighing the same. "
                "Ranking: conditional logit (softmax over a question's candidates) of the right "
                "unit on the five signals and their products with the unit-size signal. "
                "Confidence: logistic regression of `candidate is right` on the ranking score "
                "and its lead over the runner-up, on each question's three best candidates, with "
                "the out-of-scope tuning questions as 20% of the questions.",
                "",
                f"    {fields[0]} fitted {ranking}",
                f"    {' ' * len(fields[0])} in use {in_use[0]}",
                f"    {fields[1]} fitted {confidence}",
                f"    {' ' * len(fields[1])} in use {in_use[1]}",
                "",
            ]
        )

    def step_thresholds() -> None:
        tuning = cache.get("tuning") or oos_tuning_scored(config)
        grid = threshold_grid(config, tuning)
        grid.sort(key=lambda item: -utility(item[1]))
        print("best thresholds by utility:")
        for th, rates in grid[:8]:
            print(
                f"  {th}  u={utility(rates):.3f}  "
                + " ".join(f"{k}={v:.3f}" for k, v in rates.items())
            )
        current = next((r for th, r in grid if th == thresholds), None)
        print(f"in use {thresholds}: {current}")
        out.extend(
            [
                "## Thresholds",
                "",
                "Grid search (answer 0.30-0.95, clarify 0.05-0.95, margin 0-0.4) on the tuning "
                "data only: cross-validated training questions of clinc150 and banking77_oos "
                "(all of them, and 10 per intent) against clinc150 `oos_train` and banking77_oos "
                "`id_oos_train`, averaged over the four; utility (see `utility`): 80% in-scope "
                "traffic (right answer 1, clarification offering the right unit 0.7, other "
                "clarification -0.3, wrong answer -2, refusal 0) "
                "and 20% out of scope (refusal 1, clarification -0.3, answer -2). Top of the "
                "grid:",
                "",
            ]
        )
        out.extend(f"    {th}  utility {utility(r):.3f}" for th, r in grid[:5])
        out.extend(["", f"In use: `{thresholds}`: {current}", ""])

    def step_evaluate() -> None:
        results = []
        for ds in datasets():
            for shots in (0, 10):
                r = evaluate(ds, config, thresholds, shots)
                results.append(r)
                print(
                    f"  {r.name}: acc {pct(r.accuracy)} f1 {pct(r.macro_f1)} "
                    f"in-scope {pct(r.in_scope_accuracy)} oos {r.oos_recall} "
                    f"train {r.train_seconds:.1f}s p99 {r.p99_ms:.2f}ms",
                    file=sys.stderr,
                )
        lines = table(results)
        print("\n".join(lines))
        clinc = results[0]
        banking = results[2]
        out.extend(["## Results (train -> dev)", "", *lines, "", "## Against BERT", ""])
        out.extend(against_bert(clinc, banking))

    def step_scale() -> None:
        figures = scale(args.units)
        print(figures)
        out.extend(
            [
                f"## Scale: {args.units:,} synthetic units x 10 questions + title",
                "",
                f"- examples: {figures['examples']:,}",
                f"- train (publish-to-ready): {figures['train_s']:.1f} s",
                f"- match latency over 1,200 questions: p50 {figures['p50_ms']:.2f} ms, "
                f"p99 {figures['p99_ms']:.2f} ms, max {figures['max_ms']:.2f} ms",
                f"- saved file {figures['file_mb']:.0f} MB, load {figures['load_s']:.2f} s",
                "",
            ]
        )

    steps = {
        "calibrate": step_calibrate,
        "thresholds": step_thresholds,
        "evaluate": step_evaluate,
        "scale": step_scale,
    }
    chosen = {"all": list(steps), "fit": ["calibrate", "thresholds"]}.get(args.step, [args.step])
    for name in chosen:
        steps[name]()
    if args.write:
        header = [
            "# Intent matcher tuning and benchmark",
            "",
            "Command (from the repository root):",
            "",
            "    /work/venv/bin/python benchmarks/matcher_tuning.py all "
            "--write benchmarks/results/matcher_tuning.md",
            "",
            f"Run of {date.today().isoformat()} on {platform.machine()}, Python "
            f"{platform.python_version()}, {_cpus()} CPUs. Only train/dev files are used "
            "(splits: see the script's docstring).",
            "",
        ]
        args.write.write_text("\n".join(header + out) + "\n", encoding="utf-8")


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
