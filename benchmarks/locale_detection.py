"""Benchmark: how often `kb.content.languages.detect_locale` names a question's own locale.

Questions come from the development copies in ../shared/datasets: Russian HWU64 (machine-
translated, with its English originals), English intent sets (HWU64, CLINC150, BANKING77, the
COVID FAQ queries) and the Russian and Bulgarian Microsoft 365 help articles (their titles and
first sentences, markup stripped), plus the sample content's own example questions. Each text is
given to the detector as a release with the listed locales would (default `en`). A text is
"held out" when the first byte of its SHA-1 is odd: the rules were checked only against the other
half, so the figures printed are for texts the detector's author never read.

    python benchmarks/locale_detection.py [--markdown PATH] [--all]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.languages import detect_locale

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
CONTENT = ROOT / "content"
#: The locale sets a release might have: the sample's, and the sample's plus Bulgarian.
RELEASES: tuple[tuple[str, ...], ...] = (("en", "ru"), ("en", "ru", "bg"), ("ru", "bg"))
DEFAULT = "en"

_NOISE = re.compile(
    r"<[^>]*>|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|https?://\S+|[*_`#>|\[\]]+", flags=re.DOTALL
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_TITLE_ID = re.compile(r"^\d+/")


@dataclass
class Tally:
    """Right, undecided (None: the default answers) and wrong detections for one data set."""

    right: int = 0
    undecided: int = 0
    wrong: int = 0
    mistakes: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Texts counted."""
        return self.right + self.undecided + self.wrong

    def add(self, truth: str, found: str | None, text: str) -> None:
        """Count one detection."""
        if found == truth:
            self.right += 1
            return
        if found is None:
            self.undecided += 1
        else:
            self.wrong += 1
        self.mistakes.append((text, found))


def held_out(text: str) -> bool:
    """Half of the texts, fixed by their content: the half the rules were not checked on."""
    return hashlib.sha1(text.encode("utf-8")).digest()[0] % 2 == 1


def _csv(path: Path, column: str) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if text := (row.get(column) or "").strip():
                yield text


def _articles(locale: str, part: str) -> Iterator[str]:
    path = DATASETS / "ms_alchemyinsights" / f"{locale}.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if part == "title":
                text = _TITLE_ID.sub("", article["title"]).strip()
            else:
                body = _NOISE.sub(" ", article["body_markdown"])
                sentences = [s.strip() for s in _SENTENCE_END.split(body) if len(s.split()) > 2]
                text = sentences[0] if sentences else ""
            if text:
                yield text


def _sample_questions(locale: str) -> Iterator[str]:
    for path in sorted((CONTENT / locale).rglob("*.md")):
        front = path.read_text(encoding="utf-8").split("---")[1]
        in_questions = False
        for line in front.splitlines():
            if line.startswith("questions:"):
                in_questions = True
                continue
            if in_questions and line.startswith("  - "):
                yield line[4:].strip().strip("\"'")
            elif in_questions and not line.startswith(" "):
                in_questions = False


def data_sets() -> list[tuple[str, str, Sequence[str]]]:
    """(name, true locale, texts) of every data set measured."""
    hwu_ru = DATASETS / "hwu64_ru" / "train.csv"
    return [
        ("HWU64 Russian (train, machine-translated)", "ru", list(_csv(hwu_ru, "text_ru"))),
        ("Help articles ru-RU: titles", "ru", list(_articles("ru-RU", "title"))),
        ("Help articles ru-RU: first sentences", "ru", list(_articles("ru-RU", "sentence"))),
        ("Help articles bg-BG: titles", "bg", list(_articles("bg-BG", "title"))),
        ("Help articles bg-BG: first sentences", "bg", list(_articles("bg-BG", "sentence"))),
        ("Sample content ru: example questions", "ru", list(_sample_questions("ru"))),
        ("HWU64 English originals of the Russian set", "en", list(_csv(hwu_ru, "text_en"))),
        ("HWU64 English (valid)", "en", list(_csv(DATASETS / "hwu64" / "valid.csv", "text"))),
        ("CLINC150 (val)", "en", list(_csv(DATASETS / "clinc150" / "val.csv", "text"))),
        ("BANKING77 (train)", "en", list(_csv(DATASETS / "banking77" / "train.csv", "text"))),
        (
            "COVID vaccine FAQ queries (dev)",
            "en",
            list(_csv(DATASETS / "covid_vaccine_faq" / "dev_queries.csv", "query")),
        ),
        ("Sample content en: example questions", "en", list(_sample_questions("en"))),
    ]


def measure(everything: bool) -> tuple[list[str], dict[str, list[Tally]], float]:
    """A table row per data set and release; also the detector's mean time per text (µs)."""
    rows: dict[str, list[Tally]] = {}
    lines = []
    timed = 0
    started = time.perf_counter()
    for name, truth, texts in data_sets():
        chosen = [t for t in texts if everything or held_out(t)]
        tallies = []
        for release in RELEASES:
            tally = Tally()
            if truth in release:
                for text in chosen:
                    tally.add(truth, detect_locale(text, release, default=DEFAULT), text)
                timed += len(chosen)
            tallies.append(tally)
        rows[name] = tallies
        cells = [
            f"{t.right / t.total:.1%} ({t.undecided} undecided, {t.wrong} wrong)"
            if t.total
            else "—"
            for t in tallies
        ]
        lines.append(f"| {name} | {truth} | {len(chosen)} | " + " | ".join(cells) + " |")
    micros = (time.perf_counter() - started) / max(timed, 1) * 1e6
    return lines, rows, micros


def main() -> None:
    """Print the table (and write it as Markdown if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--all", action="store_true", help="measure every text, not the held-out")
    parser.add_argument("--mistakes", type=int, default=0, help="print N mistakes per data set")
    args = parser.parse_args()
    lines, rows, micros = measure(args.all)
    header = [
        "| data set | language | texts | release en, ru | release en, ru, bg | release ru, bg |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    table = "\n".join([*header, *lines])
    print(table)
    print(f"\nabout {micros:.0f} µs per text and release")
    if args.mistakes:
        for name, tallies in rows.items():
            for release, tally in zip(RELEASES, tallies, strict=True):
                for text, found in tally.mistakes[: args.mistakes]:
                    print(f"{name} {release}: {found}: {text}")
    if args.markdown:
        args.markdown.write_text(_report(table, micros, args.all), encoding="utf-8")


def _report(table: str, micros: float, everything: bool) -> str:
    which = "every text" if everything else "the held-out half of each data set"
    return f"""# Locale detection benchmark

How often the answer routes' detector (`kb/content/languages.py`) names the locale a question is
written in, when a request gives neither `locale` nor `Accept-Language`. Measured on {which}
(a text is held out when the first byte of its SHA-1 is odd; the rules were checked only against
the other half).

Command (from the repository root, with the project installed):

```
python benchmarks/locale_detection.py --markdown benchmarks/results/locale_detection.md
```

Each cell: the share detected right; "undecided" texts are those whose letters and words do not
tell two of the release's locales apart (mostly short Russian or Bulgarian titles made of words
both languages share, or of product names): the answer routes then ask the matcher of each and
keep the more confident answer, a step this table does not measure. "Wrong" texts went to another
locale, mostly titles made only of Latin-letter product names ("Outlook.com LinkedIn"), which
the detector gives to English. A data set is only measured against the releases that have its
language. The help articles are machine-translated Microsoft 365 texts, parallel in
Russian and Bulgarian, so the same sentence is tried in both languages.

{table}

About {micros:.0f} µs per text and release (one core).
"""


if __name__ == "__main__":
    main()
