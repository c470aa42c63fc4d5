"""Benchmark: customers' own wordings on the sample content, with each encoder and without.

The questions (benchmarks/data/sample_paraphrases.csv) were written blind: by a writer who saw
each public unit's title and the start of its answer, never its example questions, plus
questions no unit answers. Each encoder gets a scratch knowledge base with the sample content
published, in the same run, and is asked every question. Run from the repository root:

    python benchmarks/sample_paraphrases.py [--encoders use-multilingual,none]
        [--write benchmarks/results/sample_paraphrases.md]
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from importers import read_folder
from kb import KnowledgeBase
from kb.answers.decision import Status
from kb.answers.encoding.registry import DEFAULT_ENCODER
from kb.settings import DEFAULT_CHANNELS, Settings

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "benchmarks" / "data" / "sample_paraphrases.csv"


@dataclass(frozen=True)
class Question:
    """One customer question; `unit_id` is empty when no unit answers it."""

    locale: str
    unit_id: str
    text: str


def read_questions(path: Path = QUESTIONS) -> list[Question]:
    """The blind questions, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Question(r["locale"], r["unit_id"], r["question"]) for r in csv.DictReader(handle)]


def sample_knowledge_base(folder: Path, encoder: str) -> KnowledgeBase:
    """The sample content, published, in a scratch SQLite store under `folder`."""
    kb = KnowledgeBase.open(Settings(data_dir=folder, author="bench", encoder=encoder))
    kb.import_content(read_folder(REPO / "content", channels=DEFAULT_CHANNELS), author="bench")
    kb.publish(author="bench", message="sample")
    return kb


def outcomes(kb: KnowledgeBase, questions: list[Question]) -> Counter[str]:
    """Per locale, how each question ended: reached (top unit right), answered right or
    wrong, a clarification offering the right unit, refused; unrelated ones refused or not."""
    counts: Counter[str] = Counter()
    for q in questions:
        answer = kb.ask(q.text, locale=q.locale)
        offered = [a.unit_id for a in answer.alternatives]
        top = answer.unit_id or (offered[0] if offered else None)
        if not q.unit_id:
            counts[f"{q.locale} unrelated"] += 1
            counts[f"{q.locale} unrelated refused"] += answer.status is Status.NO_ANSWER
            continue
        counts[f"{q.locale} questions"] += 1
        counts[f"{q.locale} reached"] += top == q.unit_id and answer.status is not Status.NO_ANSWER
        if answer.status is Status.ANSWERED:
            counts[f"{q.locale} answered right"] += answer.unit_id == q.unit_id
            counts[f"{q.locale} answered wrong"] += answer.unit_id != q.unit_id
        elif answer.status is Status.CLARIFY:
            counts[f"{q.locale} clarify offering it"] += q.unit_id in offered
        else:
            counts[f"{q.locale} refused"] += 1
    return counts


def table(results: dict[str, Counter[str]], locales: list[str]) -> list[str]:
    """Markdown: one row per encoder and locale, shares of the questions."""
    lines = [
        "| encoder | locale | questions | reached right unit | answered right | answered wrong "
        "| clarify offering it | refused | unrelated refused |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, c in results.items():
        for loc in locales:
            n, u = c[f"{loc} questions"], c[f"{loc} unrelated"]

            def pct(key: str, total: int, loc: str = loc, c: Counter[str] = c) -> str:
                return f"{100 * c[f'{loc} {key}'] / total:.1f}" if total else "-"

            lines.append(
                f"| {name} | {loc} | {n} | {pct('reached', n)} | {pct('answered right', n)} | "
                f"{pct('answered wrong', n)} | {pct('clarify offering it', n)} | "
                f"{pct('refused', n)} | {pct('unrelated refused', u)} ({u}) |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default=f"{DEFAULT_ENCODER},none")
    parser.add_argument("--write", type=Path, help="write the markdown report here")
    args = parser.parse_args(argv)
    questions = read_questions()
    locales = sorted({q.locale for q in questions})
    results: dict[str, Counter[str]] = {}
    for name in args.encoders.split(","):
        print(f"encoder {name} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="kb-para-") as tmp:
            kb = sample_knowledge_base(Path(tmp), name)
            try:
                results[name] = outcomes(kb, questions)
            finally:
                kb.close()
    lines = table(results, locales)
    print("\n".join(lines))
    if args.write:
        header = [
            "# Customers' own wordings on the sample content",
            "",
            "Command: `python benchmarks/sample_paraphrases.py --write "
            "benchmarks/results/sample_paraphrases.md`",
            "",
            f"Run of {date.today().isoformat()}, Python {platform.python_version()}. "
            f"Questions: `benchmarks/data/sample_paraphrases.csv` ({len(questions)}), written "
            "blind (titles and answers seen, example questions not). `reached`: the top unit "
            "(answered, or first offered) is right; `unrelated refused`: no_answer for a "
            "question no unit answers.",
            "",
        ]
        args.write.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
