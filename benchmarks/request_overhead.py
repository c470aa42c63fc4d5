"""Benchmark: what a request costs beyond the work behind it, today's code beside the new.

Issue 22 measured a cached answer (`GET /api/v1/answer` served from the response cache) at 2 to
2.7 times a bare FastAPI route returning a constant JSON. This run serves, each with one worker
on 127.0.0.1 and the same sample content (`content/`, imported and published into a scratch
KB_DATA_DIR):

- bare: benchmarks/api_load.py's `bare_app` under uvicorn with the protocol `kb serve` used
  at 9965c13 (h11 with TCP_NODELAY) and asyncio's loop: the ceiling of today's stack;
- bare uvloop: the same with uvloop's event loop (only when uvloop imports), the ceiling of the
  stack the new `kb serve` runs on;
- bare httptools: uvicorn's own httptools protocol on uvloop (only when both import), the
  ceiling of the stack the new `kb serve` runs on where httptools is installed;
- today: `kb serve` of commit 9965c13 (benchmarks/baseline.py), uvloop and httptools hidden
  from it (stand-in packages that fail to import), so that it runs today's dependencies too;
- new h11: `kb serve` of the working tree with httptools hidden: its fallback protocol (h11
  with the head deadline and refusals of cli/serving.py), on uvloop where that imports;
- new: `kb serve` of the working tree, on httptools where it imports (cli/uvicorn_options.py);
- before (with --before REF): `kb serve` of commit REF with the installed packages, as "new" of
  that commit ran: a change to the app measured against the code just before it.

Targets on each `kb serve`: a cached answer (the same question again), a 304 (the same with
If-None-Match: its ETag) and a cached search. Each (server, target) is driven for --seconds
after --warmup by --clients processes, each with one keep-alive `http.client` connection sending
the same request as soon as the last response is read. Per target: requests a second, and the
server's own CPU time per request (user + system of its process, from /proc): what a request
costs the server, whatever the client does. Each is also given as a multiple of the bare
route's under h11 (the table), and a cached answer's also as a multiple of the bare route's
under the same protocol and loop as that `kb serve` (the summary). --rounds repeats the whole
sequence; other work on a shared machine only ever adds to a round's CPU time (caches,
frequency), so each target's least disturbed round (lowest server CPU a request) is reported,
with the median of its rounds beside it.

Run from the repository root:

    python benchmarks/request_overhead.py --json benchmarks/results/request_overhead.json
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from api_load import BARE_UVICORN, HOST, Server, free_port, kb_env, prepare, serving, tree_cpu_s
from baseline import REPO, checkout, code_env, run_kb
from report import machine_facts, render_table

sys.path.insert(0, str(REPO))
from tests.api.servers import kb_server

#: Today's code: the commit issue 22 measures every change against.
TODAY = "9965c13"
ANSWER = "/api/v1/answer?" + urlencode(
    {"q": "how much money is left on my account", "channel": "chatbot", "locale": "en"}
)
SEARCH = "/api/v1/search?" + urlencode({"q": "roaming", "channel": "web", "locale": "en"})
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Target:
    """One request sent again and again: its path and headers."""

    name: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _client(port: int, target: Target, start: float, stop: float, results: Any) -> None:
    """Send `target` on one keep-alive connection from `start` until `stop`; report the count."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    headers = dict(target.headers)
    done = errors = 0
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < stop:
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        response.read()
        done += 1
        errors += response.status not in (200, 304)
    connection.close()
    results.put((done, errors))


def drive(pid: int, port: int, target: Target, clients: int, seconds: float) -> dict[str, float]:
    """`clients` connections sending `target` for `seconds`: requests a second, server CPU each."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.time() + 0.3  # every client connected and waiting
    processes = [
        context.Process(target=_client, args=(port, target, start, start + seconds, results))
        for _ in range(clients)
    ]
    for process in processes:
        process.start()
    time.sleep(max(0.0, start - time.time()))
    before = sum(tree_cpu_s(pid).values())
    counts = [results.get(timeout=seconds + 30) for _ in processes]
    after = sum(tree_cpu_s(pid).values())
    for process in processes:
        process.join()
    requests = sum(done for done, _ in counts)
    return {
        "requests": requests,
        "errors": sum(errors for _, errors in counts),
        "requests_per_s": requests / seconds,
        "server_cpu_us": (after - before) / max(requests, 1) * 1e6,
    }


def etag_of(port: int, path: str) -> str:
    """The ETag the server gives `path` (also warms its response cache)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return response.headers["etag"]
    finally:
        connection.close()


