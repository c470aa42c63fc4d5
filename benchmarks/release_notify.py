"""Benchmark: how long after a publish a server serves it, woken by NOTIFY or by polling alone.

On PostgreSQL (a fresh schema, dropped at the end), three `kb serve` processes run on
127.0.0.1 at once, each with a data folder of its own as on three machines:

- `notify`: LISTENs, and polls every 30 s besides (`KB_RELEASE_POLL_SECONDS=30`);
- `poll 30 s`: the same poll without NOTIFY (`KB_RELEASE_NOTIFY=false`);
- `poll 0.25 s`: the old default, without NOTIFY.

Each round edits one unit and publishes it through the `KnowledgeBase` API in this process,
then asks every server for that unit (`X-KB-Version`) every 10 ms until each serves the new
release (or --budget seconds pass); it prints the median and the largest time from the publish
returning to each server's switch. The server polling every 30 s switches at its next poll,
which, since a round starts as soon as the last one ended, comes nearly 30 s after the publish:
its figures are the worst case, and a run of 10 rounds lasts about five minutes:

    python benchmarks/release_notify.py --rounds 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.release_switch import fresh_schema  # noqa: E402
from benchmarks.report import render_table  # noqa: E402
from kb import KnowledgeBase, UnitDocument  # noqa: E402
from kb.settings import Settings  # noqa: E402
from tests.api.servers import kb_server  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
UNIT = "top-up"
#: Each server's name and the settings that make it so.
SERVERS = {
    "notify, poll 30 s": {"KB_RELEASE_POLL_SECONDS": "30", "KB_RELEASE_NOTIFY": "true"},
    "poll 30 s": {"KB_RELEASE_POLL_SECONDS": "30", "KB_RELEASE_NOTIFY": "false"},
    "poll 0.25 s": {"KB_RELEASE_POLL_SECONDS": "0.25", "KB_RELEASE_NOTIFY": "false"},
}


def publish(kb: KnowledgeBase, edition: int) -> int:
    """Save a new edition of the unit and publish it; the release number."""
    unit = UnitDocument(
        id=UNIT,
        locale="en",
        title=f"Topping up, edition {edition}",
        body=f"Edition {edition}: dial *111# or use the app.",
        questions=("how do I top up my account",),
    )
    kb.save_unit(unit, author="bench")
    release = kb.publish(author="bench").release
    assert release is not None
    return release


def switch_times(clients: dict[str, httpx.Client], release: int, budget: float) -> dict[str, float]:
    """Seconds from now until each server serves `release` (inf past `budget`)."""
    start, waited = time.monotonic(), {}
    while len(waited) < len(clients) and time.monotonic() - start < budget:
        for name, client in clients.items():
            if name not in waited:
                response = client.get(f"/api/v1/units/{UNIT}", params={"channel": "web"})
                if int(response.headers["X-KB-Version"]) == release:
                    waited[name] = time.monotonic() - start
        time.sleep(0.01)
    return {name: waited.get(name, float("inf")) for name in clients}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("KB_TEST_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--budget", type=float, default=40.0, help="seconds a round may take")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = stack.enter_context(fresh_schema(args.database_url))
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kb-notify-")))
        kb = stack.enter_context(
            KnowledgeBase.open(Settings(data_dir=root / "publisher", database_url=url))
        )
        publish(kb, 1)
        clients = {}
        for n, (name, env) in enumerate(SERVERS.items()):
            env = {**env, "KB_DATABASE_URL": url, "KB_DATA_DIR": str(root / f"server{n}")}
            base = stack.enter_context(kb_server(env, log=root / f"server{n}.log"))
            clients[name] = stack.enter_context(httpx.Client(base_url=base, timeout=10))
        times: dict[str, list[float]] = {name: [] for name in clients}
        for edition in range(2, args.rounds + 2):
            release = publish(kb, edition)
            for name, seconds in switch_times(clients, release, args.budget).items():
                times[name].append(seconds)
            row = "  ".join(f"{name}: {t[-1]:.3f} s" for name, t in times.items())
            print(f"release {release}: {row}", flush=True)

    cells = [["server", "switches", "median_ms", "max_ms", "over_1_s"]]
    for name, waited in times.items():
        cells.append(
            [
                name,
                str(len(waited)),
                f"{statistics.median(waited) * 1000:.0f}",
                f"{max(waited) * 1000:.0f}",
                str(sum(t > 1.0 for t in waited)),
            ]
        )
    print(f"\nafter {args.rounds} publishes, from the publish returning to each switch:")
    print(render_table(cells))


if __name__ == "__main__":
    main()
