"""Soak: `kb serve --workers 2` under never-repeated requests for minutes: does memory level off?

A scratch knowledge base (KB_DATA_DIR in a temporary directory, every other KB_* variable unset,
so the defaults are soaked) imports --units units of the generated English corpus of
benchmarks/search_answer.py (the one benchmarks/api_load.py --units serves) and publishes them
with the `kb` CLI; then `kb serve` runs on 127.0.0.1 with --workers processes and is driven for
--minutes by --connections keep-alive connections (--clients processes, the connections split
between their threads), each sending the next request as soon as the previous one is read.
No request is ever sent twice, so nothing comes from the response cache's repeats and every
request may add to the caches:

- answer (half): an example question of a unit with a number no request had before in front;
- search (a quarter): words of a title with a never-seen word in front;
- junk locale (a quarter): the FAQ, as JSON or as the /faq page, or a search, with
  ?locale= set to a locale no one has (a new one every time): each falls back to the default
  locale's content, which the caches must keep once, not once per junk value.

Every --interval seconds (30) a row: requests/s, p50/p99 latency and errors in that window,
and each server process's RSS (the supervisor, then each worker) from /proc. At the end: whether
each process's RSS levelled off: how far it rose to new highs in the last third of the run,
against the first third (which includes the caches filling, as expected). The caches are
bounded by KB_RESPONSE_CACHE_MB (64 MB a worker by default), which never-repeated requests may
take longer than the run to fill: --cache-mb 4 sets a bound that fills within minutes, after
which RSS must stay flat.

Run from the repository root:

    python benchmarks/soak.py --minutes 10 --json benchmarks/results/soak.json
    python benchmarks/soak.py --minutes 10 --cache-mb 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import queue
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from api_load import (
    HOST,
    KB_CLI,
    Server,
    Watch,
    free_port,
    generated_units,
    kb_env,
    memory_mb,
    percentiles,
    prepare,
    serving,
    write_content,
)
from report import machine_facts, render_table

REQUEST_TIMEOUT_S = 30.0
#: A process's RSS levelled off when the last third of the run grew it by at most this share
#: of what the first third did, or by at most LEVEL_MB_PER_MIN a minute (allocator noise).
LEVEL_SHARE = 0.25
LEVEL_MB_PER_MIN = 1.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """What the requests are made of: example questions and title words of the public units."""

    questions: tuple[str, ...]
    titles: tuple[str, ...]

    def path(self, seed: int, n: int, rng: random.Random) -> tuple[str, str]:
        """Request `n` of client `seed`, never sent before by anyone: (kind, path)."""
        marker = f"s{seed}n{n}"
        roll = n % 4
        if roll < 2:
            question = f"{marker} {rng.choice(self.questions)}"
            return "answer", _path("/api/v1/answer", q=question, channel="chatbot")
        words = rng.choice(self.titles).split()
        query = " ".join([marker, *words[: rng.randint(1, len(words))]])
        if roll == 2:
            return "search", _path("/api/v1/search", q=query, channel="web")
        junk = f"zz-s{seed}-n{n}"  # a well-formed locale tag no knowledge base has
        return "junk locale", rng.choice(
            (
                _path("/api/v1/faq", locale=junk),
                _path("/faq", locale=junk),
                _path("/api/v1/search", q=query, locale=junk),
            )
        )


def _path(route: str, **params: str) -> str:
    return f"{route}?{urlencode(params)}"


def make_mix(units: list[Any]) -> Mix:
    public = [u for u in units if u.audience == "public"]
    return Mix(
        questions=tuple(q for u in public for q in u.questions),
        titles=tuple(u.title for u in public),
    )


# -- the clients --------------------------------------------------------------------------------


@dataclass
class Window:
    """What the clients saw in one interval: latencies of the requests that ended in it."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def merge(self, other: dict[str, Any]) -> None:
        self.latencies.extend(other["latencies"])
        self.errors.update(other["errors"])
        self.kinds.update(other["kinds"])