def serve_pid(port: int) -> int:
    """The process of the `kb serve` listening on `port` (kb_server yields only its URL)."""
    wanted = f"--port\0{port}\0".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "cmdline").read_bytes():
                return int(entry.name)
        except OSError:
            continue
    raise RuntimeError(f"no process serves port {port}")


@dataclass(frozen=True)
class Running:
    """A server up for the run: its name, process, port and the targets driven on it."""

    name: str
    pid: int
    port: int
    targets: tuple[Target, ...]


def kb_targets(port: int) -> tuple[Target, ...]:
    """A cached answer, its 304 and a cached search, each sent once first to fill the cache."""
    etag_of(port, SEARCH)
    return (
        Target("cached answer", ANSWER),
        Target("answer 304", ANSWER, (("If-None-Match", etag_of(port, ANSWER)),)),
        Target("cached search", SEARCH),
    )


def hidden_packages(root: Path, *names: str) -> Path:
    """A folder of stand-ins that fail to import `names`: put first on a path, they hide the
    installed packages from a server, so that today's code runs today's dependencies."""
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text(f"raise ImportError('{name} hidden')\n")
    return root


def prepare_with(env: dict[str, str], tree: Path) -> None:
    """`kb import content` and `kb publish` with the code of `tree` (the same content)."""
    run_kb(tree, env, "import", str(REPO / "content"))
    run_kb(tree, env, "publish", "-m", "request_overhead")


@contextmanager
def kb_serving(name: str, env: dict[str, str], cwd: Path) -> Iterator[Running]:
    """`kb serve` of the code in `cwd` with `env`, as tests.api.servers starts it."""
    log(f"starting {name} from {cwd}")
    with kb_server(env, cwd=cwd) as url:
        port = int(urlsplit(url).port or 0)
        yield Running(name, serve_pid(port), port, kb_targets(port))


