"""Benchmark: what search costs per query, and how much of it is building snippets, for today's
code (commit 9965c13, analysing every hit's text on every query) beside the working tree's
(each text analysed once per opened index), on both engines, in one run.

The generated English corpus of benchmarks/search_answer.py (10,000 units, 150-300 word
bodies) and its four query sets (whole words; as the API sends them, channel "web", search as
you type; cut mid-word; with a typo) are made once here and handed to a child process per code
and engine: it builds the engine's index of the units (`kb.search.indexed_units`' fields,
without a database), opens it and runs every query twice (pass 1 from a cold snippet cache
after a 20-query warm-up, pass 2 the same queries again), timing each query's CPU time (this
process) and the CPU time spent in `make_hit` (the snippet and the hit, not reading the stored
fields), and a digest of every hit's unit and snippet (both codes must show the same).
Today's code runs from a git worktree of its commit (benchmarks/baseline.py), the
child's module imported from it.

The floor: plain tantivy (title/questions/body with its stemming tokenizer, Whoosh's boosts)
searching the whole-word queries and making each hit's snippet with its own SnippetGenerator.

Run from the repository root:

    python benchmarks/search_snippets.py --json benchmarks/results/search_snippets.json \\
        > benchmarks/results/search_snippets.md
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ENGINES = ("whoosh", "tantivy")
BASELINE = "9965c13"
WARMUP = 20
#: Query set -> (prefix, channel), as benchmarks/search_answer.py asks them.
KINDS = {
    "plain": ("plain", False, None),
    "api": ("plain", True, "web"),
    "prefix": ("prefix", True, None),
    "typo": ("typo", False, None),
}


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# -- the child: one code version, one engine --------------------------------------------------


def run_child(spec_path: Path) -> dict[str, Any]:
    """Build, open and query one engine's index with the code on sys.path; figures in ms."""
    from kb.search import IndexedUnit, SearchQuery, get_engine

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    units = [_unit(IndexedUnit, u) for u in spec["units"]]
    engine = spec["engine"]
    module = importlib.import_module(f"kb.search.{engine}_engine")
    spent = [0]
    make_hit = module.make_hit

    def timed_make_hit(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time_ns()
        try:
            return make_hit(*args, **kwargs)
        finally:
            spent[0] += time.process_time_ns() - start

    module.make_hit = timed_make_hit
    with tempfile.TemporaryDirectory(prefix="kb-bench-snippets-") as tmp:
        get_engine(engine).build(units, Path(tmp) / "index")
        index = get_engine(engine).open(Path(tmp) / "index")
        queries = [
            SearchQuery(text, "en", prefix=prefix, channel=channel)
            for kind, (_set, prefix, channel) in KINDS.items()
            for text in spec["queries"][kind]
        ]
        for query in queries[:WARMUP]:
            index.search(query)
        out: dict[str, Any] = {"engine": engine, "queries": len(queries)}
        for number in (1, 2):
            out[f"pass{number}"] = _measure(index.search, queries, spent)
        out["rss_mb"] = _rss_mb()
        out["analysed_texts"] = _analysed_texts(index)
        index.close()
    return out


def _unit(cls: Any, fields: dict[str, Any]) -> Any:
    return cls(**{k: tuple(map(tuple, v)) if k == "only_text" else v for k, v in fields.items()})


def _measure(search: Callable[[Any], Any], queries: Sequence[Any], spent: list[int]) -> dict:
    """Per query CPU ms and the ms in make_hit; p50/p99 over all, and over whole-word ones."""
    cpu: list[float] = []
    snippets: list[float] = []
    wall: list[float] = []
    shown = hashlib.sha256()
    for query in queries:
        spent[0] = 0
        start, cpu_start = time.perf_counter_ns(), time.process_time_ns()
        found = search(query)
        cpu.append((time.process_time_ns() - cpu_start) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
        snippets.append(spent[0] / 1e6)
        for hit in found.hits:
            shown.update(f"{hit.unit_id}\0{hit.snippet}\0".encode())
    plain = len(queries) // len(KINDS)
    return {
        "cpu_p50": percentile(cpu, 0.5),
        "cpu_p99": percentile(cpu, 0.99),
        "cpu_mean": sum(cpu) / len(cpu),
        "wall_p50": percentile(wall, 0.5),
        "snippets_p50": percentile(snippets, 0.5),
        "snippets_share": sum(snippets) / sum(cpu),
        "plain_cpu_p50": percentile(cpu[:plain], 0.5),
        "plain_cpu_p99": percentile(cpu[:plain], 0.99),
        "shown_sha256": shown.hexdigest(),
    }


def _analysed_texts(index: Any) -> dict[str, int] | None:
    """How many texts the English index's snippet cache holds, found and missed (None: code
    without one)."""
    snippets = getattr(getattr(index, "_locales", {}).get("en"), "_snippets", None)
    if snippets is None:
        return None
    info = snippets.analysed.cache_info()
    return {"held": info.currsize, "hits": info.hits, "misses": info.misses}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the parent: corpus, children, the floor, the table --------------------------------------


def corpus(size: int, n_queries: int, seed: int) -> tuple[list[dict], dict[str, list[str]]]:
    """search_answer's generated units as IndexedUnit fields, and its query sets' texts."""
    from search_answer import english_queries, english_units

    from kb.content.markdown import body_text

    units, topics = english_units(size, random.Random(seed))
    queries = english_queries(topics, units, n_queries, random.Random(seed + 1))
    indexed = []
    for unit in units:
        words = body_text(unit.body)
        indexed.append(
            {
                "unit_id": unit.id,
                "locale": unit.locale,
                "title": unit.title,
                "questions": list(unit.questions),
                "text": words.public,
                "internal_text": words.internal,
                "tags": list(unit.tags),
                "category": unit.category,
                "audience": unit.audience,
                "channels": None if unit.channels is None else list(unit.channels),
                "only_text": [list(pair) for pair in words.only],
            }
        )
    texts = {kind: [q.text for q in queries[kind]] for kind in ("plain", "prefix", "typo")}
    return indexed, texts


def child(tree: Path | None, spec: Path) -> dict[str, Any]:
    """run_child in a fresh process, with `tree`'s code (None: the working tree's)."""
    from baseline import REPO, code_env

    env = None
    if tree is not None:
        env = {**os.environ, **code_env(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(spec)],
        cwd=tree or REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"child failed:\n{done.stderr}")
    return json.loads(done.stdout)


def tantivy_floor(units: list[dict], texts: list[str]) -> dict[str, Any]:
    """Plain tantivy with its own snippets: whole-word queries, top 10, a snippet per hit."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("unit_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("questions", tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    schema = builder.build()
    with tempfile.TemporaryDirectory(prefix="kb-bench-floor-") as tmp:
        index = tantivy.Index(schema, path=tmp)
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        for u in units:
            if u["audience"] == "public":
                writer.add_document(
                    tantivy.Document(
                        unit_id=u["unit_id"],
                        title=u["title"],
                        questions="\n".join(u["questions"]),
                        body=u["text"],
                    )
                )
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        searcher = index.searcher()
        boosts = {"title": 5.0, "questions": 4.0, "body": 1.0}

        def search(text: str) -> list[str]:
            query, _errors = index.parse_query_lenient(
                text, ["title", "questions", "body"], field_boosts=boosts,
                conjunction_by_default=True,
            )  # fmt: skip
            generator = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
            generator.set_max_num_chars(160)
            return [
                generator.snippet_from_doc(searcher.doc(address)).to_html()
                for _score, address in searcher.search(query, 10).hits
            ]

        for text in texts[:WARMUP]:
            search(text)
        cpu = []
        for text in texts:
            start = time.process_time_ns()
            search(text)
            cpu.append((time.process_time_ns() - start) / 1e6)
    return {"plain_cpu_p50": percentile(cpu, 0.5), "plain_cpu_p99": percentile(cpu, 0.99)}


def table(runs: dict[str, dict[str, Any]], floor: dict[str, Any]) -> str:
    """A row per code, engine and pass."""
    lines = [
        "| code | engine | pass | search CPU p50 (ms) | p99 | mean | in snippets (share) "
        "| snippets p50 (ms) | whole words p50 | whole words p99 | RSS after (MB) "
        "| texts analysed (held) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in runs.items():
        code, engine = label.split(" / ")
        for number in (1, 2):
            p = run[f"pass{number}"]
            lines.append(
                f"| {code} | {engine} | {number} | {p['cpu_p50']:.2f} | {p['cpu_p99']:.2f} "
                f"| {p['cpu_mean']:.2f} | {p['snippets_share']:.0%} | {p['snippets_p50']:.2f} "
                f"| {p['plain_cpu_p50']:.2f} | {p['plain_cpu_p99']:.2f} | {run['rss_mb']:.0f} "
                f"| {_held(run)} |"
            )
    lines.append(
        f"| plain tantivy + its SnippetGenerator (floor) | tantivy | 1 | | | | | "
        f"| {floor['plain_cpu_p50']:.2f} | {floor['plain_cpu_p99']:.2f} | | |"
    )
    return "\n".join(lines)


def _held(run: dict[str, Any]) -> str:
    texts = run.get("analysed_texts")
    if texts is None:
        return "every hit, every query"
    return f"{texts['misses']:,} ({texts['held']:,})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="units")
    parser.add_argument("--queries", type=int, default=200, help="queries per query set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--baseline", default=BASELINE, help="commit of today's code")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child)))
        return 0
    from baseline import checkout
    from report import machine_facts

    load = os.getloadavg()[0]
    units, texts = corpus(args.size, args.queries, args.seed)
    queries = {kind: texts[query_set] for kind, (query_set, _p, _c) in KINDS.items()}
    runs: dict[str, dict[str, Any]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="kb-bench-snippets-") as tmp,
        checkout(args.baseline) as old,
    ):
        for engine in args.engines.split(","):
            spec = Path(tmp) / f"{engine}.json"
            spec.write_text(json.dumps({"engine": engine, "units": units, "queries": queries}))
            for code, tree in ((f"today ({args.baseline})", old), ("this tree", None)):
                print(f"{code} / {engine} ...", file=sys.stderr)
                runs[f"{code} / {engine}"] = child(tree, spec)
    floor = tantivy_floor(units, texts["plain"])
    machine = machine_facts()
    print(f"{args.size:,} generated English units, {len(KINDS)} query sets x {args.queries}")
    print(
        f"python {machine['python']}, {machine['cpu_count']} CPUs, {machine['platform']}, "
        f"load average {load:.1f} at the start"
    )
    print()
    print(table(runs, floor))
    print()
    for engine in args.engines.split(","):
        today, now = (runs[f"{c} / {engine}"] for c in (f"today ({args.baseline})", "this tree"))
        same = all(today[p]["shown_sha256"] == now[p]["shown_sha256"] for p in ("pass1", "pass2"))
        print(f"{engine}: every hit and snippet the same as today's: {'yes' if same else 'NO'}")
    if args.json:
        figures = {
            "size": args.size,
            "queries": args.queries,
            "baseline": args.baseline,
            "machine": machine,
            "load_average": load,
            "runs": runs,
            "floor": floor,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
