"""Check: the matchers this tree trains are byte-identical to those of another commit's code.

Memory work on training (issue 22) must not change answers where the old design fits: the
sample content (each locale) and the training files of the evaluation data sets are trained
by this tree and by a worktree of `--baseline`, each matcher is pickled, and the SHA-256 of
the pickles (every weight, bias, example vector and vocabulary entry) are compared.

    python benchmarks/matcher_identity.py --baseline 1e38903 [--encoder use-multilingual]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from baseline import REPO, checkout, code_env
from report import render_table

DATASETS = Path("/work/shared/datasets")
#: (name, file under DATASETS, text column, label column).
SETS = (
    ("banking77", "banking77/train.csv", "text", "category"),
    ("clinc150", "clinc150/train.csv", "text", "intent"),
    ("hwu64", "hwu64/train.csv", "text", "intent"),
    ("hwu64_ru", "hwu64_ru/train.csv", "text_ru", "label"),
    ("banking77_oos", "banking77_oos/train.csv", "text", "intent"),
)


def _examples() -> dict[str, list[tuple[str, str]]]:
    """(unit, text) training pairs of each sample-content locale and each data set found."""
    from kb.content.document import parse_unit

    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((REPO / "content").rglob("*.md")):
        if "snippets" in path.parts:
            continue
        unit = parse_unit(path.read_text(encoding="utf-8"), source=str(path))
        if unit.audience == "public":
            pairs = found.setdefault(f"content-{unit.locale}", [])
            pairs.extend((unit.id, text) for text in (unit.title, *unit.questions))
    for name, file, text, label in SETS:
        if (DATASETS / file).exists():
            with (DATASETS / file).open(encoding="utf-8") as handle:
                found[name] = [(row[label], row[text]) for row in csv.DictReader(handle)]
    return found


def digests(encoder_name: str) -> dict[str, str]:
    """SHA-256 of each pickled matcher, trained with the code this process imports (and the
    sentence encoder named, unless `none`)."""
    from kb.answers.config import Example
    from kb.answers.encoding.registry import get_encoder
    from kb.answers.matcher import IntentMatcher

    encoder = get_encoder(encoder_name)
    out = {}
    for name, pairs in _examples().items():
        found = [Example(u, t) for u, t in pairs]
        matcher = IntentMatcher.train(found, locale="en", encoder=encoder)
        out[name] = hashlib.sha256(pickle.dumps(matcher, protocol=5)).hexdigest()
    return out


def _digests_of(tree: Path, encoder: str) -> dict[str, str]:
    """`digests()` in a child process that imports `tree`'s code."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--digests", "--encoder", encoder],
        env={**os.environ, **code_env(tree)},
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, str] = json.loads(done.stdout)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="1e38903", help="the commit to compare with")
    parser.add_argument("--encoder", default="none", help="sentence encoder (none: words)")
    parser.add_argument("--digests", action="store_true", help="print this code's digests")
    args = parser.parse_args(argv)
    if args.digests:
        print(json.dumps(digests(args.encoder)))
        return 0
    with checkout(args.baseline) as tree:
        before = _digests_of(tree, args.encoder)
    after = _digests_of(REPO, args.encoder)
    cells = [["matcher", args.baseline, "working tree", "identical"]]
    for name in before:
        same = before[name] == after.get(name)
        cells.append([name, before[name][:16], after.get(name, "-")[:16], "yes" if same else "NO"])
    print(render_table(cells))
    return 0 if before == after else 1


if __name__ == "__main__":
    sys.exit(main())
