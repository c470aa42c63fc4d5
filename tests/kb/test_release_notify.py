"""On PostgreSQL a release commit sends NOTIFY and following servers LISTEN: a publish or a
rollback reaches a server that polls only every 30 s at once; when its LISTEN connection
breaks it polls fast, says so once, and listens again once it can. Without NOTIFY (the setting
off, or SQLite) polling still switches it."""

from __future__ import annotations

import logging
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from kb import KnowledgeBase
from kb.errors import ConfigError
from kb.releases.following import LISTENING_POLL_SECONDS, POLL_SECONDS, ReleaseFollower
from kb.releases.notify import APPLICATION_NAME, ReleaseListener
from kb.settings import Settings
from kb.store.db import announce_release
from tests.conftest import make_unit

#: Polling every 30 s, a server that reaches a release within this many seconds was woken by
#: its NOTIFY; the issue asks for 1 s, this leaves room for a loaded machine.
NOTIFY_BOUND_S = 5.0
SLOW_POLL_S = 30.0
PUBLISHES = 3
#: How long the reconnect may take: the backoff is at most 30 s between tries.
RECONNECT_BUDGET_S = 45.0
LOGGER = "kb.releases.following"


def publish(kb: KnowledgeBase, title: str) -> int:
    kb.save_unit(make_unit("top-up", title=title), author="tester")
    release = kb.publish(author="tester").release
    assert release is not None
    return release


def seconds_until(server: KnowledgeBase, release: int, budget: float) -> float:
    """Seconds until `server` serves `release` (checked every 10 ms), or fails after `budget`."""
    start = time.monotonic()
    while (served := server.services().release) != release:
        assert time.monotonic() - start < budget, f"still serving {served}, not {release}"
        time.sleep(0.01)
    return time.monotonic() - start


def wait_for_log(caplog: pytest.LogCaptureFixture, words: str, budget: float) -> None:
    deadline = time.monotonic() + budget
    while not lines(caplog, words):
        assert time.monotonic() < deadline, f"no log line with {words!r} after {budget} s"
        time.sleep(0.02)


def lines(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and words in r.getMessage()]


def report(label: str, times: list[float]) -> str:
    return (
        f"{label}: {len(times)} switches, median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms"
    )


@pytest.fixture
def on_postgres(kb: KnowledgeBase) -> KnowledgeBase:
    if kb.db.dialect != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; SQLite servers poll (test_release_following.py)")
    return kb


@pytest.fixture
def follower(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., KnowledgeBase]]:
    """Servers on the same database, each with an index folder of its own, following."""
    opened: list[KnowledgeBase] = []

    def open_server(**changes: object) -> KnowledgeBase:
        server_settings = replace(settings, data_dir=tmp_path / f"server{len(opened)}", **changes)
        server = KnowledgeBase.open(server_settings)
        opened.append(server)
        server.follow_releases()
        return server

    yield open_server
    for server in opened:
        server.close()


