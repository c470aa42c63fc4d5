"""Benchmark: precision and recall of the consistency report on a labelled set of real silos.

The units are real FAQ entries and help articles written by other people (../shared/datasets:
the COVID-19 vaccine FAQ, in English, gathered from several public FAQs; the Microsoft 365
help articles in Russian and Bulgarian, where one answer often exists as two articles, a main
one and a "commercial dialogue" or an older copy). benchmarks/data/consistency/pairs.csv labels
pairs of them: `duplicate` (they answer the same question and agree), `contradiction` (they
answer the same question and one states a different value: made by editing one real answer's
value as a drifting silo would, drifts.json), or `lookalike` (they only look alike). Every unit
of the corpus is checked at once (the whole FAQ, all ~3,000 articles of a language), as a
knowledge base would be, and each labelled pair is then scored:

- duplicates: predicted when both units end in one duplicate group; positives are the
  duplicate and contradiction pairs, negatives the look-alikes;
- contradictions: predicted when the report has a contradiction between the two units (of the
  labelled kind); positives are the contradiction pairs, negatives all the others.

English national phone numbers are read as US numbers (--region US: the FAQ is Californian).

    python benchmarks/consistency_quality.py [--locale en|ru|bg] [--labelled-only] [--errors]
        [--audit N] [--json PATH]

`--audit N` prints N groups (random.seed(17)) that touch no labelled unit, titles and the start
of each body, for a person to judge.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.consistency.report import ConsistencyReport, check_locale
from kb.content.document import UnitDocument
from kb.content.unit_source import UnitSource

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "consistency"
DATASETS = ROOT.parent / "shared" / "datasets"
REGIONS = {"en": "US", "ru": None, "bg": None}
_MS_FILES = {"ru": "ru-RU.jsonl", "bg": "bg-BG.jsonl"}


def slug(name: str) -> str:
    """A dataset id as a unit id."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _covid() -> dict[str, tuple[str, str, str]]:
    """The COVID FAQ by faq_id: (title, body, system); the body is the original answer where
    the data set kept one, else the cleaned one."""
    with (DATASETS / "covid_vaccine_faq" / "faq.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        r["faq_id"]: (r["question"].strip(), (r["answer_original"].strip() or r["answer"]), "faq")
        for r in rows
    }


def _ms(locale: str) -> dict[str, tuple[str, str, str]]:
    """The Microsoft 365 help articles of a language by id: (heading, body without its heading,
    section as the system)."""
    found = {}
    with (DATASETS / "ms_alchemyinsights" / _MS_FILES[locale]).open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            body = re.sub(r"\A\s*#[^\n]*\n", "", row["body_markdown"]).strip()
            if row["heading"].strip() and body:
                found[row["id"]] = (row["heading"].strip(), body, row["section"])
    return found


def _document(locale: str, unit_id: str, title: str, body: str, system: str) -> UnitDocument:
    return UnitDocument(
        id=unit_id, locale=locale, title=title, body=body, source=UnitSource(system, unit_id)
    )


def load_units(locale: str, keep: set[str] | None = None) -> list[UnitDocument]:
    """The corpus of a locale (only the units in `keep`, when given) plus its drifted copies."""
    raw = _covid() if locale == "en" else _ms(locale)
    prefix = "covid-" if locale == "en" else ""
    units = {
        slug(prefix + key): _document(locale, slug(prefix + key), *value)
        for key, value in raw.items()
    }
    for drift in json.loads((DATA / "drifts.json").read_text(encoding="utf-8")):
        if drift["locale"] != locale:
            continue
        title, body, _system = raw[drift["base"]]
        title = drift.get("title") or raw[drift.get("title_from", drift["base"])][0]
        for old, new in drift["replace"]:
            if old not in body:
                raise SystemExit(f"drifts.json: {drift['id']}: '{old}' is not in the body")
            body = body.replace(old, new)
        units[slug(drift["id"])] = _document(locale, slug(drift["id"]), title, body, "drift")
    if keep is not None:
        units = {k: v for k, v in units.items() if k in keep}
    return list(units.values())


@dataclass(frozen=True)
class Pair:
    """One labelled pair."""

    locale: str
    first: str
    second: str
    label: str
    kind: str
    note: str


def load_pairs() -> list[Pair]:
    with (DATA / "pairs.csv").open(encoding="utf-8") as handle:
        return [
            Pair(r["locale"], slug(r["first"]), slug(r["second"]), r["label"], r["kind"], r["note"])
            for r in csv.DictReader(handle)
        ]


