"""Benchmark: what `kb serve --workers 2` adds, beside one worker and beside today's workers.

One scratch knowledge base (the sample content, or --units N generated English units as in
benchmarks/api_load.py) is served in turn by three servers, each driven by the same burst
client of benchmarks/api_load.py (--burst: --clients processes open their keep-alive
connections at once, then all start sending, as wrk does):

- new, 1 worker: `kb serve --workers 1` of --new (HEAD by default), one process;
- new, 2 workers: `kb serve --workers 2` of --new: each worker on its own SO_REUSEPORT socket;
- old, 2 workers: `kb serve --workers 2` of --old (9965c13, today's code): uvicorn's own
  supervisor, one socket shared by both workers.

Both commits run from git worktrees (benchmarks/baseline.py), so uncommitted work in the tree
is not measured. Each server is driven with each mix of --mixes (`answer`: the chatbot answer
mix, repeated, so mostly answered from the response cache; `answer_new`: the same questions
each with a number no request had before, so every one is computed), and the three servers
take turns for --rounds rounds, so that a slow spell of the shared machine hits all of them.

For each target: requests/s, latency, and the CPU each worker used in the measured window
(from /proc): the busiest worker's share of the workers' CPU says whether the load was shared
(50% is an even split; 97% is one worker doing the work). The ratio two workers / one worker
is the throughput of each two-worker server over the one-worker server's in the same round.

The machine has 2 cores and the client runs on them too: with one worker, the worker and the
clients share the 2 cores; with two, three parties do. --pin-clients CPU confines the clients
to that CPU (os.sched_setaffinity; the servers, started before, may use every CPU), so that
the ratio says what a second worker adds when one core is left for it.

Run from the repository root:

    python benchmarks/api_load_workers.py --json benchmarks/results/api_load_workers.json
    python benchmarks/api_load_workers.py --units 10000 --pin-clients 1
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api_load import (
    CONTENT,
    HOST,
    KB_CLI,
    MIX_UNITS,
    REQUEST_TIMEOUT_S,
    Load,
    Server,
    answer_mix,
    drive,
    free_port,
    generated_units,
    kb_env,
    log,
    serving,
    shown_on,
    write_content,
)
from baseline import checkout, code_env, run_kb
from report import machine_facts, render_table

MIXES = ("answer", "answer_new")
#: New connections, a request each, before a server is driven (see warm).
WARM_CONNECTIONS = 24


@dataclass(frozen=True)
class Target:
    """A server to drive: which code (new or old) with how many workers."""

    code: str
    workers: int

    @property
    def name(self) -> str:
        return f"{self.code}, {self.workers} worker{'s' if self.workers > 1 else ''}"


TARGETS = (Target("new", 1), Target("new", 2), Target("old", 2))


def kb_command(tree: Path, env: dict[str, str], *args: str) -> None:
    """`kb ARGS...` with `tree`'s code; its output only when it fails."""
    log(f"kb {' '.join(args)}")
    run_kb(tree, env, *args)


def warm(port: int, paths: Sequence[str], count: int = WARM_CONNECTIONS) -> None:
    """A request on each of `count` new connections: every worker gets some and loads what it
    loads on its first answers (seconds at 9965c13), which no measured window should see."""
    for path in paths[:count]:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S * 3)
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            connection.getresponse().read()
        finally:
            connection.close()


@contextmanager
def pinned(cpu: int | None) -> Iterator[None]:
    """This process (and the clients it forks meanwhile) on `cpu` only, if one is given."""
    if cpu is None:
        yield
        return
    every = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, every)