@contextmanager
def bare_serving(name: str, env: dict[str, str], logs: Path, *options: str) -> Iterator[Running]:
    """benchmarks/api_load.py's bare route under uvicorn with `options`, one worker."""
    port = free_port()
    command = (*BARE_UVICORN, "--port", str(port), "--log-level", "warning", *options)
    server = Server(name, command, port, "/bare", {})
    with serving(server, env, 1, logs / f"{name.replace(' ', '_')}.log") as watch:
        yield Running(name, watch.process.pid, port, (Target("bare", "/bare"),))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Start every server, drive every target --rounds times; each target's least disturbed
    round, with the server CPU of every round."""
    has = {name: importlib.util.find_spec(name) is not None for name in ("uvloop", "httptools")}
    rounds: dict[tuple[str, str], list[dict[str, float]]] = {}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-overhead-")))
        env = kb_env(scratch / "kb")
        prepare(env)
        tree = stack.enter_context(checkout(TODAY))
        hidden = hidden_packages(scratch / "hidden", "uvloop", "httptools")
        # Its own knowledge base, imported and published by its own code: an index written by
        # newer code need not be one older code reads.
        today_env = {**kb_env(scratch / "kb-today"), **code_env(tree)}
        today_env["PYTHONPATH"] = f"{hidden}{os.pathsep}{today_env['PYTHONPATH']}"
        prepare_with(today_env, tree)
        servers = [stack.enter_context(bare_serving("bare", env, scratch, "--loop", "asyncio"))]
        if has["uvloop"]:
            servers.append(
                stack.enter_context(bare_serving("bare uvloop", env, scratch, "--loop", "uvloop"))
            )
        if has["uvloop"] and has["httptools"]:
            fast = ("--loop", "uvloop", "--http", "httptools")
            servers.append(stack.enter_context(bare_serving("bare httptools", env, scratch, *fast)))
        servers.append(stack.enter_context(kb_serving("today", today_env, tree)))
        if has["httptools"]:  # the fallback, as where httptools is not installed
            no_httptools = hidden_packages(scratch / "hidden-httptools", "httptools")
            h11_env = {**env, "PYTHONPATH": _path_before(no_httptools)}
            servers.append(stack.enter_context(kb_serving("new h11", h11_env, REPO)))
        if args.before:
            before = stack.enter_context(checkout(args.before))
            before_env = {**kb_env(scratch / "kb-before"), **code_env(before)}
            prepare_with(before_env, before)
            servers.append(stack.enter_context(kb_serving("before", before_env, before)))
        servers.append(stack.enter_context(kb_serving("new", env, REPO)))
        for number in range(args.rounds):
            for server in servers:
                for target in server.targets:
                    drive(server.pid, server.port, target, args.clients, args.warmup)
                    figures = drive(server.pid, server.port, target, args.clients, args.seconds)
                    rounds.setdefault((server.name, target.name), []).append(figures)
                    log(f"round {number + 1}: {server.name} {target.name}: {figures}")
    results = {
        f"{server} | {target}": min(runs, key=lambda r: r["server_cpu_us"])
        | {"rounds_server_cpu_us": [round(r["server_cpu_us"], 1) for r in runs]}
        for (server, target), runs in rounds.items()
    }
    return {"installed": has, "results": results}


def _median_cpu(figures: dict[str, Any]) -> float:
    return float(statistics.median(figures["rounds_server_cpu_us"]))


def table(results: dict[str, dict[str, float]]) -> str:
    """One row per (server, target): req/s, server CPU per request, and both against bare."""
    bare = results["bare | bare"]
    cells = [
        ["server", "target", "req/s", "CPU µs/req", "x bare", "median µs", "x bare", "bare req/s ÷"]
    ]
    for name, figures in results.items():
        server, target = name.split(" | ")
        cells.append(
            [
                server,
                target,
                f"{figures['requests_per_s']:.0f}",
                f"{figures['server_cpu_us']:.0f}",
                f"{figures['server_cpu_us'] / bare['server_cpu_us']:.2f}",
                f"{_median_cpu(figures):.0f}",
                f"{_median_cpu(figures) / _median_cpu(bare):.2f}",
                f"{bare['requests_per_s'] / max(figures['requests_per_s'], 1):.2f}",
            ]
        )
    return render_table(cells)


def _path_before(folder: Path) -> str:
    """PYTHONPATH with `folder` first."""
    path = os.environ.get("PYTHONPATH")
    return f"{folder}{os.pathsep}{path}" if path else str(folder)


def own_bare(server: str, installed: dict[str, bool]) -> str:
    """The bare server on the protocol and loop that `kb serve` `server` runs."""
    if server == "today":
        return "bare"  # h11 on asyncio
    if server in ("new", "before") and installed["httptools"] and installed["uvloop"]:
        return "bare httptools"
    return "bare uvloop" if installed["uvloop"] else "bare"


def summary(results: dict[str, dict[str, float]], installed: dict[str, bool]) -> list[str]:
    """The cached answer's server CPU a request on each `kb serve`, as a multiple of the bare
    route's under h11 and under the protocol that server runs."""
    bare = results["bare | bare"]
    lines = []
    for server in ("today", "new h11", "before", "new"):
        if f"{server} | cached answer" not in results:
            continue
        answer = results[f"{server} | cached answer"]
        own = results[f"{own_bare(server, installed)} | bare"]
        lines.append(
            f"{server}: a cached answer costs {answer['server_cpu_us']:.0f} µs of server CPU, "
            f"{answer['server_cpu_us'] / bare['server_cpu_us']:.2f} x the bare route's under h11 "
            f"({_median_cpu(answer) / _median_cpu(bare):.2f} x in median rounds) and "
            f"{answer['server_cpu_us'] / own['server_cpu_us']:.2f} x under its own protocol "
            f"({own_bare(server, installed)}; "
            f"{_median_cpu(answer) / _median_cpu(own):.2f} x in median rounds); "
            f"{bare['requests_per_s'] / answer['requests_per_s']:.2f} x the h11 bare route's time"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2, help="client processes (connections)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured time per target")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time per target")
    parser.add_argument("--rounds", type=int, default=3, help="times every target is driven")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--before", help="also serve the code of this commit, as it runs")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.rounds < 1 or args.warmup <= 0:
        parser.error("clients and rounds must be at least 1, seconds and warmup positive")
    measured = measure(args)
    facts = machine_facts()
    print(f"python {facts['python']}, {facts['cpu_count']} CPUs, {facts['platform']}")
    print(
        f"one server worker each, {args.clients} client processes (one keep-alive connection "
        f"each), {args.warmup:g} s warm-up + {args.seconds:g} s per target, least disturbed "
        f"of {args.rounds} rounds; today: {TODAY}; before: {args.before or 'not run'}; installed: "
        + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in measured["installed"].items())
    )
    print()
    print(table(measured["results"]))
    print()
    print("\n".join(summary(measured["results"], measured["installed"])))
    if args.json:
        payload = {"machine": facts, "arguments": vars(args) | {"json": str(args.json)}}
        args.json.write_text(json.dumps(payload | measured, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
