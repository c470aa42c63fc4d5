"""Benchmark: how long `kb serve` takes from start to ready, and what the first question costs.

For each code tree (a commit --new names, default HEAD, and --baseline, today's code before
issue 22; both checked out with benchmarks/baseline.py) a scratch knowledge base (SQLite,
KB_DATA_DIR in a temporary folder) imports the sample content (`content/`) or, with --units,
generated English units, and publishes them. Then, --runs times per worker count:

- `import s`: a new Python process importing the app (`api.app`), and whether scikit-learn
  came with it;
- `ready s`: `kb serve --workers N` started until `/readyz` answered `ready` on --in-a-row new
  connections in a row (every worker, not the first one up);
- `first answer ms`: the first question asked after that, on a new connection: what the first
  customer after a start waits for (a model that loads lazily shows here).

Medians of the runs are printed as a table; --json writes every run.

    python benchmarks/startup.py --runs 3 --json benchmarks/results/startup.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from api_load import free_port, generated_units, kb_env, write_content  # noqa: E402
from baseline import checkout, code_env, run_kb  # noqa: E402
from publish_ready import log, ready_on  # noqa: E402

SEED = 7
START_BUDGET_S = 120.0
_IMPORT = (
    "import sys, time; t = time.perf_counter(); import api.app; "
    "print(time.perf_counter() - t, any(m.startswith('sklearn') for m in sys.modules))"
)


def import_seconds(tree: Path, env: dict[str, str]) -> tuple[float, bool]:
    """Seconds a new process takes to import the app, and whether scikit-learn came along."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT],
        env={**env, **code_env(tree)},
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, sklearn = done.stdout.split()
    return float(seconds), sklearn == "True"


def first_answer_ms(port: int) -> float:
    """Milliseconds of one question on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    query = urlencode({"q": "how much money do I have left", "locale": "en"})
    started = time.perf_counter()
    connection.request("GET", f"/api/v1/answer?{query}")
    connection.getresponse().read()
    connection.close()
    return (time.perf_counter() - started) * 1000


def start_to_ready(tree: Path, env: dict[str, str], workers: int, in_a_row: int) -> dict:
    """Start `kb serve`, time it to ready on every worker, then time the first question."""
    port = free_port()
    started = time.monotonic()
    command = ["serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *command],
        env={**env, **code_env(tree)},
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        streak = 0
        while streak < in_a_row:
            if time.monotonic() - started > START_BUDGET_S or process.poll() is not None:
                raise RuntimeError(f"kb serve not ready within {START_BUDGET_S} s")
            streak = streak + 1 if ready_on(port, 1) else 0
            if not streak:
                time.sleep(0.05)
        ready = time.monotonic() - started
        return {"ready_s": ready, "first_answer_ms": first_answer_ms(port)}
    finally:
        process.terminate()
        process.wait(30)


def run_tree(name: str, tree: Path, args: argparse.Namespace, content: Path) -> dict[str, Any]:
    """Publish once, then measure the import and each worker count --runs times."""
    with tempfile.TemporaryDirectory(prefix=f"kb-startup-{name}-") as scratch:
        env = kb_env(Path(scratch) / "data")
        run_kb(tree, env, "import", str(content))
        run_kb(tree, env, "publish", "-m", "startup benchmark")
        rows: dict[str, Any] = {"import": [import_seconds(tree, env) for _ in range(args.runs)]}
        for workers in args.workers:
            log(f"{name}: {workers} worker(s)")
            rows[f"{workers}"] = [
                start_to_ready(tree, env, workers, args.in_a_row) for _ in range(args.runs)
            ]
        return rows


def table(results: dict[str, dict[str, Any]], workers: list[int]) -> str:
    """Medians per code tree and worker count."""
    lines = [
        "| code | import s | scikit-learn imported | workers | ready s | first answer ms |",
        "|---|---|---|---|---|---|",
    ]
    for code, rows in results.items():
        imported = statistics.median(s for s, _ in rows["import"])
        sklearn = "yes" if any(flag for _, flag in rows["import"]) else "no"
        for count in workers:
            runs = rows[f"{count}"]
            ready = statistics.median(r["ready_s"] for r in runs)
            first = statistics.median(r["first_answer_ms"] for r in runs)
            lines.append(
                f"| {code} | {imported:.2f} | {sklearn} | {count} | {ready:.2f} | {first:.0f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--new", default="HEAD", help="the commit to measure")
    parser.add_argument("--baseline", default="9965c13", help="today's code ('' for none)")
    parser.add_argument("--units", type=int, default=0, help="generated units (0: sample)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--in-a-row", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="kb-startup-content-") as folder:
        content = REPO / "content"
        if args.units:
            content = write_content(generated_units(args.units, SEED), Path(folder))
        for ref in [args.new, args.baseline]:
            if ref:
                with checkout(ref) as tree:
                    results[ref] = run_tree(ref, tree, args, content)
    print(table(results, args.workers))
    if args.json:
        record = {"args": vars(args) | {"json": str(args.json)}, "results": results}
        args.json.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