def figures(result: dict[str, Any], workers: int) -> dict[str, Any]:
    """What the table shows of one drive: throughput, latency, each worker's CPU and share."""
    cores = result["server_cores"][:workers]  # the supervisor, if it shows, used next to none
    latency = result["latency_ms"] or {}
    return {
        "requests_per_s": round(result["requests_per_s"], 1),
        "p50_ms": round(latency.get("p50", 0.0), 2),
        "p99_ms": round(latency.get("p99", 0.0), 2),
        "errors": result["errors"] + result["warmup_errors"],
        "worker_cores": cores,
        "busiest_worker_share": round(max(cores) / sum(cores), 3) if sum(cores) else None,
        "client_cores": result["client_cores"],
        "other_cores": result["other_cores"],
        "worker_restarts": result["worker_restarts"],
    }


def drive_target(
    target: Target,
    tree: Path,
    env: dict[str, str],
    mixes: dict[str, list[str]],
    args: argparse.Namespace,
    logs: Path,
) -> dict[str, dict[str, Any]]:
    """Start `target`'s server, drive it with each mix; its figures per mix."""
    port = free_port()
    command = (*KB_CLI, "serve", "--port", str(port), "--workers", str(target.workers))
    server = Server(target.name, (*command, "--log-level", "warning"), port, "/healthz", {})
    measured: dict[str, dict[str, Any]] = {}
    with serving(server, {**env, **code_env(tree)}, target.workers, logs, cwd=tree) as watch:
        warm(port, next(iter(mixes.values())))
        for mix, paths in mixes.items():
            unique = mix.endswith("_new")
            load = Load(port, tuple(paths), args.warmup, args.seconds, unique, burst=True)
            log(f"driving {target.name} with {mix} for {args.warmup:g} + {args.seconds:g} s")
            with pinned(args.pin_clients):
                result = drive(load, args.clients, args.seed, watch)
            measured[mix] = figures(result, target.workers)
    return measured


def measure(args: argparse.Namespace, mixes: dict[str, list[str]], generated: Any) -> list[Any]:
    """Every round: each target with each mix. A list of rows (round, target, mix, figures)."""
    rows: list[Any] = []
    with ExitStack() as stack:
        trees = {"new": stack.enter_context(checkout(args.new))}
        trees["old"] = stack.enter_context(checkout(args.old))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-workers-")))
        content = CONTENT if generated is None else write_content(generated, scratch / "content")
        began = time.monotonic()
        envs = {}
        for code, tree in trees.items():  # a data folder each: each code reads its own files
            envs[code] = kb_env(scratch / f"data-{code}")
            kb_command(tree, envs[code], "import", str(content))
            kb_command(tree, envs[code], "publish", "-m", "api_load_workers benchmark")
        log(f"prepared in {time.monotonic() - began:.1f} s")
        for round_ in range(1, args.rounds + 1):
            for target in TARGETS:
                logs = scratch / f"{target.code}-{target.workers}-{round_}.log"
                try:
                    tree, env = trees[target.code], envs[target.code]
                    measured = drive_target(target, tree, env, mixes, args, logs)
                except RuntimeError as exc:
                    log(f"{target.name}: {exc}")
                    measured = {mix: {"failed": str(exc)} for mix in mixes}
                rows.extend((round_, target, mix, f) for mix, f in measured.items())
    return rows


def ratios(rows: Sequence[Any]) -> dict[str, dict[str, list[float]]]:
    """Per mix: each two-worker server's requests/s over the one-worker server's, per round."""
    rate = {(r, t, m): f.get("requests_per_s") for r, t, m, f in rows}
    found: dict[str, dict[str, list[float]]] = {}
    for round_, target, mix, _ in rows:
        one = rate.get((round_, Target("new", 1), mix))
        mine = rate.get((round_, target, mix))
        if target.workers > 1 and one and mine is not None:
            found.setdefault(mix, {}).setdefault(target.name, []).append(round(mine / one, 2))
    return found