def test_a_publish_wakes_a_server_polling_every_30_s_at_once(
    on_postgres: KnowledgeBase,
    follower: Callable[..., KnowledgeBase],
    caplog: pytest.LogCaptureFixture,
    record_property: Callable[[str, object], None],
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    publish(on_postgres, "First edition")
    server = follower(release_poll_seconds=SLOW_POLL_S)
    assert server.services().release == 1
    assert lines(caplog, "listening for new releases; polling every 30.00 s besides")

    times = []
    for edition in range(2, 2 + PUBLISHES):
        release = publish(on_postgres, f"Edition {edition}")
        times.append(seconds_until(server, release, NOTIFY_BOUND_S))
    print(report("NOTIFY, polling every 30 s", times))
    record_property("switch_seconds", times)

    stopping = threading.Thread(target=server.stop_following)
    stopping.start()
    stopping.join(NOTIFY_BOUND_S)  # the wait on the connection is short slices
    assert not stopping.is_alive()


def test_a_rollback_wakes_a_server_polling_every_30_s_at_once(
    on_postgres: KnowledgeBase, follower: Callable[..., KnowledgeBase]
) -> None:
    publish(on_postgres, "First edition")
    publish(on_postgres, "Second edition")
    server = follower(release_poll_seconds=SLOW_POLL_S)
    assert server.services().release == 2

    rolled_back = on_postgres.rollback(1, author="tester").release
    assert rolled_back == 3

    seconds_until(server, 3, NOTIFY_BOUND_S)
    assert server.snapshot().units[("top-up", "en")].document.title == "First edition"


def test_the_listener_wakes_for_its_own_schema_only(on_postgres: KnowledgeBase) -> None:
    """Two knowledge bases in two schemas of one database: each server follows its own."""
    listener = ReleaseListener(on_postgres.db)
    listener.open()
    try:
        with on_postgres.db.write() as session:  # what a release of another schema sends
            session.execute(text("SELECT pg_notify('kb_release', '7 some_other_schema')"))
        assert listener.wait(1.0) is False
        with on_postgres.db.write() as session:
            announce_release(session, 7)
            announce_release(session, 8)  # a burst wakes it once
        assert listener.wait(NOTIFY_BOUND_S) is True
        assert listener.wait(0.2) is False
        with on_postgres.db.write() as session:
            announce_release(session, 9)
            session.rollback()  # not committed: never delivered
        assert listener.wait(1.0) is False
    finally:
        listener.close()


@pytest.mark.parametrize("notify", [True, False], ids=["notify-on", "notify-off"])
def test_a_server_without_notify_still_switches_by_polling(
    kb: KnowledgeBase,
    follower: Callable[..., KnowledgeBase],
    caplog: pytest.LogCaptureFixture,
    notify: bool,
) -> None:
    """SQLite (whatever the setting), or PostgreSQL with KB_RELEASE_NOTIFY=false."""
    if notify and kb.db.dialect == "postgresql":
        pytest.skip("PostgreSQL with NOTIFY is the other tests'")
    caplog.set_level(logging.INFO, logger=LOGGER)
    publish(kb, "First edition")
    server = follower(release_notify=notify)
    assert server.services().release == 1

    publish(kb, "Second edition")

    seconds_until(server, 2, NOTIFY_BOUND_S)  # polling every 0.25 s
    assert not lines(caplog, "LISTEN") and not lines(caplog, "listening")


def test_a_server_with_notify_off_is_not_woken_by_one(
    on_postgres: KnowledgeBase, follower: Callable[..., KnowledgeBase]
) -> None:
    publish(on_postgres, "First edition")
    server = follower(release_poll_seconds=SLOW_POLL_S, release_notify=False)

    publish(on_postgres, "Second edition")
    time.sleep(2.0)  # a NOTIFY would have switched it by now (the tests above)

    assert server.services().release == 1  # its next poll is 30 s after it started


@pytest.fixture
def own_role(on_postgres: KnowledgeBase, database_url: str) -> Iterator[tuple[str, str]]:
    """A login role of its own for the server (so the test can refuse it new connections),
    and the database URL with that role; dropped afterwards."""
    role = f"kbtest_{uuid.uuid4().hex[:12]}"
    url = make_url(database_url)
    admin = create_engine(url.set(query={}), isolation_level="AUTOCOMMIT")
    schema = str(url.query["options"]).removeprefix("-csearch_path=")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT ALL ON SCHEMA {schema} TO {role}"))
        conn.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}"))
    try:
        yield role, url.set(username=role).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"ALTER ROLE {role} LOGIN"))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def test_a_broken_listen_connection_falls_back_to_polling_then_listens_again(
    on_postgres: KnowledgeBase,
    follower: Callable[..., KnowledgeBase],
    own_role: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    role, url = own_role
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    publish(on_postgres, "First edition")
    server = follower(database_url=url)  # polls every 30 s while it listens, 0.25 s if not
    assert server.services().release == 1
    assert lines(caplog, "listening for new releases; polling every 30.00 s besides")

    with on_postgres.db.write() as session:  # as after a database restart, while it is down
        session.execute(text(f"ALTER ROLE {role} NOLOGIN"))
        killed = session.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE usename = :role AND application_name = :name"
            ),
            {"role": role, "name": APPLICATION_NAME},
        ).scalar_one()
    assert killed == 1
    wait_for_log(caplog, "LISTEN connection for new releases broke", NOTIFY_BOUND_S)

    publish(on_postgres, "Second edition")
    seconds_until(server, 2, NOTIFY_BOUND_S)  # by polling: nothing listens
    assert lines(caplog, "cannot LISTEN")  # it did try to reconnect
    assert not lines(caplog, "listening for new releases again")

    with on_postgres.db.write() as session:
        session.execute(text(f"ALTER ROLE {role} LOGIN"))
    wait_for_log(caplog, "listening for new releases again", RECONNECT_BUDGET_S)
    publish(on_postgres, "Third edition")
    seconds_until(server, 3, NOTIFY_BOUND_S)  # its next poll is 30 s away: the NOTIFY did it

    warnings = [r.getMessage() for r in lines(caplog, "") if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings  # one line per change of state, not one per try
    assert "broke" in warnings[0] and "again" in warnings[1]


def test_polling_intervals_with_and_without_a_set_value() -> None:
    defaults = ReleaseFollower(lambda: None, None)
    chosen = ReleaseFollower(lambda: None, 5.0)

    assert (defaults.interval, defaults.listening_interval) == (0.25, 30.0)
    assert (POLL_SECONDS, LISTENING_POLL_SECONDS) == (0.25, 30.0)
    assert (chosen.interval, chosen.listening_interval) == (5.0, 5.0)


def test_settings_read_the_poll_interval_and_the_notify_switch(tmp_path: Path) -> None:
    base = {"KB_DATA_DIR": str(tmp_path)}
    unset = Settings.from_env(base)
    slow = Settings.from_env({**base, "KB_RELEASE_POLL_SECONDS": "30"})
    off = Settings.from_env({**base, "KB_RELEASE_NOTIFY": "false"})

    assert (unset.release_poll_seconds, unset.release_notify) == (None, True)
    assert (slow.release_poll_seconds, off.release_notify) == (30.0, False)
    with pytest.raises(ConfigError, match="KB_RELEASE_POLL_SECONDS must be a number"):
        Settings.from_env({**base, "KB_RELEASE_POLL_SECONDS": "soon"})
    with pytest.raises(ConfigError, match="KB_RELEASE_NOTIFY must be true or false"):
        Settings.from_env({**base, "KB_RELEASE_NOTIFY": "maybe"})
