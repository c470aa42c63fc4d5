"""Replicas on PostgreSQL behind Debian's haproxy, as the README's deployment runs them: a publish
through one replica reaches all of them and the proxy, a replica killed under load costs no
client request the proxy can retry (it sends it to another), and a replica started later catches
up.

Real processes on 127.0.0.1 (tests/deploy/cluster.py; benchmarks/cluster.py measures the same
with three replicas). Replicas match on words alone (`KB_ENCODER=none`): the topology is what is
tested, and loading the encoder in each would cost minutes. Every wait has a deadline and the
load a request budget; nothing is asserted on seconds.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.deploy.cluster import (
    Load,
    Proxy,
    fresh_database,
    prepare,
    publish_edit,
    replicas,
    serving_release,
    wait_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.requires_tool("haproxy"),
    pytest.mark.skipif(not PG_URL, reason="KB_TEST_DATABASE_URL is not set"),
]

SERVING = ("a", "b")
LATE = "late"
CLIENTS = 2
#: Requests the load makes after the kill, through the proxy, before it stops.
AFTER_KILL = 300
#: The most requests one client sends: the load stops by itself if a step never ends.
REQUEST_BUDGET = 50_000
#: Generous: replicas start and switch on a machine that may be busy with other tests.
DEADLINE_S = 120.0


def test_replicas_behind_haproxy_follow_a_publish_and_lose_no_request_to_a_killed_one(
    tmp_path: Path,
) -> None:
    assert PG_URL
    with ExitStack() as stack:
        env = {
            "KB_DATABASE_URL": stack.enter_context(fresh_database(PG_URL)),
            "KB_ENCODER": "none",
            "KB_AUTHOR": "tester",
        }
        secret = prepare({**env, "KB_DATA_DIR": str(tmp_path / "cli")})
        nodes = replicas(stack, [*SERVING, LATE], env, tmp_path)
        for name in SERVING:
            nodes[name].start()
        for name in SERVING:
            nodes[name].wait_ready(1, DEADLINE_S)
        proxy = stack.enter_context(
            Proxy(tmp_path, {name: node.port for name, node in nodes.items()}).running()
        )
        wait_for(
            "haproxy: a and b up, the late replica down",
            lambda: [proxy.status(n) for n in (*SERVING, LATE)] == ["UP", "UP", "DOWN"],
            DEADLINE_S,
        )
        load = stack.enter_context(
            Load(proxy.port, clients=CLIENTS, max_requests=REQUEST_BUDGET).running()
        )
        wait_for("the load under way", lambda: load.count() >= 50, DEADLINE_S)

        release, _, _ = publish_edit(nodes["a"].port, secret, "Published through a.")
        assert release == 2
        switched = wait_for(
            "a and b serving release 2",
            lambda: all(serving_release(nodes[n].port) == release for n in SERVING),
            DEADLINE_S,
        )

        killed_at, killed = load.count(), time.monotonic()
        nodes["b"].kill()
        wait_for("haproxy marking b down", lambda: proxy.status("b") == "DOWN", DEADLINE_S)
        nodes[LATE].start()
        nodes[LATE].wait_ready(release, DEADLINE_S)
        late_release = serving_release(nodes[LATE].port)
        wait_for(
            "haproxy sending requests to the late replica",
            lambda: int(proxy.stats()[LATE]["stot"]) > 0,
            DEADLINE_S,
        )
        wait_for("more load", lambda: load.count() >= killed_at + AFTER_KILL, DEADLINE_S)
        outcomes = load.stop()
        stats = proxy.stats()

    # The one loss no proxy can retry: a response b had begun to send when it died (the client
    # has its head); at most one per connection the clients hold.
    cut = [o for o in outcomes if o.cut and o.sent < killed]
    assert len(cut) <= CLIENTS, cut
    failed = [o for o in outcomes if o.failed and o not in cut]
    assert not failed, f"{len(failed)} of {len(outcomes)} failed: {failed[:3]}"
    assert len(outcomes) >= killed_at + AFTER_KILL
    # The kill cost requests haproxy had sent to b; it sent them again to another replica.
    assert int(stats["BACKEND"]["wretr"]) + int(stats["BACKEND"]["wredis"]) > 0
    assert late_release == release
    assert stats[LATE]["status"].startswith("UP")
    later = {o.release for o in outcomes if o.sent > switched and o not in cut}
    assert later == {release}, "through the proxy, only the new release once both serve it"
