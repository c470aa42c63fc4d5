"""Benchmark: the deployment topology with real processes, under load, in one bounded run.

A fresh PostgreSQL database (made on --database-url's server, dropped at the end) gets the sample
content (`content/`) as release 1 and a publisher key, through the `kb` CLI. --replicas `kb serve`
processes (one worker each, a data folder of their own as on separate machines) run on loopback
ports behind Debian's haproxy (tests/deploy/cluster.py `haproxy_config`: round robin, health
checks on /readyz every 0.5 s, `retries 3`, `option redispatch 1`, `retry-on
all-retryable-errors`); one more server line waits for a replica started later. Then:

1. --clients threads send the delivery GETs (answers, searches, units) through the proxy, each on
   one keep-alive connection, back to back, until the run is over;
2. after --warmup seconds a unit is edited and published through the first replica (`POST
   /api/v1/releases`); a thread asks the database every 10 ms for the newest release (the
   commit, which every time below is counted from) and a thread per replica asks it directly,
   every 20 ms, which release it serves (`X-KB-Version`): its switch time. The publishing
   replica answers its publish only once it has built the release itself, so the others may
   switch before that answer. Through the proxy, the load's own responses say when the new
   release was first served and the old one last (of requests sent after the commit);
3. the last replica is killed (SIGKILL of its process group) under the load: every request is
   counted, and any non-2xx/3xx or connection error the clients see is an error; haproxy's
   stats say how many requests it retried (`wretr`) and sent to another replica (`wredis`).
   A response the replica had begun to send when it died (the client has its head, not all
   its body) is counted apart as cut: no proxy can send that one again;
4. a replica is started after the publish and must serve the current release once ready
   (/readyz), and haproxy marks it up (its requests are counted): times from its start.

The load stops --tail seconds after that; every wait has a deadline. Replicas follow releases
with KB_RELEASE_POLL_SECONDS=--poll-seconds (default 30) and KB_RELEASE_NOTIFY (--notify, the
default; --no-notify polls only): with notify, a publish reaches the others at once.

Run from the repository root (about a minute or two; the replicas load the sentence encoder):

    python benchmarks/cluster.py --json benchmarks/results/cluster.json
    python benchmarks/cluster.py --poll-seconds 0.25 --no-notify
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from report import machine_facts, render_table  # noqa: E402

from tests.deploy.cluster import (  # noqa: E402
    Load,
    Outcome,
    Proxy,
    Replica,
    fresh_database,
    prepare,
    publish_edit,
    replicas,
    serving_release,
    wait_for,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
LATE = "late"
COMMITTED = "committed"
#: Seconds: the longest a replica may take to switch beyond its poll interval, and haproxy to
#: notice a replica gone or back.
SWITCH_SLACK_S = 60.0
PROXY_TIMEOUT_S = 30.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def watch_switch(replica: Replica, old: int, seen: dict[str, float], deadline: float) -> None:
    """Ask `replica` directly every 20 ms until it serves a release after `old`: when, in `seen`."""
    while time.monotonic() < deadline:
        if (serving_release(replica.port) or 0) > old:
            seen[replica.name] = time.monotonic()
            return
        time.sleep(0.02)


def watch_commit(url: str, old: int, seen: dict[str, float], deadline: float) -> None:
    """Ask the database every 10 ms for the newest release, until one after `old` is committed:
    when, in `seen` (the time every switch is measured from)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            newest = connection.execute("SELECT max(number) FROM release").fetchone()
            if newest and (newest[0] or 0) > old:
                seen[COMMITTED] = time.monotonic()
                return
            time.sleep(0.01)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole run; its figures."""
    env = {
        "KB_AUTHOR": "cluster",
        "KB_RELEASE_POLL_SECONDS": str(args.poll_seconds),
        "KB_RELEASE_NOTIFY": "true" if args.notify else "false",
    }
    if args.encoder:
        env["KB_ENCODER"] = args.encoder
    names = [f"r{n}" for n in range(1, args.replicas + 1)]
    first, victim = names[0], names[-1]
    with ExitStack() as stack:
        env["KB_DATABASE_URL"] = stack.enter_context(fresh_database(args.database_url))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-cluster-")))
        log("importing and publishing the sample content")
        secret = prepare({**env, "KB_DATA_DIR": str(folder / "cli")})
        nodes = replicas(stack, [*names, LATE], env, folder)
        for name in names:
            nodes[name].start()
        for name in names:
            started = nodes[name].started
            log(f"{name} ready after {nodes[name].wait_ready(1) - started:.1f} s")
        proxy = Proxy(folder, {name: node.port for name, node in nodes.items()})
        stack.enter_context(proxy.running())
        wait_for(
            "haproxy: the replicas up, the late one down",
            lambda: [proxy.status(n) for n in [*names, LATE]] == ["UP"] * len(names) + ["DOWN"],
            PROXY_TIMEOUT_S,
            every=0.2,
        )
        before = proxy.stats()

        load = stack.enter_context(Load(proxy.port, clients=args.clients).running())
        load_started = time.monotonic()
        time.sleep(args.warmup)

        log(f"publishing through {first}")
        seen: dict[str, float] = {}
        deadline = time.monotonic() + args.poll_seconds + SWITCH_SLACK_S
        watchers = [
            threading.Thread(target=watch_switch, args=(nodes[n], 1, seen, deadline)) for n in names
        ]
        commit_watch = (env["KB_DATABASE_URL"], 1, seen, deadline)
        watchers.append(threading.Thread(target=watch_commit, args=commit_watch))
        for watcher in watchers:
            watcher.start()
        release, publish_sent, published = publish_edit(nodes[first].port, secret, "Cluster run.")
        for watcher in watchers:
            watcher.join()
        missing = [n for n in [*names, COMMITTED] if n not in seen]
        if missing:
            raise RuntimeError(f"{missing} did not serve release {release} in time")
        time.sleep(args.pause)

        log(f"killing {victim}")
        killed = time.monotonic()
        nodes[victim].kill()
        down = wait_for(
            f"haproxy marking {victim} down",
            lambda: proxy.status(victim) == "DOWN",
            PROXY_TIMEOUT_S,
        )
        time.sleep(args.pause)

        log(f"starting {LATE}")
        late = nodes[LATE]
        late.start()
        late_ready = late.wait_ready(release)
        late_serves = serving_release(late.port)
        late_up = wait_for(
            f"haproxy marking {LATE} up", lambda: proxy.status(LATE) == "UP", PROXY_TIMEOUT_S
        )
        time.sleep(args.tail)
        outcomes = load.stop()
        load_ended = time.monotonic()
        after = proxy.stats()

    return figures(
        args,
        outcomes=outcomes,
        release=release,
        publish=(publish_sent, published),
        seen=seen,
        kill=(victim, killed, down),
        late=(late.started, late_ready, late_up, late_serves),
        load_window=(load_started, load_ended),
        stats=(before, after),
        names=[*names, LATE],
    )


def figures(
    args: argparse.Namespace,
    *,
    outcomes: list[Outcome],
    release: int,
    publish: tuple[float, float],
    seen: dict[str, float],
    kill: tuple[str, float, float],
    late: tuple[float, float, float, int | None],
    load_window: tuple[float, float],
    stats: tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]],
    names: list[str],
) -> dict[str, Any]:
    """What the run measured, as the JSON and the tables show it."""
    publish_sent, published = publish
    committed = seen[COMMITTED]
    victim, killed, down = kill
    late_started, late_ready, late_up, late_serves = late
    before, after = stats
    failed = [o for o in outcomes if o.failed]
    old_after = [o.done for o in outcomes if o.sent >= committed and o.release == release - 1]
    new = [o.done for o in outcomes if o.release == release]
    around_kill = [o for o in outcomes if killed <= o.sent <= down]
    latencies = [(o.done - o.sent) * 1000 for o in outcomes]

    def grew(server: str, column: str) -> int:
        return int(after[server][column] or 0) - int(before[server][column] or 0)

    return {
        "settings": {
            "replicas": args.replicas,
            "clients": args.clients,
            "poll_seconds": args.poll_seconds,
            "notify": args.notify,
            "encoder": args.encoder or "default",
        },
        "requests": len(outcomes),
        "errors": len(failed),
        "errors_cut": sum(o.cut for o in failed),
        "error_examples": sorted({f"{o.path}: {o.error or o.status}" for o in failed})[:5],
        "load_seconds": round(load_window[1] - load_window[0], 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1) if latencies else 0.0,
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies, default=0.0), 1),
        },
        "release": release,
        "publish_ms": round((published - publish_sent) * 1000),
        "commit_after_publish_sent_ms": round((committed - publish_sent) * 1000),
        "publish_answered_after_commit_ms": round((published - committed) * 1000),
        "switch_ms": {
            name: round((seen[name] - committed) * 1000) for name in sorted(seen) if name in names
        },
        "proxy_first_new_ms": round((min(new) - committed) * 1000) if new else None,
        "proxy_last_old_ms": round((max(old_after) - committed) * 1000) if old_after else 0,
        "killed": victim,
        "kill_to_down_ms": round((down - killed) * 1000),
        "requests_kill_to_down": len(around_kill),
        "errors_kill_to_down": sum(o.failed for o in around_kill),
        "latency_max_kill_to_down_ms": round(
            max(((o.done - o.sent) * 1000 for o in around_kill), default=0.0), 1
        ),
        "proxy_retries": grew("BACKEND", "wretr"),
        "proxy_redispatches": grew("BACKEND", "wredis"),
        "late_ready_s": round(late_ready - late_started, 1),
        "late_in_proxy_s": round(late_up - late_started, 1),
        "late_serves_release": late_serves,
        "per_replica": {
            name: {
                "requests": grew(name, "stot"),
                "status_at_end": after[name]["status"],
                "retries": grew(name, "wretr"),
                "redispatches": grew(name, "wredis"),
                "connection_errors": grew(name, "econ"),
                "response_errors": grew(name, "eresp"),
            }
            for name in names
        },
    }


def tables(result: dict[str, Any]) -> str:
    """The figures as two tables."""
    rows = [
        ["figure", "value"],
        ["requests through the proxy", str(result["requests"])],
        ["errors seen by the clients", str(result["errors"])],
        ["of which responses cut by the kill (head sent)", str(result["errors_cut"])],
        ["latency p50 / p99 / max (ms)", "{p50} / {p99} / {max}".format(**result["latency_ms"])],
        ["publish request through r1 (ms)", str(result["publish_ms"])],
        [
            "release committed, after the request was sent (ms)",
            str(result["commit_after_publish_sent_ms"]),
        ],
        [
            "publish answered, after the commit (ms)",
            str(result["publish_answered_after_commit_ms"]),
        ],
        ["proxy: first new release, after the commit (ms)", str(result["proxy_first_new_ms"])],
        ["proxy: last old release, after the commit (ms)", str(result["proxy_last_old_ms"])],
        [f"{result['killed']} killed -> marked down (ms)", str(result["kill_to_down_ms"])],
        [
            "requests / errors in that window",
            "{} / {}".format(result["requests_kill_to_down"], result["errors_kill_to_down"]),
        ],
        ["slowest request in that window (ms)", str(result["latency_max_kill_to_down_ms"])],
        [
            "proxy retries / redispatches",
            "{} / {}".format(result["proxy_retries"], result["proxy_redispatches"]),
        ],
        [
            "late replica: start -> ready, release",
            "{} s, release {}".format(result["late_ready_s"], result["late_serves_release"]),
        ],
        ["late replica: start -> up in the proxy (s)", str(result["late_in_proxy_s"])],
    ]
    per = [["replica", "switch_ms", "requests", "retried", "redispatched", "end"]]
    for name, row in result["per_replica"].items():
        switch = result["switch_ms"].get(name)
        per.append(
            [
                name,
                "-" if switch is None else str(switch),
                str(row["requests"]),
                str(row["retries"]),
                str(row["redispatches"]),
                row["status_at_end"],
            ]
        )
    return render_table(rows) + "\n\n" + render_table(per)


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True)
    return done.stdout.decode().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KB_TEST_DATABASE_URL", DEFAULT_URL),
        help="a PostgreSQL server (plain postgresql:// URL) where a database may be created",
    )
    parser.add_argument("--replicas", type=int, default=3, help="started first; one is killed")
    parser.add_argument("--clients", type=int, default=4, help="load threads")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before publish")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between the steps")
    parser.add_argument("--tail", type=float, default=3.0, help="seconds of load at the end")
    parser.add_argument("--poll-seconds", type=float, default=30.0, help="KB_RELEASE_POLL_SECONDS")
    parser.add_argument(
        "--notify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="KB_RELEASE_NOTIFY: replicas LISTEN for a publish",
    )
    parser.add_argument("--encoder", help="KB_ENCODER (default: the product's default)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if args.replicas < 2:
        parser.error("--replicas must be at least 2: one is killed")

    result = run(args)
    result["commit"] = commit()
    result["machine"] = machine_facts()
    result["load_average"] = os.getloadavg()
    print(tables(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
