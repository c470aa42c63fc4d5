"""Benchmark: the publishing process's memory, phase by phase, today's code beside the new.

benchmarks/publish_memory.py gives each process's peak; this says where in the publishing
process the peak comes from. For each code tree (the working tree, and --baseline checked out
with benchmarks/baseline.py) N generated English units (benchmarks/search_answer.py's corpus,
seed 42, as benchmarks/publish_memory.py writes them) are imported into a fresh KB_DATA_DIR and
published once by `kb publish` running in a child process of this script (`--child`), in
which the steps of a publish are wrapped to print, as each begins and ends, the resident set
(VmRSS) and the largest one a 20 ms poll saw since the previous mark. Steps: reading the
drafts (`draft_snapshot`), the rendering check (the gate), writing the release, then opening
it (`ServedRelease._load`: reading its snapshot, the build with its index (`_build`) and unit
vectors (`_save_meaning`), opening the folder), and the routing check. The training child is
measured by benchmarks/publish_memory.py.

    python benchmarks/publish_phases.py --units 40000 --encoder none \\
        --json benchmarks/results/publish_phases.json
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from baseline import REPO, checkout, code_env, run_kb
from report import machine_facts, render_table

BASELINE = "1e38903"
#: (module, attribute) of each wrapped step, and its name in the table.
STEPS = (
    ("kb.releases.publishing", "draft_snapshot", "read the drafts"),
    ("kb.releases.publishing", "_write_release", "write the release"),
    ("kb.answers.current", "ServedRelease._load", "open the release (all of it)"),
    ("kb.answers.services", "_build", "build: index and matchers"),
    ("kb.answers.services", "_save_meaning", "build: unit vectors"),
    ("kb.answers.routing", "routing_regressions", "routing check"),
)
_MARK = "@@phase "


def _rss() -> int:
    """This process's resident set, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


class _Marks:
    """Prints a mark per step edge: seconds, RSS and the largest RSS since the last mark."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.peak = _rss()
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        while True:
            self.peak = max(self.peak, _rss())
            time.sleep(0.02)

    def __call__(self, edge: str, step: str) -> None:
        now = _rss()
        record = {"t": time.monotonic() - self.start, "edge": edge, "step": step}
        record |= {"rss": now, "peak": max(self.peak, now)}
        print(_MARK + json.dumps(record), file=sys.stderr, flush=True)
        self.peak = now


def _wrap(marks: _Marks, module: str, attribute: str, step: str) -> None:
    owner: Any = importlib.import_module(module)
    name = attribute
    if "." in attribute:
        cls, name = attribute.split(".")
        owner = getattr(owner, cls)
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        marks(">", step)
        try:
            return original(*args, **kwargs)
        finally:
            marks("<", step)

    setattr(owner, name, wrapped)


def child() -> None:
    """`kb publish` in this process, its steps marked on stderr."""
    marks = _Marks()
    for module, attribute, step in STEPS:
        _wrap(marks, module, attribute, step)
    from cli import release_cmds  # the gate is made per publish: wrap the one it makes
    from cli.main import app

    make_gate = release_cmds.publish_gate

    def marked_gate(*args: Any, **kwargs: Any) -> Callable[[Any], list[Any]]:
        gate = make_gate(*args, **kwargs)

        def checked(snapshot: Any) -> list[Any]:
            marks(">", "rendering check")
            try:
                return list(gate(snapshot))
            finally:
                marks("<", "rendering check")

        return checked

    release_cmds.publish_gate = marked_gate
    marks(">", "kb publish")
    try:
        app(["publish", "-m", "publish_phases"], standalone_mode=False)
    finally:
        marks("<", "kb publish")


def measure(code: str, tree: Path, content: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """Import `content` and publish it with `tree`'s code; the marks of the publish."""
    with tempfile.TemporaryDirectory(prefix="kb-phases-") as data:
        env = {**env, **code_env(tree), "KB_DATA_DIR": data}
        run_kb(tree, env, "import", str(content))
        script = [sys.executable, str(Path(__file__).resolve()), "--child"]
        done = subprocess.run(script, env=env, cwd=tree, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{code}: kb publish failed:\n{done.stderr[-3000:]}")
    marks = [
        json.loads(line[len(_MARK) :])
        for line in done.stderr.splitlines()
        if line.startswith(_MARK)
    ]
    return [{"code": code, **mark} for mark in marks]


def table(marks: list[dict[str, Any]]) -> str:
    """One row per step: when it ended, RSS at its end and the largest RSS within it."""
    rows = [["code", "step", "ended s", "RSS at end MB", "peak within MB"]]
    open_steps: dict[tuple[str, str], int] = {}  # the largest RSS seen while each is open
    for mark in marks:
        key = (mark["code"], mark["step"])
        for other in open_steps:
            open_steps[other] = max(open_steps[other], mark["peak"])
        if mark["edge"] == ">":
            open_steps[key] = mark["rss"]
            continue
        within = open_steps.pop(key, mark["peak"])
        rows.append([mark["code"], mark["step"], f"{mark['t']:.1f}", str(mark["rss"]), str(within)])
    return render_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--encoder", default="", help="KB_ENCODER ('' for the default)")
    parser.add_argument("--baseline", default=BASELINE, help="today's code ('' for none)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    from publish_memory import write_content

    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    if args.encoder:
        env["KB_ENCODER"] = args.encoder
    marks: list[dict[str, Any]] = []
    with ExitStack() as stack:
        content = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-content-")))
        write_content(args.units, 42, content)
        codes = [("working tree", REPO)]
        if args.baseline:
            codes.append((args.baseline, stack.enter_context(checkout(args.baseline))))
        for code, tree in codes:
            print(f"[{time.strftime('%H:%M:%S')}] {code}: {args.units} units", file=sys.stderr)
            marks.extend(measure(code, tree, content, env))
    print(f"{args.units} units, KB_ENCODER={args.encoder or '(default)'}")
    print(table(marks))
    if args.json:
        facts = {"units": args.units, "encoder": args.encoder or None, "machine": machine_facts()}
        args.json.write_text(json.dumps({**facts, "marks": marks}, indent=2) + "\n")


if __name__ == "__main__":
    main()
