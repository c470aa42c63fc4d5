"""A full or read-only disk for tests, injected at the OS boundary: `os.mkdir` under one folder
raises what the kernel raises then (ENOSPC, EROFS). Every release's index is built in a new
folder first, so this is the first write a build makes. chmod would not stop root, and a
tiny tmpfs needs privileges CI may not have."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["DiskFault"]


class DiskFault:
    """Makes creating a directory under one folder fail as a full or read-only disk does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._real_mkdir = os.mkdir

    def refuse(self, folder: Path, code: int) -> None:
        """From now on `os.mkdir` under `folder` raises OSError(`code`), as the kernel would."""
        real_mkdir = self._real_mkdir

        def mkdir(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
            if Path(path).is_relative_to(folder):
                raise OSError(code, os.strerror(code), str(path))
            real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

        self._monkeypatch.setattr(os, "mkdir", mkdir)

    def clear(self) -> None:
        """The disk has room again."""
        self._monkeypatch.undo()
