"""The domain's exception tree: callers catch these, the API maps them to HTTP statuses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "InvalidContent",
    "KBError",
    "NotFound",
    "Problem",
    "ReleaseNotFound",
    "RevisionNotFound",
    "SnippetNotFound",
    "UnitNotFound",
    "VersionConflict",
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


class KBError(Exception):
    """Base of every error the knowledge base raises on purpose."""


class ConfigError(KBError):
    """The service is configured in a way it cannot work with."""


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
