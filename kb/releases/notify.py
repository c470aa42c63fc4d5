"""LISTEN for the NOTIFY a release commit sends on PostgreSQL, so a follower wakes at once.

One dedicated psycopg connection per following process, in autocommit, outside the pool: it
waits for `kb.store.db.RELEASE_CHANNEL` and does nothing else. A notification only wakes the
follower, which still asks the database for the current release, so a lost or duplicated one
does no harm; several arriving together count as one. Waits are short slices, so a follower
stops promptly. When the connection breaks (the database restarts, a backend is terminated)
`wait` raises and the follower polls fast and reconnects (`kb.releases.following`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.store.db import RELEASE_CHANNEL, Database

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

__all__ = ["APPLICATION_NAME", "ReleaseListener", "release_listener"]

#: Seconds a connection attempt may take: a follower blocked in one cannot stop meanwhile.
CONNECT_TIMEOUT_S = 10
#: How the connection shows in `pg_stat_activity` (unless the URL names an application).
APPLICATION_NAME = "kb-release-listener"


def release_listener(database: Database) -> ReleaseListener | None:
    """A listener for `database` if it delivers NOTIFY (PostgreSQL); None: SQLite, poll only."""
    return ReleaseListener(database) if database.dialect == "postgresql" else None


class ReleaseListener:
    """A connection that LISTENs for new releases of this knowledge base (its schema)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: psycopg.Connection[TupleRow] | None = None
        self._schema = ""

    @property
    def connected(self) -> bool:
        """Whether `open` succeeded and nothing broke since."""
        return self._connection is not None

    def open(self) -> None:
        """Connect and LISTEN; raises the driver's error when the database cannot be reached."""
        import psycopg  # the PostgreSQL extra: only servers on PostgreSQL get here

        self.close()
        engine = self._database.engine
        args, params = engine.dialect.create_connect_args(engine.url)
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        params.setdefault("application_name", APPLICATION_NAME)
        connection = psycopg.connect(*args, **{**params, "autocommit": True})
        try:
            row = connection.execute("SELECT coalesce(current_schema(), '')").fetchone()
            self._schema = str(row[0]) if row else ""
            connection.execute(f'LISTEN "{RELEASE_CHANNEL}"')
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def wait(self, timeout: float) -> bool:
        """Up to `timeout` seconds for a release of this schema; then takes every notification
        already there too (a burst wakes the follower once). Raises when the connection broke,
        after closing it."""
        connection = self._require()
        try:
            for notice in connection.notifies(timeout=timeout):
                if self._ours(notice.payload):
                    break
            else:
                return False
            for _ in connection.notifies(timeout=0):
                pass
            return True
        except BaseException:
            self.close()
            raise

    def check(self) -> None:
        """A round trip on the connection, so one that died silently is found (and closed)."""
        connection = self._require()
        try:
            connection.execute("SELECT 1")
        except BaseException:
            self.close()
            raise

    def backend_pid(self) -> int | None:
        """The server process of the connection (to find it in pg_stat_activity), if open."""
        return self._connection.info.backend_pid if self._connection is not None else None

    def close(self) -> None:
        """Close the connection, if open; the server forgets its LISTEN with it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _require(self) -> psycopg.Connection[TupleRow]:
        if self._connection is None:
            raise RuntimeError("the release listener is not connected: call open() first")
        return self._connection

    def _ours(self, payload: str) -> bool:
        """`12 public`: release 12 in schema public; a payload of another form wakes too."""
        number, _, schema = payload.partition(" ")
        return not number.isdigit() or schema == self._schema
