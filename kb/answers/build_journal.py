"""Who built which release, when and how long it took: one line a build in `index/builds.log`.

Every process serving a data folder loads each new release, and on one machine only one of
them should build it (the publisher; the others wait for its folder and open it). The journal
says who did, so an operator (and a test) can see one build per release, how long builds
take, and when a server built a release another machine published. It keeps the newest
`KEEP` lines; it is written only by the holder of the build lock (kb.answers.current).
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["JOURNAL", "KEEP", "Build", "builds", "record_build"]

JOURNAL = "builds.log"
#: Lines kept: a release a line, so years of publishing at a few releases a day.
KEEP = 2000


@dataclass(frozen=True)
class Build:
    """One finished build: when it ended, of which release folder, by which process, how long."""

    ended: str
    folder: str
    host: str
    pid: int
    seconds: float

    def line(self) -> str:
        """The journal line: space-separated key=value pairs, readable and parseable."""
        return (
            f"{self.ended} folder={self.folder} host={self.host} pid={self.pid} "
            f"seconds={self.seconds:.2f}"
        )

    @classmethod
    def parse(cls, line: str) -> Build | None:
        """The build a journal line records; None for a line that is not one (cut short)."""
        ended, _, rest = line.strip().partition(" ")
        fields = dict(part.partition("=")[::2] for part in rest.split())
        try:
            return cls(
                ended,
                fields["folder"],
                fields["host"],
                int(fields["pid"]),
                float(fields["seconds"]),
            )
        except (KeyError, ValueError):
            return None


def record_build(index_dir: Path, folder: str, seconds: float) -> Build:
    """Append this process's build of `folder` to the journal, keeping its newest lines.
    A journal that cannot be written (disk full, read-only) costs the build nothing."""
    build = Build(
        datetime.now(UTC).isoformat(timespec="seconds"),
        folder,
        socket.gethostname(),
        os.getpid(),
        seconds,
    )
    path = index_dir / JOURNAL
    with contextlib.suppress(OSError):
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        lines = [*lines[-(KEEP - 1) :], build.line()]
        temporary = path.with_name(f".{JOURNAL}.{os.getpid()}")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(path)  # whole or not at all: a reader never sees half a journal
    return build


def builds(index_dir: Path) -> list[Build]:
    """The builds the journal of `index_dir` records, oldest first."""
    try:
        text = (index_dir / JOURNAL).read_text(encoding="utf-8")
    except OSError:
        return []
    return [b for b in map(Build.parse, text.splitlines()) if b is not None]
