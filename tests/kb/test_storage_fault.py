"""One place tells a write the storage refused (full, over quota, read-only, over the file size
limit) from every other failure, however the database driver and SQLAlchemy wrap it."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import psycopg.errors
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from kb.errors import storage_fault


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, "no space left on device"),
        (errno.EDQUOT, "disk quota exceeded"),
        (errno.EROFS, "read-only file system"),
        (errno.EFBIG, "file too large for the file system or the process's limit"),
    ],
)
def test_the_os_refusing_a_write_is_named_even_when_wrapped(code: int, said: str) -> None:
    refused = OSError(code, "refused", "/data/index/release-2/segment")
    try:
        try:
            raise refused
        except OSError as exc:
            raise RuntimeError("the build failed") from exc
    except RuntimeError as wrapped:
        assert storage_fault(refused) == said  # and no file name: callers may see it
        assert storage_fault(wrapped) == said


def test_a_full_sqlite_database_is_named_through_sqlalchemy(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'small.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
    with pytest.raises(OperationalError) as raised, engine.begin() as connection:
        connection.execute(text("PRAGMA max_page_count = 1"))  # the file may not grow
        connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "secret text " * 10_000})

    assert isinstance(raised.value.orig, sqlite3.OperationalError)
    assert storage_fault(raised.value) == "the database's disk is full"


def test_a_postgresql_server_out_of_disk_is_named() -> None:
    assert storage_fault(psycopg.errors.DiskFull("could not extend file")) == (
        "the database server's disk is full"
    )


def test_other_failures_are_not_the_storage() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "full")
        except OSError:
            raise KeyError("handled, and said so") from None
    except KeyError as replaced:
        assert storage_fault(replaced) is None  # `from None`: the full disk was dealt with
    assert storage_fault(OSError(errno.ENOENT, "no such file")) is None
    assert storage_fault(ValueError("bad")) is None
