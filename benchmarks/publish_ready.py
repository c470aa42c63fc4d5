"""Benchmark: publish-to-ready with no server and with `kb serve --workers 2` running, old and new.

For each code tree (the working tree or the commit --new names, and --baseline, today's code
before issue 22, each commit checked out with benchmarks/baseline.py) a scratch knowledge base
(SQLite, KB_DATA_DIR in a temporary folder, defaults otherwise) imports --units generated
English units (benchmarks/search_answer.py's corpus, as benchmarks/api_load.py writes it) and
publishes them: the first publish. Then each round edits --edit-share of the units (one
sentence more in each body), imports them and runs `kb publish` as a subprocess:

- `none`: no server runs; ready = the publish returned;
- `2 workers`: `kb serve --workers 2` runs on the data folder with --clients threads asking it
  never-repeated questions on kept-open connections (a live load); ready = the publish returned
  and then --in-a-row requests on new connections in a row were ready on the new release.

Each row gives the publish's wall time, the time until ready everywhere, the peak RSS (VmHWM,
polled from /proc) of the publish process and of its largest child (the matchers' training
process), the CPU seconds the server's processes burnt while the publish ran (a worker that
builds the release itself burns tens of seconds), each worker's RSS before, at its peak and
after the switch, the live answers' p50/p99 during the publish, and the builds
`index/builds.log` records (the new code only; who built each release).

Run from the repository root (at 10,000 units: about 15 minutes on 2 cores):

    python benchmarks/publish_ready.py --units 10000 --new HEAD \\
        --json benchmarks/results/publish_ready.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from api_load import (  # noqa: E402
    generated_units,
    kb_env,
    memory_mb,
    percentiles,
    tree_cpu_s,
    write_content,
)
from baseline import checkout, code_env, run_kb  # noqa: E402

from tests.api.servers import kb_server  # noqa: E402

SEED = 7


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def descendants(pid: int) -> list[int]:
    """`pid` and every process under it, from /proc."""
    return list(tree_cpu_s(pid))


def timed_publish(tree: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run `kb publish` and poll its process tree's peak memory until it exits."""
    started = time.monotonic()
    errors = tempfile.TemporaryFile()  # noqa: SIM115  (progress output can fill a pipe)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "publish", "-m", "benchmark"],
        env={**env, **code_env(tree)},
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    peaks: dict[int, float] = {}
    while process.poll() is None:
        for pid in descendants(process.pid):
            peaks[pid] = max(peaks.get(pid, 0.0), memory_mb(pid)[1])
        time.sleep(0.2)
    if process.returncode != 0:
        errors.seek(0)
        raise RuntimeError(f"kb publish failed:\n{errors.read().decode()[-4000:]}")
    errors.close()
    children = [mb for pid, mb in peaks.items() if pid != process.pid]
    return {
        "pid": process.pid,
        "publish_s": time.monotonic() - started,
        "publish_peak_mb": peaks.get(process.pid, 0.0),
        "child_peak_mb": max(children, default=0.0),
    }


def edit(root: Path, share: float, round_: int) -> int:
    """Add a sentence to `share` of the content's bodies (different units each round)."""
    files = sorted(root.rglob("*.md"))
    step = max(1, round(1 / share))
    chosen = files[round_ % step :: step]
    for path in chosen:
        path.write_text(path.read_text(encoding="utf-8") + f"\nRevised in round {round_}.\n")
    return len(chosen)


