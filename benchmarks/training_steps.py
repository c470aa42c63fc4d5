"""Benchmark: peak memory of each step of training one matcher, as `kb publish`'s child trains it.

The examples are those of N generated English units (benchmarks/search_answer.py's corpus, the
one benchmarks/publish_memory.py publishes: the public units' titles and questions). They are
trained in this process, and after each step (examples received, TF-IDF, centroids, pairs'
design and SGD, postings, example vectors, saved) the step's peak resident memory (VmHWM, reset
per step through /proc/self/clear_refs: Linux) and the resident memory after it are printed.
With `--encoder` the examples' sentence vectors come from the cache in `--cache` (filled on the
first run: a publish's first build encodes them in the child, before the rest).

    python benchmarks/training_steps.py --units 40000 --encoder use-multilingual \\
        --cache /tmp/kb-cache --out /tmp/matcher-40000.pkl
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

from search_answer import english_units

_START = time.perf_counter()


def _status() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":\t")
        found[key] = value
    return int(found["VmRSS"].split()[0]) // 1024, int(found["VmHWM"].split()[0]) // 1024


def mark(step: str) -> None:
    """Print the step's peak and what is resident after it; start the next step's peak."""
    rss, peak = _status()
    print(f"{time.perf_counter() - _START:7.1f} s  {step:34s} peak {peak:6,} MB  rss {rss:6,} MB")
    Path("/proc/self/clear_refs").write_text("5")


def _wrapped(owner: Any, name: str, before: str, after: str) -> None:
    """Mark `before` when owner.name is called and `after` when it returns."""
    function = getattr(owner, name)

    def marked(*args: Any, **kwargs: Any) -> Any:
        mark(before)
        result = function(*args, **kwargs)
        mark(after)
        return result

    setattr(owner, name, marked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=42, help="the corpus's seed")
    parser.add_argument("--encoder", default="none", help="sentence encoder (none: words)")
    parser.add_argument("--cache", type=Path, help="the encoder's vector cache folder")
    parser.add_argument("--out", type=Path, help="save the matcher here")
    parser.add_argument(
        "--spill",
        type=Path,
        help="set finished arrays aside in a file in this folder, as a release's build does",
    )
    args = parser.parse_args(argv)
    from kb.answers import matcher as matcher_module
    from kb.answers.config import Example
    from kb.answers.encoding.cache import EmbeddingCache
    from kb.answers.encoding.registry import get_encoder
    from kb.answers.spill import Spill

    units, _topics = english_units(args.units, random.Random(args.seed))
    examples = [
        Example(u.id, text)
        for u in units
        if u.audience == "public"
        for text in (u.title, *u.questions)
    ]
    del units, _topics
    mark(f"examples ({len(examples):,})")
    encoder = get_encoder(args.encoder)
    cache = None if encoder is None else EmbeddingCache(args.cache, encoder)
    mark("encoder and cache's keys")
    _wrapped(matcher_module, "linear_model", "centroids", "pairs' design and SGD")
    _wrapped(
        matcher_module.IntentMatcher,
        "_fit",
        "encoding (if new), example vectors, TF-IDF",
        "postings (and --spill: set aside)",
    )
    spill = None if args.spill is None else Spill(args.spill)
    trained = matcher_module.IntentMatcher.train(
        examples, locale="en", encoder=encoder, cache=cache, spill=spill
    )
    mark("trained")
    if args.out is not None:
        trained.save(args.out)
        mark("saved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
