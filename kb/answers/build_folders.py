"""The folders a release's index lives in: named ones, hidden ones it is built in, and clearing
what a killed build or prune left behind.

A build works in a hidden sibling `.release-N-<kind>.<token>` and renames it into place when
complete. While it builds, it holds an exclusive lock (flock) on `<that name>.lock` beside it,
taken before the folder exists and released by the system when the building process ends, however
it ends; so any process may delete a hidden folder whose lock it can take: nobody builds in it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "READY",
    "clear_unfinished",
    "newest_complete",
    "prune_releases",
    "retire",
    "staging_folder",
]

#: A complete build holds this file (its release number in it).
READY = "READY"
_RELEASE = re.compile(r"release-(\d+)-(.+)")
#: Where a build works: `.release-N-<kind>.<8 hex>`.
_STAGING = re.compile(r"\.release-\d+-.+\.[0-9a-f]{8}")
#: A folder being deleted: `.release-N-<kind>.old-<8 hex>` (renamed first, then removed).
_RETIRED = re.compile(r"\.release-\d+-.+\.old-[0-9a-f]{8}")
_LOCK = ".lock"


@contextlib.contextmanager
def staging_folder(directory: Path) -> Iterator[Path]:
    """A new hidden sibling of `directory` to build in, owned by this process until the block
    ends (then it is gone: renamed into place by the block, or deleted)."""
    staging = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}")
    lock = staging.with_name(staging.name + _LOCK)
    with _locked(lock, wait=True):  # before the folder exists, so it is never unowned
        try:
            staging.mkdir()
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def clear_unfinished(root: Path) -> list[str]:
    """Delete the hidden folders under `root` that no running build owns: those a killed build
    or an interrupted prune left. Returns their names. What cannot be deleted (a read-only
    folder) stays: it costs disk space, and serving what is there matters more."""
    try:
        entries = sorted(root.iterdir())
    except OSError:  # no index folder yet, or one this process cannot read
        return []
    cleared = []
    for entry in entries:
        with contextlib.suppress(OSError):
            if _clear(entry):
                cleared.append(entry.name)
    return cleared


def _clear(entry: Path) -> bool:
    """Delete `entry` if it is a leftover nobody owns; whether it was one."""
    name = entry.name
    if _RETIRED.fullmatch(name):  # its deleter may still be at it: deleting twice is fine
        shutil.rmtree(entry, ignore_errors=True)
        return True
    if _STAGING.fullmatch(name) and entry.is_dir():
        with _locked(entry.with_name(name + _LOCK), wait=False) as free:
            if free:
                shutil.rmtree(entry, ignore_errors=True)
            return free
    if _is_lock_alone(entry):
        with _locked(entry, wait=False):
            pass  # a build killed before its folder existed: the lock goes if free
    return False


def _is_lock_alone(entry: Path) -> bool:
    """Whether `entry` is a build's lock file with no folder beside it."""
    folder = entry.name.removesuffix(_LOCK)
    named = folder != entry.name and _STAGING.fullmatch(folder) is not None
    return named and not entry.with_name(folder).exists()


def prune_releases(root: Path, kind: str, *, older_than: int) -> None:
    """Delete the index folders of releases before `older_than` (derived data, rebuilt from the
    database when needed). Open files stay readable to their readers after deletion."""
    for folder in root.iterdir():
        match = _RELEASE.fullmatch(folder.name)
        if match and match[2] == kind and int(match[1]) < older_than:
            retire(folder)


def retire(folder: Path) -> None:
    """Rename `folder` out of the way, then delete it (another process deleting it: theirs)."""
    retired = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
    with contextlib.suppress(OSError):
        folder.rename(retired)
        shutil.rmtree(retired, ignore_errors=True)


def newest_complete(root: Path, kind: str, *, up_to: int) -> Path | None:
    """The folder of the newest release up to `up_to` whose build of `kind` is complete."""
    found: dict[int, Path] = {}
    if root.is_dir():
        for folder in root.iterdir():
            match = _RELEASE.fullmatch(folder.name)
            if match and match[2] == kind and int(match[1]) <= up_to:
                found[int(match[1])] = folder
    for number in sorted(found, reverse=True):
        if (found[number] / READY).exists():
            return found[number]
    return None


@contextlib.contextmanager
def _locked(path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold an exclusive lock on the file `path` (created if missing) for the block, and remove
    the file at its end, still holding it: its last use. Without `wait` the block gets False at
    once if another process holds it. Without POSIX locks nobody else's lock is ever free."""
    if fcntl is None:
        yield wait
        return
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        if _is_at(fd, path):
            break
        os.close(fd)  # removed by its last holder while this one waited: lock what is there now
        if not wait:
            yield False
            return
    try:
        yield True
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _is_at(fd: int, path: Path) -> bool:
    """Whether the open file `fd` is still the file at `path`."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False
