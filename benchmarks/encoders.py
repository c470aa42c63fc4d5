"""Benchmark: each registered sentence encoder's cost and what its vectors alone know.

For every encoder in kb.answers.encoding.registry (the default among them), in one run:

    load        seconds to load the model and encode a first text (once per process)
    question    ms to encode one question at a time, single-threaded (p50 / p99 of 500)
    batch       texts a second when a publish encodes 256 at a time
    intents     10 examples per intent of HWU64's parallel English and Russian texts
                (../shared/datasets/hwu64_ru: the same rows in both languages), the rest
                asked: top-1 of the nearest centroid, vectors alone, no words
    articles    Microsoft 365 help articles in Russian and Bulgarian: each article's first
                heading asked against the rest of the article: hit@1 and hit@5 of the
                nearest article, vectors alone

The lexical matcher's figures on the same data are in eval.md; this isolates the encoder.
Run from the repository root:

    python benchmarks/encoders.py [--encoders use-multilingual] [--write FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import statistics
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from kb.answers.encoding.base import Encoder
from kb.answers.encoding.registry import DEFAULT_ENCODER, NO_ENCODER, encoder_names, get_encoder
from kb.evaluation.datasets import read_articles

REPO = Path(__file__).resolve().parent.parent
DATA = (REPO / ".." / "shared" / "datasets").resolve()
RESULTS = REPO / "benchmarks" / "results"
SHOTS = 10
SEED = 13
#: The start of an article's body the encoder reads (its own cut is at 500 characters).
ARTICLE_CHARS = 500


def speed(encoder: Encoder, questions: list[str]) -> dict[str, float]:
    """Per-question latency one at a time, and batch throughput."""
    times = []
    for text in questions[:500]:
        started = time.perf_counter()
        encoder.encode([text])
        times.append((time.perf_counter() - started) * 1000)
    batch = questions[:2048]
    started = time.perf_counter()
    for i in range(0, len(batch), 256):
        encoder.encode(batch[i : i + 256])
    per_second = len(batch) / (time.perf_counter() - started)
    times.sort()
    return {
        "question_p50_ms": statistics.median(times),
        "question_p99_ms": times[int(0.99 * (len(times) - 1))],
        "batch_texts_per_s": per_second,
    }


def few_shot_split(rows: list[dict[str, str]]) -> tuple[list[int], list[int]]:
    """Indices of SHOTS rows per label (training) and of the rest (asked)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_label[row["label"]].append(i)
    rng = random.Random(SEED)
    train: list[int] = []
    for label in sorted(by_label):
        members = by_label[label]
        if len(members) > SHOTS:
            train += rng.sample(members, SHOTS)
    chosen = set(train)
    return train, [i for i in range(len(rows)) if i not in chosen and rows[i]["label"]]


def centroid_top1(encoder: Encoder, texts: list[str], labels: list[str], split: tuple) -> float:
    """Top-1 of the nearest label centroid, trained on split[0], asked split[1]."""
    train, asked = split
    vectors = encoder.encode(texts)
    names = sorted({labels[i] for i in train})
    index = {name: k for k, name in enumerate(names)}
    sums = np.zeros((len(names), vectors.shape[1]), dtype=np.float32)
    for i in train:
        sums[index[labels[i]]] += vectors[i]
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    best = (vectors[asked] @ sums.T).argmax(axis=1)
    return float(np.mean([names[b] == labels[i] for b, i in zip(best, asked, strict=True)]))


def article_hits(encoder: Encoder, path: Path) -> dict[str, float]:
    """hit@1 and hit@5 of the nearest article body for each article's first heading."""
    articles = [a for a in read_articles(path) if a.heading.strip()]
    bodies = [a.body.replace(f"# {a.heading}", "", 1).strip()[:ARTICLE_CHARS] for a in articles]
    docs = encoder.encode(bodies)
    queries = encoder.encode([a.heading for a in articles])
    relevant: dict[str, set[int]] = defaultdict(set)
    for k, a in enumerate(articles):
        relevant[a.heading].add(k)
    top = np.argsort(-(queries @ docs.T), axis=1)[:, :5]
    hit1 = np.mean([top[q, 0] in relevant[a.heading] for q, a in enumerate(articles)])
    hit5 = np.mean([bool(set(top[q]) & relevant[a.heading]) for q, a in enumerate(articles)])
    return {"hit1": float(hit1), "hit5": float(hit5), "queries": len(articles)}


def measure(name: str) -> dict[str, object]:
    """Every figure of one encoder."""
    started = time.perf_counter()
    encoder = get_encoder(name)
    assert encoder is not None
    encoder.encode(["warm up"])  # some models load their weights on first use
    loaded = time.perf_counter() - started
    with (DATA / "hwu64_ru" / "train.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    split = few_shot_split(rows)
    labels = [r["label"] for r in rows]
    out: dict[str, object] = {"encoder": name, "version": encoder.version, "load_s": loaded}
    out |= speed(encoder, [r["text_en"] for r in rows])
    for lang in ("en", "ru"):
        out[f"hwu64_{lang}_10shot_top1"] = centroid_top1(
            encoder, [r[f"text_{lang}"] for r in rows], labels, split
        )
    for locale in ("ru-RU", "bg-BG"):
        out[f"articles_{locale[:2]}"] = article_hits(
            encoder, DATA / "ms_alchemyinsights" / f"{locale}.jsonl"
        )
    return out


def table(results: list[dict]) -> list[str]:
    """Markdown: one row per encoder."""
    lines = [
        "| encoder | load s | ms/question p50 / p99 | texts/s in batches | HWU64 10-shot en / ru "
        "| articles ru hit@1 / @5 | articles bg hit@1 / @5 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ru, bg = r["articles_ru"], r["articles_bg"]
        lines.append(
            f"| {r['encoder']} | {r['load_s']:.1f} | {r['question_p50_ms']:.2f} / "
            f"{r['question_p99_ms']:.2f} | {r['batch_texts_per_s']:,.0f} | "
            f"{100 * r['hwu64_en_10shot_top1']:.1f} / {100 * r['hwu64_ru_10shot_top1']:.1f} | "
            f"{100 * ru['hit1']:.1f} / {100 * ru['hit5']:.1f} | "
            f"{100 * bg['hit1']:.1f} / {100 * bg['hit5']:.1f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    named = ",".join(n for n in encoder_names() if n != NO_ENCODER)
    parser.add_argument("--encoders", default=named, help=f"default: {named}")
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    results = [measure(name) for name in args.encoders.split(",")]
    lines = table(results)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.write:
        header = [
            "# Sentence encoders",
            "",
            "Command: `python benchmarks/encoders.py --write benchmarks/results/encoders.md`",
            "",
            f"Run of {date.today().isoformat()}, Python {platform.python_version()}, "
            f"{platform.machine()}; the default encoder is `{DEFAULT_ENCODER}`. Vectors alone "
            "(no words): HWU64 10-shot is the nearest label centroid on the same rows in "
            "English and Russian; articles: each first heading against the article bodies' "
            f"first {ARTICLE_CHARS} characters. The matcher fuses these vectors with its "
            "lexical model: its figures are in eval.md.",
            "",
        ]
        args.write.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