def table(rows: Sequence[Any]) -> str:
    cells = [
        ["round", "server", "mix", "req/s", "p50 ms", "p99 ms", "errors", "worker cores",
         "busiest worker", "client cores", "other cores"],
    ]  # fmt: skip
    for round_, target, mix, f in rows:
        if "failed" in f:
            cells.append([str(round_), target.name, mix, "FAILED", *[""] * 7])
            continue
        share = f["busiest_worker_share"]
        cells.append(
            [
                str(round_),
                target.name,
                mix,
                f"{f['requests_per_s']:.0f}",
                f"{f['p50_ms']:.1f}",
                f"{f['p99_ms']:.1f}",
                str(f["errors"]),
                " + ".join(f"{c:.2f}" for c in f["worker_cores"]),
                "-" if share is None or len(f["worker_cores"]) < 2 else f"{share:.0%}",
                f"{f['client_cores']:.2f}",
                f"{f['other_cores']:.2f}",
            ]
        )
    return render_table(cells)


def ratio_table(found: dict[str, dict[str, list[float]]]) -> str:
    cells = [["mix", "server", "req/s over new, 1 worker (each round)", "median"]]
    for mix, by_server in found.items():
        for name, values in by_server.items():
            each = ", ".join(f"{v:.2f}" for v in values)
            cells.append([mix, name, each, f"{statistics.median(values):.2f}"])
    return render_table(cells)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", default="HEAD", help="the commit whose kb serve is 'new'")
    parser.add_argument("--old", default="9965c13", help="the commit whose kb serve is 'old'")
    parser.add_argument("--clients", type=int, default=8, help="client processes (connections)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per mix")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured time per mix")
    parser.add_argument("--rounds", type=int, default=2, help="turns each server takes")
    parser.add_argument("--seed", type=int, default=42, help="seed for the mixes and their order")
    parser.add_argument("--units", type=int, help="generated English units, not the sample")
    parser.add_argument("--mixes", default=",".join(MIXES), help=f"of {', '.join(MIXES)}")
    parser.add_argument("--pin-clients", type=int, help="run the clients on this CPU only")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    args.mixes = [m.strip() for m in args.mixes.split(",") if m.strip()]
    if not args.mixes or set(args.mixes) - set(MIXES):
        parser.error(f"mixes are {', '.join(MIXES)}")
    if args.units is not None and args.units < MIX_UNITS:
        parser.error(f"--units must be at least {MIX_UNITS}")
    if args.pin_clients is not None and args.pin_clients not in os.sched_getaffinity(0):
        parser.error(f"CPU {args.pin_clients} is not one this process may use")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from importers.content_folder import read_folder  # here: it loads the knowledge base
    from renderers import registry

    rng = random.Random(args.seed)
    generated = None
    if args.units is None:
        units = [s.document for s in read_folder(CONTENT, channels=registry.names()).units]
        chatbot = shown_on(units, "chatbot")
    else:
        units = generated = generated_units(args.units, args.seed)
        chatbot = rng.sample(shown_on(units, "chatbot"), MIX_UNITS)
    paths = [r.path for r in answer_mix(chatbot, rng)]
    mixes = {mix: paths for mix in args.mixes}
    facts = machine_facts()
    print(f"python {facts['python']}, {facts['cpu_count']} CPUs, {facts['platform']}")
    pin = f", pinned to CPU {args.pin_clients}" if args.pin_clients is not None else ""
    print(
        f"{args.clients} client processes (one keep-alive connection each, opened at once "
        f"before the start{pin}) on the same machine, {args.warmup:g} s warm-up + "
        f"{args.seconds:g} s per mix, {args.rounds} rounds; new = {args.new}, old = {args.old}"
    )
    print(f"content: {len(units)} units; answer mix: {len(paths)} requests")
    rows = measure(args, mixes, generated)
    found = ratios(rows)
    print()
    print(table(rows))
    print()
    print(ratio_table(found))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "benchmark": "api_load_workers",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": facts,
            "settings": {k: v for k, v in vars(args).items() if k != "json"},
            "rows": [{"round": r, "server": t.name, "mix": m, **f} for r, t, m, f in rows],
            "ratios": found,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