def _connection_loop(
    port: int, mix: Mix, seed: int, until: float, interval: float, start: float, out: Any
) -> None:
    """One keep-alive connection sending requests back to back until `until` (monotonic)."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    n = 0
    while (began := time.monotonic()) < until:
        kind, path = mix.path(seed, n, rng)
        n += 1
        error = None
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                error = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        ended = time.monotonic()
        out(int((ended - start) // interval), kind, (ended - began) * 1000, error)
    connection.close()


def _client(
    port: int, mix: Mix, seeds: list[int], until: float, interval: float, start: float, q: Any
) -> None:
    """One client process: a thread per connection; ships each window's figures every second."""
    windows: dict[int, Window] = {}
    lock = threading.Lock()

    def out(index: int, kind: str, ms: float, error: str | None) -> None:
        with lock:
            window = windows.setdefault(index, Window())
            window.latencies.append(ms)
            window.kinds[kind] += 1
            if error:
                window.errors[error] += 1

    def ship() -> None:
        with lock:
            ready = {i: w for i, w in windows.items()}
            windows.clear()
        for index, w in ready.items():
            q.put((index, {"latencies": w.latencies, "errors": w.errors, "kinds": w.kinds}))

    threads = [
        threading.Thread(
            target=_connection_loop, args=(port, mix, seed, until, interval, start, out)
        )
        for seed in seeds
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        time.sleep(1.0)
        ship()
    ship()
    q.put(None)


# -- memory -------------------------------------------------------------------------------------


def server_processes(watch: Watch) -> dict[str, int]:
    """The supervisor and its workers (by pid), named for the table: 'parent', 'worker <pid>'."""
    pids = {"parent": watch.process.pid}
    for pid in sorted(watch.started):
        pids[f"worker {pid}"] = pid
    return pids


@dataclass
class Row:
    """One interval of the table."""

    elapsed_s: float
    requests: int
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    error_kinds: dict[str, int]
    kinds: dict[str, int]
    rss_mb: dict[str, float]


def make_row(index: int, window: Window, interval: float, rss: dict[str, float]) -> Row:
    figures = percentiles(window.latencies) if window.latencies else {}
    return Row(
        elapsed_s=(index + 1) * interval,
        requests=len(window.latencies),
        requests_per_s=len(window.latencies) / interval,
        p50_ms=figures.get("p50"),
        p99_ms=figures.get("p99"),
        errors=sum(window.errors.values()),
        error_kinds=dict(window.errors),
        kinds=dict(window.kinds),
        rss_mb=rss,
    )


def row_cells(row: Row, names: list[str]) -> list[str]:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    rss = [f"{row.rss_mb.get(name, 0.0):.0f}" for name in names]
    return [
        f"{row.elapsed_s:.0f}",
        f"{row.requests_per_s:.0f}",
        ms(row.p50_ms),
        ms(row.p99_ms),
        str(row.errors),
        *rss,
    ]


def header(names: list[str]) -> list[str]:
    return ["elapsed s", "req/s", "p50 ms", "p99 ms", "errors", *(f"{n} MB" for n in names)]


def levelled_off(rows: list[Row], names: list[str], interval: float) -> dict[str, dict[str, Any]]:
    """Per process: how far RSS rose to a new high in the first third of the rows (above the
    first row) and in the last third (above every row before it), and whether the last third's
    rise is small: LEVEL_SHARE of the first third's, or LEVEL_MB_PER_MIN. Highs, not the last
    sample: a bounded cache evicting makes RSS go up and down, a leak keeps setting new highs."""
    third = max(1, round((len(rows) - 1) / 3))
    noise = LEVEL_MB_PER_MIN * third * interval / 60
    verdicts: dict[str, dict[str, Any]] = {}
    for name in names:
        values = [r.rss_mb.get(name, 0.0) for r in rows]
        first = max(values[: third + 1]) - values[0]
        last = max(0.0, max(values[-third:]) - max(values[:-third]))
        verdicts[name] = {
            "first_third_mb": round(first, 1),
            "last_third_mb": round(last, 1),
            "whole_run_mb": round(max(values) - values[0], 1),
            "levelled_off": last <= max(noise, LEVEL_SHARE * first),
        }
    return verdicts


# -- the run ------------------------------------------------------------------------------------


def soak(args: argparse.Namespace, mix: Mix, port: int, watch: Watch) -> list[Row]:
    """Drive the server for --minutes; print and return a row per --interval."""
    seconds = args.minutes * 60
    start = time.monotonic()
    until = start + seconds
    intervals = int(seconds // args.interval)
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    seeds = [args.seed * 1000 + k for k in range(args.connections)]
    processes = [
        ctx.Process(
            target=_client,
            args=(port, mix, seeds[k :: args.clients], until, args.interval, start, q),
            daemon=True,
        )
        for k in range(args.clients)
    ]
    for process in processes:
        process.start()
    windows: dict[int, Window] = {}
    rows: list[Row] = []
    names: list[str] = []
    finished = 0
    for index in range(intervals):
        time.sleep(max(0.0, start + (index + 1) * args.interval - time.monotonic()))
        watch.sample()  # to know the workers, also any that replaced one
        names = list(server_processes(watch))
        rss = {n: memory_mb(pid)[0] for n, pid in server_processes(watch).items()}
        time.sleep(1.5)  # the clients ship each second: the window's last requests arrive
        while True:
            try:
                item = q.get_nowait()
            except queue.Empty:
                break
            if item is None:
                finished += 1
            else:
                windows.setdefault(item[0], Window()).merge(item[1])
        rows.append(make_row(index, windows.pop(index, Window()), args.interval, rss))
        if index == 0:
            print(render_table([header(names), row_cells(rows[0], names)]), flush=True)
        else:
            print(render_table([header(names), row_cells(rows[-1], names)]).splitlines()[-1])
            sys.stdout.flush()
    for process in processes:
        process.join(timeout=REQUEST_TIMEOUT_S + 10)
        if process.is_alive():
            process.terminate()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to drive")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds per table row")
    parser.add_argument("--units", type=int, default=1000, help="generated units to serve")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--seed", type=int, default=42, help="seed for the corpus and requests")
    parser.add_argument(
        "--cache-mb",
        type=int,
        help="KB_RESPONSE_CACHE_MB for the server (default: unset, the product's default); "
        "a small bound is reached within minutes, and RSS should then stay flat",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.minutes * 60 < 3 * args.interval or not 1 <= args.clients <= args.connections:
        parser.error("run at least three intervals, with at least one connection per client")

    facts = machine_facts()
    units = generated_units(args.units, args.seed)
    mix = make_mix(units)
    print(f"python {facts['python']}, {facts['cpu_count']} CPUs, {facts['platform']}")
    print(
        f"kb serve --workers {args.workers}, {args.units} generated units; {args.connections} "
        f"connections in {args.clients} client processes on the same machine, "
        f"{args.minutes:g} min, a row every {args.interval:g} s; no request sent twice"
    )
    bound = "default" if args.cache_mb is None else f"{args.cache_mb} MB"
    print(f"response cache bound (KB_RESPONSE_CACHE_MB): {bound}")
    with tempfile.TemporaryDirectory(prefix="kb-soak-") as scratch:
        root = Path(scratch)
        env = kb_env(root / "data")
        if args.cache_mb is not None:
            env["KB_RESPONSE_CACHE_MB"] = str(args.cache_mb)
        began = time.monotonic()
        prepare(env, write_content(units, root / "content"))
        prepared_s = round(time.monotonic() - began, 1)
        print(f"imported and published in {prepared_s:g} s")
        port = free_port()
        command = (*KB_CLI, "serve", "--host", HOST, "--port", str(port))
        command += ("--workers", str(args.workers), "--log-level", "warning")
        server = Server("kb", command, port, "/healthz", {})
        with serving(server, env, args.workers, root / "serve.log") as watch:
            rows = soak(args, mix, port, watch)
            restarts = watch.restarts
        problems = [
            line
            for line in (root / "serve.log").read_text(errors="replace").splitlines()
            if "error" in line.lower() or "traceback" in line.lower()
        ]
    names = list(rows[-1].rss_mb) if rows else []
    verdicts = levelled_off(rows, names, args.interval)
    report(rows, names, verdicts, restarts, problems)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "benchmark": "soak",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": facts,
            "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "prepared_s": prepared_s,
            "rows": [vars(r) for r in rows],
            "rss_levelled_off": verdicts,
            "worker_restarts": restarts,
            "server_log_problems": problems[-20:],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0 if all(v["levelled_off"] for v in verdicts.values()) else 1


def report(
    rows: list[Row],
    names: list[str],
    verdicts: dict[str, dict[str, Any]],
    restarts: int,
    problems: list[str],
) -> None:
    """The whole table again, the totals, and the verdict on each process's memory."""
    print()
    print(render_table([header(names), *(row_cells(r, names) for r in rows)]))
    total = sum(r.requests for r in rows)
    errors: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for row in rows:
        errors.update(row.error_kinds)
        kinds.update(row.kinds)
    print(f"\n{total:,} requests ({', '.join(f'{k} {n:,}' for k, n in sorted(kinds.items()))})")
    print(f"errors: {sum(errors.values())} {dict(errors) if errors else ''}".rstrip())
    print(f"worker restarts: {restarts}; server log lines with errors: {len(problems)}")
    for line in problems[-5:]:
        print(f"  {line}")
    print("\nRSS (MB): new highs in the first third of the run, in the last third, in all")
    cells = [["process", "first third", "last third", "in all", "levelled off"]]
    for name, v in verdicts.items():
        cells.append(
            [
                name,
                f"{v['first_third_mb']:+.1f}",
                f"{v['last_third_mb']:+.1f}",
                f"{v['whole_run_mb']:+.1f}",
                "yes" if v["levelled_off"] else "NO",
            ]
        )
    print(render_table(cells))


if __name__ == "__main__":
    sys.exit(main())
