"""Engines, transactions and migrations for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from kb.errors import ConfigError, VersionConflict

__all__ = ["RELEASE_CHANNEL", "Database", "announce_release", "race_is_conflict"]

_MIGRATIONS = Path(__file__).with_name("migrations")
#: Key of the PostgreSQL advisory lock that serialises publishing and migrations.
_WRITE_LOCK_KEY = 0x6B62  # "kb"
#: The PostgreSQL channel a new current release is announced on (kb.releases.notify listens).
RELEASE_CHANNEL = "kb_release"


class Database:
    """One database connection pool with the two kinds of transaction the store needs."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, echo=echo, **_engine_options(url))
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"the driver for {url.split(':', 1)[0]} is not installed ({exc.name}); "
                "for PostgreSQL install the extra: pip install 'kb[postgres]'"
            ) from exc
        if self.dialect == "sqlite":
            _make_sqlite_transactional(self.engine)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def read(self, *, consistent: bool = False) -> Iterator[Session]:
        """A session for reading committed data; releases are immutable, so reads never tear.

        `consistent`: every query sees the database as the first one did, for reading drafts
        that may change meanwhile (SQLite's read transactions do; PostgreSQL's need it asked).
        """
        with Session(self.engine, expire_on_commit=False) as session:
            if consistent and self.dialect == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    @contextmanager
    def write(self, *, exclusive: bool = False) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error.

        `exclusive` serialises it against every other exclusive writer (publish, rollback,
        migrations), in this process or another, so release numbers never collide.
        """
        engine = self.engine.execution_options(kb_write=True)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            if exclusive and self.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY})
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration; safe when several processes start at once."""
        config = _config()
        engine = self.engine.execution_options(kb_write=True)
        try:
            with engine.connect() as connection, connection.begin():
                if self.dialect == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK_KEY}
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise ConfigError(f"cannot reach the database at {self.safe_url}: {exc.orig}") from exc

    def schema_is_current(self) -> bool:
        """True when the database is at the newest migration (for readiness checks)."""
        script = ScriptDirectory.from_config(_config())
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        return set(current) == set(script.get_heads())

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True}


def _make_sqlite_transactional(engine: Engine) -> None:
    """Let SQLite do real transactions: WAL for concurrent readers, BEGIN IMMEDIATE for writers.

    pysqlite opens transactions lazily and never for reads; we switch that off and issue BEGIN
    ourselves, so a reader gets a snapshot and two writers queue instead of failing mid-way.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("kb_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


#: Seconds a connection keeps trying to switch a new database to WAL, as long as the busy timeout.
_WAL_SWITCH_SECONDS = 30.0


def _use_wal(cursor: Any) -> None:
    """Switch the database to WAL (a no-op once it is). On a new database the switch needs a
    lock that another process or thread opening it at the same moment may hold, and SQLite
    refuses at once instead of waiting (no busy handler): try again until it is free."""
    deadline = time.monotonic() + _WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def announce_release(session: Session, number: int) -> None:
    """On PostgreSQL, NOTIFY the following servers that release `number` is now current.

    Sent inside the transaction that writes the release, so it is delivered when (and only if)
    that commits. The payload is the number and the schema (`12 public`): servers of another
    knowledge base in another schema of the same database are not woken by it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT pg_notify(:channel, :number || ' ' || coalesce(current_schema(), ''))"),
        {"channel": RELEASE_CHANNEL, "number": str(number)},
    )


@contextmanager
def race_is_conflict(what: str) -> Iterator[None]:
    """Two writers racing for the same revision number: the loser gets a VersionConflict."""
    try:
        yield
    except IntegrityError as exc:
        raise VersionConflict(
            f"{what} was saved by someone else at the same moment; reload and retry"
        ) from exc
