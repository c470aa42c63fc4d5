"""Benchmark: answer quality of saved matcher files on benchmarks/search_answer.py's held-out
"ask" questions of the generated English corpus (the same units, the same questions).

For matchers of N generated units (benchmarks/training_steps.py --out saves one), each file is
loaded and asked the corpus's paraphrased questions (`english_queries`, seed + 1): top-1 is
the share of in-scope questions whose best-ranked unit is the right one, "answered right" the
share `match()` answers with it, "declined" the share of out-of-scope questions refused.
The matchers' own sentence encoder is used when it is installed.

    python benchmarks/matcher_quality.py --units 40000 before.pkl after.pkl
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from report import render_table
from search_answer import english_queries, english_units


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+", help="saved matchers")
    parser.add_argument("--units", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=42, help="the corpus's seed")
    parser.add_argument("--questions", type=int, default=2_000)
    args = parser.parse_args(argv)
    from kb.answers.matcher import IntentMatcher, Status

    units, topics = english_units(args.units, random.Random(args.seed))
    asked = english_queries(topics, units, args.questions, random.Random(args.seed + 1))["ask"]
    scoped = [q for q in asked if q.expected]
    outside = [q for q in asked if not q.expected]
    cells = [["matcher file", "top-1", "answered right", "out of scope declined"]]
    for path in args.files:
        matcher = IntentMatcher.load(path)
        ranked = [matcher.rank(q.text, 1) for q in scoped]
        top = sum(
            bool(r) and r[0].unit_id == q.expected for q, r in zip(scoped, ranked, strict=True)
        )
        answers = [matcher.match(q.text) for q in scoped]
        right = sum(
            a.status is Status.ANSWERED and a.candidates[0].unit_id == q.expected
            for q, a in zip(scoped, answers, strict=True)
        )
        declined = sum(matcher.match(q.text).status is Status.NO_ANSWER for q in outside)
        cells.append(
            [
                path.name,
                f"{top / len(scoped):.2%}",
                f"{right / len(scoped):.2%}",
                f"{declined / max(1, len(outside)):.2%}",
            ]
        )
        print(render_table(cells), flush=True)
    print(f"{len(scoped):,} questions in scope, {len(outside):,} out of scope")
    return 0


if __name__ == "__main__":
    sys.exit(main())
