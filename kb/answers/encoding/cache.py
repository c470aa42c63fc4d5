"""Vectors of example questions, computed once per (encoder, version, text) and kept on disk.

A publish encodes only the texts no earlier build encoded: the cache is one file per encoder
version in the index folder (derived data, like the indexes), holding a 16-byte hash of each
text and its vector as float16 (768 bytes a text at 384 dimensions). A new encoder version
starts a new file, so old vectors are never mixed with new ones. Writes are atomic renames; two
processes writing at once (a publish and its training child) take turns under a file lock, and
each merges what the other wrote before it writes, so neither loses the other's vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

import numpy as np

from kb.answers.encoding.base import Encoder
from kb.progress import listening, step

__all__ = ["EmbeddingCache", "stderr_progress", "text_key"]

_KEY_BYTES = 16
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Texts encoded per call: bounds the encoder's working memory on a first publish.
_BATCH = 256


def stderr_progress(done: int, total: int) -> None:
    """Progress of a long encoding: a step for whoever listens (the CLI's bars), else one line
    rewritten in place on standard error (a build's child process)."""
    if listening():
        step("encoding new texts", done, total)
        return
    end = "\n" if done >= total else ""
    print(f"\rencoding {total:,} new texts: {done:,} done", end=end, file=sys.stderr, flush=True)


def text_key(text: str) -> bytes:
    """The cache key of a text: a 16-byte BLAKE2b digest of its UTF-8 bytes."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=_KEY_BYTES).digest()


class EmbeddingCache:
    """The vectors `encoder` made for texts seen before, and a way to get the rest."""

    def __init__(
        self,
        folder: Path | None,
        encoder: Encoder,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.encoder = encoder
        self.progress = progress  # called while encoding more than a batch, unless overridden
        stem = _UNSAFE.sub("_", f"{encoder.name}-{encoder.version}")
        self.path = None if folder is None else folder / f"embeddings-{stem}.npz"
        self._lock = threading.Lock()
        self._rows: dict[bytes, int] = {}
        self._vectors = np.zeros((0, encoder.dimensions), dtype=np.float16)
        self.encoded = 0  # texts this cache had to encode (the work a warm cache saves)
        self._read()

    @classmethod
    def transient(cls, encoder: Encoder) -> EmbeddingCache:
        """A cache in memory only: for one training run, nothing kept."""
        return cls(None, encoder)

    def __len__(self) -> int:
        return len(self._rows)

    def vectors(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """float16 vectors of `texts`, encoding (and saving) only those not cached yet.

        `progress(done, total)` is called after each batch of new texts is encoded.
        """
        keys = [text_key(t) for t in texts]
        progress = progress or self.progress
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._rows))
            if missing:  # another process (a publish's training child) may have encoded them
                self._merge_from_disk()
                missing = [k for k in missing if k not in self._rows]
            if missing:
                self._add(missing, dict(zip(keys, texts, strict=True)), progress)
            rows = np.fromiter((self._rows[k] for k in keys), dtype=np.int64, count=len(keys))
            return self._vectors[rows]

    def _add(
        self,
        missing: list[bytes],
        by_key: dict[bytes, str],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        parts = []
        for start in range(0, len(missing), _BATCH):
            batch = [by_key[k] for k in missing[start : start + _BATCH]]
            parts.append(self.encoder.encode(batch).astype(np.float16))
            if progress is not None and len(missing) > _BATCH:
                progress(min(start + _BATCH, len(missing)), len(missing))
        base = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, *parts])
        self._rows.update((k, base + i) for i, k in enumerate(missing))
        self.encoded += len(missing)
        self._write()

    def _read(self) -> None:
        found = self._load()
        if found is not None:
            self._vectors, self._rows = found

    def _load(self) -> tuple[np.ndarray, dict[bytes, int]] | None:
        """The vectors and rows in the file, or None when it is missing, damaged or another
        model's (a damaged cache is rebuilt, never trusted)."""
        if self.path is None or not self.path.exists():
            return None
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, EOFError):
            return None
        if vectors.ndim != 2 or vectors.shape[1] != self.encoder.dimensions:
            return None
        if keys.shape != (len(vectors), _KEY_BYTES):
            return None
        return vectors.astype(np.float16, copy=False), {bytes(k): i for i, k in enumerate(keys)}

    def _merge_from_disk(self) -> None:
        """Take in the vectors another process wrote since this cache was read, so that a write
        keeps them (a publish and its training child each add texts to the same file)."""
        found = self._load()
        if found is None:
            return
        vectors, rows = found
        theirs = [(key, row) for key, row in rows.items() if key not in self._rows]
        if not theirs:
            return
        base = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, vectors[[row for _, row in theirs]]])
        self._rows.update((key, base + i) for i, (key, _) in enumerate(theirs))

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.with_name(f".{self.path.name}.lock")):
            self._merge_from_disk()
            keys = np.zeros((len(self._rows), _KEY_BYTES), dtype=np.uint8)
            for key, row in self._rows.items():
                keys[row] = np.frombuffer(key, dtype=np.uint8)
            tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.npz")
            try:
                np.savez(tmp, keys=keys, vectors=self._vectors)
                tmp.replace(self.path)
            finally:
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on `path` (POSIX advisory lock; elsewhere none, and
    the merge before each write still keeps most of what another process added)."""
    if fcntl is None:
        yield
        return
    with path.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