@dataclass
class Score:
    """Counts of one task."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, truth: bool, predicted: bool, what: str) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.errors.append(f"false alarm: {what}")
        elif truth:
            self.fn += 1
            self.errors.append(f"missed: {what}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self) -> dict[str, object]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
        }


def audit(locale: str, report: ConsistencyReport, units: list[UnitDocument], count: int) -> None:
    """Print `count` random groups that touch no labelled unit, for a person to judge."""
    labelled = {u for p in load_pairs() if p.locale == locale for u in (p.first, p.second)}
    by_id = {u.id: u for u in units}
    groups = [d for d in report.duplicates if not labelled & set(d.units)]
    random.seed(17)
    print(f"\n{locale}: {len(groups)} of {len(report.duplicates)} groups touch no labelled unit")
    for group in random.sample(groups, min(count, len(groups))):
        print(f"## {', '.join(group.units)} ({group.score})")
        for unit_id in group.units:
            body = by_id[unit_id].body[:140].replace("\n", " ")
            print(f"    {unit_id} | {by_id[unit_id].title} | {body}")


def evaluate(
    locale: str, pairs: Iterable[Pair], labelled_only: bool, audit_count: int = 0
) -> dict[str, object]:
    """Check one locale's corpus and score its labelled pairs."""
    pairs = [p for p in pairs if p.locale == locale]
    keep = {u for p in pairs for u in (p.first, p.second)} if labelled_only else None
    units = load_units(locale, keep)
    started = time.perf_counter()
    report = check_locale(units, {}, locale, region=REGIONS[locale])
    seconds = time.perf_counter() - started
    if audit_count:
        audit(locale, report, units, audit_count)
    group_of = {u: n for n, d in enumerate(report.duplicates) for u in d.units}
    conflicts: dict[frozenset[str], set[str]] = {}
    for c in report.contradictions:
        conflicts.setdefault(frozenset((c.first.unit_id, c.second.unit_id)), set()).add(c.kind)
    duplicates, contradictions = Score(), Score()
    for p in pairs:
        what = f"{p.locale} {p.first} ~ {p.second} ({p.label}{' ' + p.kind if p.kind else ''})"
        same = p.first in group_of and group_of.get(p.first) == group_of.get(p.second)
        duplicates.add(p.label != "lookalike", same, what)
        found = conflicts.get(frozenset((p.first, p.second)), set())
        predicted = p.kind in found if p.kind else bool(found)
        kinds = f" found {sorted(found)}" if found else ""
        contradictions.add(p.label == "contradiction", predicted, what + kinds)
    labelled = {frozenset((p.first, p.second)) for p in pairs}
    grouped = sum(len(d.units) * (len(d.units) - 1) // 2 for d in report.duplicates)
    return {
        "locale": locale,
        "units": len(units),
        "pairs": len(pairs),
        "seconds": round(seconds, 2),
        "duplicates": duplicates.row(),
        "contradictions": contradictions.row(),
        "groups": len(report.duplicates),
        "grouped_pairs": grouped,
        "unlabelled_contradictions": sum(1 for k in conflicts if k not in labelled),
        "errors": duplicates.errors + contradictions.errors,
    }


COLUMNS = (
    ("locale", "locale"),
    ("units", "units"),
    ("pairs", "labelled pairs"),
    ("dup_p", "duplicates P"),
    ("dup_r", "duplicates R"),
    ("con_p", "contradictions P"),
    ("con_r", "contradictions R"),
    ("groups", "groups reported"),
    ("other", "contradictions in unlabelled pairs"),
    ("seconds", "s"),
)


def _row(result: dict[str, object]) -> dict[str, object]:
    """One table row of a locale's result (or of the total)."""
    d, c = result["duplicates"], result["contradictions"]
    assert isinstance(d, dict) and isinstance(c, dict)
    return {
        "locale": result.get("locale", "all"),
        "units": result.get("units", ""),
        "pairs": result.get("pairs", ""),
        "dup_p": f"{d['precision']:.3f}",
        "dup_r": f"{d['recall']:.3f}",
        "con_p": f"{c['precision']:.3f}",
        "con_r": f"{c['recall']:.3f}",
        "groups": result.get("groups", ""),
        "other": result.get("unlabelled_contradictions", ""),
        "seconds": result.get("seconds", ""),
    }


def print_table(rows: list[dict[str, object]]) -> None:
    """A Markdown table of the rows."""
    print("| " + " | ".join(title for _key, title in COLUMNS) + " |")
    print("| --- |" + " ---: |" * (len(COLUMNS) - 1))
    for row in rows:
        print("| " + " | ".join(str(row[key]) for key, _title in COLUMNS) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locale", choices=("en", "ru", "bg"), action="append")
    parser.add_argument("--labelled-only", action="store_true", help="check only labelled units")
    parser.add_argument("--errors", action="store_true", help="list every wrong verdict")
    parser.add_argument("--audit", type=int, default=0, help="print N unlabelled groups")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    pairs = load_pairs()
    locales = args.locale or ("en", "ru", "bg")
    results = [evaluate(locale, pairs, args.labelled_only, args.audit) for locale in locales]
    total = {"duplicates": Score(), "contradictions": Score()}
    for result in results:
        for task, score in total.items():
            counts = result[task]
            assert isinstance(counts, dict)
            for name in ("tp", "fp", "fn", "tn"):
                setattr(score, name, getattr(score, name) + counts[name])
    summary = {task: score.row() for task, score in total.items()}
    summary["pairs"] = sum(int(str(r["pairs"])) for r in results)
    print_table([*(_row(r) for r in results), _row(summary)])
    print(f"\nduplicates: {summary['duplicates']}\ncontradictions: {summary['contradictions']}")
    if args.errors:
        for result in results:
            for line in result["errors"]:  # type: ignore[attr-defined]
                print(line)
    if args.json:
        document = {"total": summary, "locales": results}
        args.json.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
