"""Benchmark: how long after a publish through one server another one, under load, serves it.

On PostgreSQL (a fresh schema, dropped at the end), the sample content (`content/`) is imported
and published as release 1 with the `kb` CLI. Two `kb serve` processes run on 127.0.0.1, each
with a data folder of its own as on two machines: A (one worker) takes the publishes, B
(--workers, 2 by default) takes the load: --clients processes, each sending never-repeated
questions to `GET /api/v1/answer` on one keep-alive connection, back to back, and checking
that each body's `kb_version` is the `X-KB-Version` of its response (no mixed release).

Each of --rounds rounds edits one unit through A's API, publishes through A (`POST
/api/v1/releases`) and then asks B for that unit on a new connection each time (so that every
worker of B is asked) until --confirm answers in a row come from the new release. It reports
how long after A's publish response B's first answer and B's last worker came from it (the
README promises "within a second"), A's publish time, and the load's throughput and errors.

Run from the repository root (bounded: about 20 s of set-up, then 5-10 s a round):

    python benchmarks/release_switch.py --rounds 6
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.api.servers import kb_server  # noqa: E402
from tests.deploy.cluster import kb_cli  # noqa: E402

UNIT = "check-balance"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A database URL whose search path is a new, empty schema, dropped afterwards."""
    from sqlalchemy import create_engine, text

    from kb.settings import normalize_database_url

    admin = create_engine(normalize_database_url(base_url), isolation_level="AUTOCOMMIT")
    schema = f"kbswitch_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def request(
    port: int, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection (so a server with workers spreads them)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})} if payload else headers
        connection.request(method, path, body=payload, headers=sent or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def load(
    port: int, client: int, stop: multiprocessing.Event, counts: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    """Never-repeated questions on one keep-alive connection until `stop`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = errors = mixed = 0
    while not stop.is_set():
        query = urlencode({"q": f"{client}x{done} how do I check my balance", "channel": "chatbot"})
        try:
            connection.request("GET", f"/api/v1/answer?{query}")
            response = connection.getresponse()
            body = json.loads(response.read())
            if response.status != 200:
                errors += 1
            elif str(body.get("kb_version")) != response.getheader("X-KB-Version"):
                mixed += 1
        except (OSError, http.client.HTTPException, ValueError):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done += 1
    counts.put((done, errors, mixed))


def publish_round(a: int, b: int, secret: str, number: int, confirm: int) -> dict[str, float]:
    """Edit and publish through A; seconds until B answers from the new release."""
    auth = {"Authorization": f"Bearer {secret}"}
    path = f"/api/v1/drafts/units/{UNIT}?locale=en"
    status, headers, body = request(a, "GET", path, headers=auth)
    assert status == 200, body
    source = json.loads(body)["source"].rstrip("\n") + f"\n\nRound {number}.\n"
    status, _, body = request(
        a, "PUT", path, {"source": source}, {**auth, "If-Match": headers["etag"]}
    )
    assert status == 200, body
    started = time.monotonic()
    status, _, body = request(a, "POST", "/api/v1/releases", {"message": f"round {number}"}, auth)
    published = time.monotonic()
    assert status == 201, body
    release = json.loads(body)["kb_version"]
    first = None
    streak = 0
    while streak < confirm:
        status, headers, _ = request(b, "GET", f"/api/v1/units/{UNIT}?channel=web")
        if status == 200 and headers["x-kb-version"] == str(release):
            first = first or time.monotonic()
            streak += 1
        else:
            streak = 0
        if time.monotonic() - published > 60:
            raise RuntimeError("B did not switch within 60 s")
    assert first is not None
    return {
        "release": release,
        "publish_s": published - started,
        "first_s": first - published,
        "all_s": time.monotonic() - published,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("KB_TEST_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--confirm", type=int, default=8)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="rounds first, not counted (A's first publish "
        "through the API loads the encoder and trains cold: tens of seconds)",
    )
    args = parser.parse_args()

    with ExitStack() as stack:
        url = stack.enter_context(fresh_schema(args.database_url))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = {"KB_DATABASE_URL": url, "KB_AUTHOR": "bench"}
        env_a, env_b = (
            {**env, "KB_DATA_DIR": str(folder / "a")},
            {**env, "KB_DATA_DIR": str(folder / "b")},
        )
        kb_cli(env_a, "import", str(REPO / "content"))
        kb_cli(env_a, "publish", "-m", "release 1")
        created = kb_cli(env_a, "keys", "create", "--role", "publisher", "--name", "bench")
        secret = created.strip().splitlines()[-1]
        a_url = stack.enter_context(kb_server(env_a, log=folder / "a.log"))
        b_url = stack.enter_context(kb_server(env_b, workers=args.workers, log=folder / "b.log"))
        a, b = int(a_url.rsplit(":", 1)[1]), int(b_url.rsplit(":", 1)[1])
        for _ in range(4 * args.workers):  # every worker of B has loaded release 1
            assert request(b, "GET", "/readyz")[0] == 200

        stop, counts = multiprocessing.Event(), multiprocessing.Queue()
        clients = [
            multiprocessing.Process(target=load, args=(b, n, stop, counts))
            for n in range(args.clients)
        ]
        for process in clients:
            process.start()
        for number in range(1, args.warmup + 1):
            publish_round(a, b, secret, number, args.confirm)
        time.sleep(2.0)
        load_started = time.monotonic()
        rounds = []
        for number in range(args.warmup + 1, args.warmup + args.rounds + 1):
            rounds.append(publish_round(a, b, secret, number, args.confirm))
            print(json.dumps(rounds[-1]), flush=True)
            time.sleep(args.pause)
        loaded = time.monotonic() - load_started
        stop.set()
        totals = [counts.get(timeout=60) for _ in clients]
        for process in clients:
            process.join()
        log_b = (folder / "b.log").read_text(errors="replace")

    report(rounds, totals, loaded, log_b)


def report(
    rounds: list[dict[str, float]], totals: list[tuple[int, int, int]], loaded: float, log_b: str
) -> None:
    """The rounds as a table, and what the load saw."""
    done, errors, mixed = (sum(t[i] for t in totals) for i in range(3))
    rate = done / loaded if loaded else 0.0
    print(f"\nB under load: {rate:.0f} answers/s, {errors} errors, {mixed} mixed releases")
    print("round  release  publish_s  first_s  all_workers_s")
    for n, r in enumerate(rounds, 1):
        figures = f"{r['publish_s']:9.2f}  {r['first_s']:7.2f}  {r['all_s']:13.2f}"
        print(f"{n:5}  {int(r['release']):7}  {figures}")
    slow = sum(r["all_s"] > 1.0 for r in rounds)
    print(f"all workers of B over 1 s after the publish response: {slow} of {len(rounds)} rounds")
    print(f"B's log: {len(log_b.splitlines())} lines")


if __name__ == "__main__":
    main()
