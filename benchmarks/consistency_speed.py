"""How long `kb consistency` takes on generated knowledge bases, beside another commit's code.

The corpus is the one benchmarks/search_answer.py generates (English units built from shared
templates, seed 42): bodies alike by construction, the worst case for the duplicate check,
which judges every pair of units whose answers come close. Each code runs `check_consistency`
on the same units in its own process, one after the other; the ratio is what to read.

    cd benchmarks && python consistency_speed.py --units 700,2000 --before e86685b~1 [--json F]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from baseline import REPO, checkout, code_env
from report import machine_facts, render_table

#: What one code's process runs: it prints a JSON line with the seconds and what it found.
_MEASURE = """
import json, random, sys, time
from datetime import datetime, timezone
sys.path.insert(0, {benchmarks!r})
from search_answer import english_units
from kb.consistency import check_consistency
from kb.store.snapshot import Snapshot, StoredUnit
units, _ = english_units({units}, random.Random(42))
when = datetime(2026, 1, 1, tzinfo=timezone.utc)
stored = {{u.key: StoredUnit(u, 1, i, "b", when, "", u.content_hash) for i, u in enumerate(units)}}
started = time.perf_counter()
report = check_consistency(Snapshot(None, stored, {{}}, {{}}))
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "found": report.to_json()}}))
"""


def measure(tree: Path, units: int) -> dict[str, object]:
    """Seconds and findings of `check_consistency` on `units` generated units with `tree`'s code."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(benchmarks=str(REPO / "benchmarks"), units=units)],
        env=code_env(tree),
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each size with the working tree's code and, with --before, another commit's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", default="700,2000", help="comma-separated unit counts")
    parser.add_argument("--before", help="a commit to measure beside the working tree")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.units.split(",")]
    rows: list[dict[str, object]] = []
    for units in sizes:
        now = measure(REPO, units)
        row: dict[str, object] = {"units": units, "seconds": now["seconds"]}
        found = now["found"]
        assert isinstance(found, dict)
        row["duplicates"] = len(found["duplicates"])
        row["contradictions"] = len(found["contradictions"])
        if args.before:
            with checkout(args.before) as tree:
                before = measure(tree, units)
            row["before_seconds"] = before["seconds"]
            # Duplicates are compared: contradictions before 7 Dec's fsum change could differ
            # from one process to the next (a set's order tipped ties), whatever the code.
            old = before["found"]
            assert isinstance(old, dict)
            row["same_duplicates"] = old["duplicates"] == found["duplicates"]
        rows.append(row)
    header = ["units", "s", "duplicates", "contradictions"]
    if args.before:
        header += [f"s at {args.before}", "ratio", "same duplicates"]
    cells = [header]
    for row in rows:
        line = [str(row["units"]), f"{row['seconds']:.1f}", str(row["duplicates"])]
        line.append(str(row["contradictions"]))
        if args.before:
            before_s = float(row["before_seconds"])  # type: ignore[arg-type]
            ratio = before_s / float(row["seconds"])  # type: ignore[arg-type]
            line += [f"{before_s:.1f}", f"{ratio:.1f}x", str(row["same_duplicates"])]
        cells.append(line)
    print(render_table(cells))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine_facts(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
