"""Benchmark: what the answer/clarify thresholds do to answers, on development data only.

Trains the intent matcher on CLINC150 and BANKING77-OOS training files, ranks their
validation questions and out-of-scope validation questions once, then applies each threshold
setting to the same rankings. Prints, per setting and data set, the share of in-scope
questions answered right, answered wrong, sent to clarification (and how many of those offer
the right unit), and the out-of-scope recall (`no_answer`). Run from the repository root:

    python benchmarks/threshold_sweep.py [--json benchmarks/results/threshold_sweep.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

from kb.answers.decision import decide as _decide
from kb.answers.matcher import Candidate, Example, IntentMatcher, Status, Thresholds
from kb.evaluation.datasets import LabelledRow, read_labelled_csv

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SETTINGS = (
    Thresholds(answer=0.8, clarify=0.55, margin=0.1),
    Thresholds(answer=0.7, clarify=0.55, margin=0.1),
    Thresholds(answer=0.6, clarify=0.55, margin=0.1),
    Thresholds(answer=0.5, clarify=0.55, margin=0.1),
    Thresholds(answer=0.4, clarify=0.55, margin=0.1),
    Thresholds(answer=0.5, clarify=0.55, margin=0.2),
    Thresholds(answer=0.5, clarify=0.55, margin=0.3),
    Thresholds(answer=0.5, clarify=0.55, margin=0.35),
    Thresholds(answer=0.5, clarify=0.55, margin=0.4),
    Thresholds(answer=0.5, clarify=0.45, margin=0.1),
    Thresholds(answer=0.5, clarify=0.35, margin=0.1),
)

Ranked = list[tuple[str, list[Candidate]]]


def _rows(*names: str) -> list[LabelledRow]:
    return [row for name in names for row in read_labelled_csv(DATASETS / name)]


def _ranked(train: list[LabelledRow], rows: list[LabelledRow]) -> tuple[Ranked, float]:
    matcher = IntentMatcher.train([Example(r.label, r.text) for r in train], locale="en")
    start = time.perf_counter()
    ranked = [(r.label, matcher.rank(r.text, limit=3)) for r in rows]
    return ranked, time.perf_counter() - start


def _apply(ranked: Ranked, oos: Ranked, thresholds: Thresholds) -> dict[str, float]:
    right = wrong = clarify = offers = 0
    for label, candidates in ranked:
        result = _decide(candidates, thresholds, 3)
        if result.status is Status.ANSWERED:
            right += result.candidates[0].unit_id == label
            wrong += result.candidates[0].unit_id != label
        elif result.status is Status.CLARIFY:
            clarify += 1
            offers += any(c.unit_id == label for c in result.candidates)
    refused = sum(_decide(c, thresholds, 3).status is Status.NO_ANSWER for _, c in oos)
    n = len(ranked)
    return {
        "answered_right": 100 * right / n,
        "answered_wrong": 100 * wrong / n,
        "clarify": 100 * clarify / n,
        "clarify_offers_right": 100 * offers / n,
        "oos_recall": 100 * refused / len(oos),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    data = {
        "clinc150": (
            _rows("clinc150/train.csv"),
            _rows("clinc150/val.csv"),
            _rows("clinc150/oos_val.csv"),
        ),
        "banking77_oos": (
            _rows("banking77_oos/train.csv"),
            _rows("banking77_oos/valid.csv"),
            _rows("banking77_oos/id_oos_valid.csv", "banking77_oos/ood_oos_valid.csv"),
        ),
    }
    rankings = {}
    for name, (train, valid, oos) in data.items():
        ranked, _ = _ranked(train, valid + oos)
        rankings[name] = (ranked[: len(valid)], ranked[len(valid) :])
    print(f"default: {Thresholds()}")
    print(
        "| answer | clarify | margin | data set | right | wrong "
        "| clarify (offers right) | OOS recall |"
    )
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    table = []
    for thresholds in SETTINGS:
        for name, (ranked, oos) in rankings.items():
            f = _apply(ranked, oos, thresholds)
            table.append({"thresholds": asdict(thresholds), "dataset": name, **f})
            print(
                f"| {thresholds.answer} | {thresholds.clarify} | {thresholds.margin} | {name} "
                f"| {f['answered_right']:.1f} | {f['answered_wrong']:.1f} "
                f"| {f['clarify']:.1f} ({f['clarify_offers_right']:.1f}) | {f['oos_recall']:.1f} |"
            )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "threshold_sweep",
                    "default": asdict(Thresholds()),
                    "machine": {
                        "python": platform.python_version(),
                        "platform": platform.platform(),
                    },
                    "results": table,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
