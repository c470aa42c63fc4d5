"""Benchmark: peak memory of `kb publish`, of the publishing process and of each child it starts.

For each size, N units of the generated English corpus of benchmarks/search_answer.py (the one
`benchmarks/api_load.py --units` serves: same seed, same units) are written as a content folder,
imported into a fresh KB_DATA_DIR with `kb import`, and published with `kb publish` (a first
publish: every example question is encoded by the default sentence encoder, KB_ENCODER unset,
unless --encoder says otherwise). While it runs, every process of its tree is read every 50 ms:
the peak resident set (VmHWM of /proc/<pid>/status) of the publish process and of each child
(the matchers' training process); the wait4 rusage of the publish process is the check (its
ru_maxrss is the largest of the process and all its children). Both today's code (commit
9965c13, a git worktree) and the working tree run in the same run, one after the other.

    python benchmarks/publish_memory.py --units 10000,40000 \\
        --json benchmarks/results/publish_memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from baseline import REPO, checkout, code_env, run_kb
from report import machine_facts, render_table

#: Today's code, measured beside the working tree.
BASELINE = "9965c13"
_POLL_S = 0.05


@dataclass
class Measured:
    """One publish: peak resident memory (MB) of the process and of its largest child."""

    code: str
    units: int
    seconds: float
    parent_mb: float
    child_mb: float
    wait4_mb: float
    children: dict[str, float] = field(default_factory=dict)  # pid: name -> peak MB


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_content(count: int, seed: int, root: Path) -> Path:
    """The first `count` generated English units as a content folder `kb import` reads."""
    sys.path.insert(0, str(Path(__file__).parent))
    from search_answer import english_units  # loads the knowledge base: imported on use

    units, _topics = english_units(count, random.Random(seed))
    for unit in units:
        path = root / unit.locale / (unit.category or "general") / f"{unit.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit.to_markdown(), encoding="utf-8")
    return root


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (read from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                kids = [int(p) for p in task.read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def _watch(pid: int, peaks: dict[int, tuple[str, float]], done: threading.Event) -> None:
    """Record each process's VmHWM (MB) in `peaks` until `done`."""
    while not done.is_set():
        for each in [pid, *_children(pid)]:
            status = _status(each)
            if "VmHWM" in status:
                mb = int(status["VmHWM"].split()[0]) / 1024
                name = status.get("Name", "?").strip()
                peaks[each] = (name, max(mb, peaks.get(each, ("", 0.0))[1]))
        done.wait(_POLL_S)


def measured_publish(env: dict[str, str], cwd: Path) -> tuple[float, float, float, dict]:
    """Run `kb publish`; its seconds, parent and largest child peak, wait4 peak, per process."""
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "publish", "-m", "publish_memory"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peaks: dict[int, tuple[str, float]] = {}
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(proc.pid, peaks, done), daemon=True)
    watcher.start()
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - began
    done.set()
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"kb publish failed:\n{errors.decode(errors='replace')}")
    parent = peaks.get(proc.pid, ("", 0.0))[1]
    children = {f"{pid}: {name}": round(mb, 1) for pid, (name, mb) in peaks.items()}
    children.pop(f"{proc.pid}: {peaks.get(proc.pid, ('?',))[0]}", None)
    child = max(children.values(), default=0.0)
    return seconds, parent, child, {"wait4": usage.ru_maxrss / 1024, "children": children}


def run_one(
    code: str, tree: Path, content: Path, units: int, scratch: Path, encoder: str
) -> Measured:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(code_env(tree))
    env["KB_DATA_DIR"] = str(scratch / f"{code}-{units}")
    if encoder:
        env["KB_ENCODER"] = encoder
    log(f"{code}: kb import ({units:,} units)")
    run_kb(tree, env, "import", str(content))
    log(f"{code}: kb publish")
    seconds, parent, child, extra = measured_publish(env, tree)
    found = Measured(
        code,
        units,
        round(seconds, 1),
        round(parent, 1),
        round(child, 1),
        round(extra["wait4"], 1),
        extra["children"],
    )
    log(f"{code}: {found}")
    return found


def table(rows: Sequence[Measured]) -> str:
    cells = [["units", "code", "publish s", "publish MB", "largest child MB", "wait4 max MB"]]
    for r in rows:
        cells.append(
            [
                f"{r.units:,}",
                r.code,
                f"{r.seconds:.1f}",
                f"{r.parent_mb:,.0f}",
                f"{r.child_mb:,.0f}",
                f"{r.wait4_mb:,.0f}",
            ]
        )
    return render_table(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="10000,40000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=42, help="the corpus's seed (api_load's)")
    parser.add_argument("--codes", default="baseline,working", help="baseline and/or working")
    parser.add_argument("--encoder", default="", help="KB_ENCODER (unset: the default)")
    parser.add_argument("--baseline", default=BASELINE, help="the commit measured as baseline")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.units.split(",")]
    codes = args.codes.split(",")
    rows: list[Measured] = []
    with ExitStack() as stack:
        trees = {"working": REPO}
        if "baseline" in codes:
            trees["baseline"] = stack.enter_context(checkout(args.baseline))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-pubmem-")))
        for units in sizes:
            content = write_content(units, args.seed, scratch / f"content-{units}")
            for code in codes:
                rows.append(run_one(code, trees[code], content, units, scratch, args.encoder))
    print(table(rows))
    if args.json:
        payload: dict[str, Any] = {
            "benchmark": "publish_memory",
            "baseline": args.baseline,
            "seed": args.seed,
            "encoder": args.encoder or "default (unset)",
            "machine": machine_facts(),
            "runs": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