def ready_on(port: int, release: int) -> bool:
    """Whether the worker a new connection reaches is ready on `release`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/readyz")
        return json.loads(connection.getresponse().read()).get("kb_version") == release
    except (OSError, ValueError):
        return False
    finally:
        connection.close()


@contextmanager
def live_load(port: int, clients: int) -> Iterator[list[float]]:
    """Threads asking never-repeated questions until the block ends; yields their latencies."""
    latencies: list[float] = []
    stop = threading.Event()

    def ask(client: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        while not stop.is_set():
            n += 1
            query = urlencode({"q": f"{client}-{n} how do I change my plan", "locale": "en"})
            started = time.perf_counter()
            try:
                connection.request("GET", f"/api/v1/answer?{query}")
                connection.getresponse().read()
                latencies.append(time.perf_counter() - started)
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            stop.wait(0.02)

    threads = [threading.Thread(target=ask, args=(c,), daemon=True) for c in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        for thread in threads:
            thread.join(70)


def served_round(tree: Path, env: dict[str, str], args: argparse.Namespace, release: int) -> dict:
    """A publish while two workers serve: ready once every worker serves the new release."""
    with kb_server(env | code_env(tree), workers=2, cwd=tree) as url:
        port = int(url.rsplit(":", 1)[1])
        workers = [pid for pid in _serving_pids(port) if _parent(pid) != os.getpid()]
        with live_load(port, args.clients) as latencies:
            time.sleep(3.0)  # warm: each worker has answered (its encoder loaded)
            before = {pid: memory_mb(pid)[0] for pid in workers}
            cpu_before = sum(tree_cpu_s(pid).get(pid, 0.0) for pid in workers)
            seen, started = len(latencies), time.monotonic()
            figures = timed_publish(tree, env)
            streak, deadline = 0, time.monotonic() + 300
            while streak < args.in_a_row and time.monotonic() < deadline:
                streak = streak + 1 if ready_on(port, release) else 0
            figures["ready_s"] = time.monotonic() - started
            during = latencies[seen:]
        cpu_after = sum(tree_cpu_s(pid).get(pid, 0.0) for pid in workers)
        figures["server_cpu_s"] = cpu_after - cpu_before
        time.sleep(2.0)
        figures["workers"] = [
            {"before_mb": before[pid], "after_mb": memory_mb(pid)[0], "peak_mb": memory_mb(pid)[1]}
            for pid in workers
        ]
        figures["answers"] = {**(percentiles(during) if during else {}), "count": len(during)}
        return figures


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _serving_pids(port: int) -> list[int]:
    """The processes that hold a socket listening on `port` (uvicorn's workers, or the one)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            pids.append(int(proc.name))
    return sorted(pids)


def run_tree(name: str, tree: Path, args: argparse.Namespace, content: Path) -> dict[str, Any]:
    """The first publish, then a round with no server and a round with two workers serving."""
    with tempfile.TemporaryDirectory(prefix=f"kb-ready-{name}-") as scratch:
        env = kb_env(Path(scratch) / "data")
        folder = Path(scratch) / "content"
        folder.mkdir()
        for path in content.rglob("*.md"):  # a copy: rounds edit it
            target = folder / path.relative_to(content)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
        run_kb(tree, env, "import", str(folder))
        log(f"{name}: first publish of {args.units} units")
        rows: dict[str, Any] = {"first": timed_publish(tree, env)}
        release = 1
        for round_, mode in enumerate(args.modes, start=1):
            edited = edit(folder, args.edit_share, round_)
            run_kb(tree, env, "import", str(folder))
            release += 1
            log(f"{name}: round {round_} ({mode}), {edited} units edited")
            if mode == "none":
                figures = timed_publish(tree, env)
                figures["ready_s"] = figures["publish_s"]
            else:
                figures = served_round(tree, env, args, release)
            rows[mode if mode not in rows else f"{mode} ({round_})"] = figures
        rows["builds"] = _journal(Path(scratch) / "data")
        return rows


def _journal(data_dir: Path) -> list[str]:
    path = data_dir / "index" / "builds.log"
    return path.read_text().splitlines() if path.exists() else []


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    """One row per code tree and publish."""
    lines = [
        "| code | publish | publish s | ready everywhere s | publish peak MB | child peak MB "
        "| server CPU s while publishing | workers RSS before -> peak -> after MB "
        "| live answers p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for code, rows in results.items():
        for mode, f in rows.items():
            if mode == "builds":
                continue
            workers = "; ".join(
                f"{_mb(w['before_mb'])} -> {_mb(w['peak_mb'])} -> {_mb(w['after_mb'])}"
                for w in f.get("workers", [])
            )
            answers = f.get("answers")
            live = (
                f"{answers['p50'] * 1000:.1f} / {answers['p99'] * 1000:.1f} ({answers['count']})"
                if answers and answers.get("count")
                else ""
            )
            cpu = f"{f['server_cpu_s']:.1f}" if "server_cpu_s" in f else ""
            ready = f.get("ready_s", f["publish_s"])
            lines.append(
                f"| {code} | {mode} | {f['publish_s']:.1f} | {ready:.1f} "
                f"| {_mb(f['publish_peak_mb'])} | {_mb(f['child_peak_mb'])} | {cpu} | {workers} "
                f"| {live} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--edit-share", type=float, default=0.01)
    parser.add_argument("--modes", default="none,2 workers", help="rounds, in order")
    parser.add_argument("--baseline", default="9965c13", help="today's code ('' for none)")
    parser.add_argument("--new", default="", help="a commit to measure instead of the tree")
    parser.add_argument("--clients", type=int, default=2, help="live-load threads (0: idle)")
    parser.add_argument("--in-a-row", type=int, default=12)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="kb-ready-content-") as content_dir:
        content = write_content(generated_units(args.units, SEED), Path(content_dir))
        if args.new:
            with checkout(args.new) as tree:
                results[args.new] = run_tree(args.new, tree, args, content)
        else:
            results["working tree"] = run_tree("new", REPO, args, content)
        if args.baseline:
            with checkout(args.baseline) as tree:
                results[args.baseline] = run_tree(args.baseline, tree, args, content)
    print(table(results))
    for code, rows in results.items():
        print(f"\nbuilds.log of {code}:", *rows["builds"], sep="\n  ")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"args": vars(args) | {"json": str(args.json)}, "results": results},
                indent=2,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
