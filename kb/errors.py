"""The domain's exception tree: callers catch these, the API maps them to HTTP statuses."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "IndexOutdated",
    "InvalidContent",
    "KBError",
    "NotFound",
    "Problem",
    "ReleaseNotFound",
    "ReleaseNotServed",
    "RevisionNotFound",
    "SnippetNotFound",
    "UnitNotFound",
    "VersionConflict",
    "storage_fault",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, located as precisely as we can: file, line, field."""

    message: str
    source: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.source, self.line) if p is not None)
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}" if where else what

    def to_json(self) -> dict[str, str | int | None]:
        """The problem's parts as JSON, the fields the API's problem documents list."""
        return {
            "message": self.message,
            "source": self.source,
            "line": self.line,
            "field": self.field,
        }


class KBError(Exception):
    """Base of every error the knowledge base raises on purpose."""


class ConfigError(KBError):
    """The service is configured in a way it cannot work with."""


class IndexOutdated(ConfigError):
    """A release's search index was written in an older format or with another analyzer: it
    is derived data, so it is rebuilt from the database."""


class NotFound(KBError):
    """Something asked for by its key does not exist."""


class UnitNotFound(NotFound):
    """No unit with this id and locale (in the release or drafts asked for)."""


class RevisionNotFound(NotFound):
    """No such revision of a unit."""


class SnippetNotFound(NotFound):
    """No snippet with this name and locale."""


class ReleaseNotFound(NotFound):
    """No release with this number, or nothing published yet."""


class VersionConflict(KBError):
    """Someone saved or published in between: the caller's view is out of date, nothing written."""


class InvalidContent(KBError):
    """Input that cannot be stored; `problems` lists every issue found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found:\n{lines}")


class ReleaseNotServed(KBError):
    """A publish or rollback committed its release, but this process could not load it."""

    def __init__(self, release: int, reason: str, *, storage: bool) -> None:
        self.release = release
        self.reason = reason
        self.storage = storage  # the disk is full or read-only: 507 rather than 500
        super().__init__(
            f"release {release} is committed but not served yet: its index could not be built "
            f"here ({reason}); the previous release is served until it is"
        )


#: What a write returns when the storage cannot take it: full, over quota, read-only, or a file
#: over the size limit (RLIMIT_FSIZE).
_STORAGE_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EFBIG: "file too large for the file system or the process's limit",
}
_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_IOERR_WRITE = 13, 8, 778
_SQLITE_CODES = {
    _SQLITE_FULL: "the database's disk is full",
    _SQLITE_READONLY: "the database is read-only",
    _SQLITE_IOERR_WRITE: "the database file could not be written (disk full or over a limit)",
}
_POSTGRES_DISK_FULL = "53100"


def storage_fault(exc: BaseException) -> str | None:
    """What ran out if `exc` (or what caused it) is the storage refusing a write, else None.

    The one place that knows the OS errors (ENOSPC, EDQUOT, EROFS, EFBIG), SQLite's and
    PostgreSQL's ways of saying the same, through SQLAlchemy's wrapping (`orig`)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _STORAGE_ERRNOS:
            return _STORAGE_ERRNOS[current.errno]  # no file name: callers may see it
        code = getattr(current, "sqlite_errorcode", None)  # sqlite3 errors, Python 3.11+
        if isinstance(code, int) and (code in _SQLITE_CODES or code & 0xFF in _SQLITE_CODES):
            return _SQLITE_CODES.get(code) or _SQLITE_CODES[code & 0xFF]
        if getattr(current, "sqlstate", None) == _POSTGRES_DISK_FULL:
            return "the database server's disk is full"
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        todo += [
            current.__cause__,
            None if current.__suppress_context__ else current.__context__,  # `from None`
            orig if isinstance(orig, BaseException) else None,
        ]
    return None
