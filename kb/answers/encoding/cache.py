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
from kb.answers.encoding.cache_file import KEY_BYTES, read_keys, read_rows, write_appended
from kb.answers.encoding.key_rows import KeyRows
from kb.progress import listening, step

__all__ = ["EmbeddingCache", "stderr_progress", "text_key"]

_KEY_BYTES = KEY_BYTES
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Texts encoded per call: bounds the encoder's working memory on a first publish.
_BATCH = 256
#: New vectors written to the file at a time (64 MB at 512 dimensions; a multiple of _BATCH,
#: so the batches, and so the vectors, are those of one run): an interrupted first publish
#: keeps what it encoded, and memory holds one part.
_WRITE_ROWS = 65_536


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
    """The vectors `encoder` made for texts seen before, and a way to get the rest.

    Only the keys of the file are held (16 bytes a text); vectors are read from it, the rows
    asked for, as they are asked for. Vectors this process encodes are held until written."""

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
        self._stored = KeyRows()  # key -> row of the file
        self._keys = np.zeros((0, _KEY_BYTES), dtype=np.uint8)  # the file's, in row order
        self._held: dict[bytes, int] = {}  # key -> row of `_vectors`: not in the file yet
        self._vectors = np.zeros((0, encoder.dimensions), dtype=np.float16)
        self.encoded = 0  # texts this cache had to encode (the work a warm cache saves)
        self._read()

    @classmethod
    def transient(cls, encoder: Encoder) -> EmbeddingCache:
        """A cache in memory only: for one training run, nothing kept."""
        return cls(None, encoder)

    def __len__(self) -> int:
        return len(self._stored) + len(self._held)

    def vectors(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """float16 vectors of `texts`, encoding (and saving) only those not cached yet.

        `progress(done, total)` is called after each batch of new texts is encoded.
        """
        return self.read(self.ensure(texts, progress))

    @property
    def width(self) -> int:
        """The length of each vector."""
        return self.encoder.dimensions

    def read(self, keys: Sequence[bytes]) -> np.ndarray:
        """float16 vectors of texts by their keys, from `ensure` (each one cached)."""
        with self._lock:
            return self._gather(list(keys))

    def ensure(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> list[bytes]:
        """Encode (and save) the `texts` not cached yet, returning nothing of the others: their
        keys, in order. Reading the vectors later a part at a time bounds the memory taken."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            unique = list(dict.fromkeys(keys))
            missing = [
                k
                for k, row in zip(unique, self._stored.find(unique), strict=True)
                if row < 0 and k not in self._held
            ]
            if missing:  # another process (a publish's training child) may have encoded them
                self._read()
                rows = self._stored.find(missing)
                missing = [k for k, row in zip(missing, rows, strict=True) if row < 0]
            if missing:
                self._add(missing, dict(zip(keys, texts, strict=True)), progress or self.progress)
        return keys

    def _gather(self, keys: list[bytes]) -> np.ndarray:
        """The vectors of `keys` (each held or in the file)."""
        out = np.empty((len(keys), self.encoder.dimensions), dtype=np.float16)
        found = self._stored.find(keys)
        held = [(i, self._held[keys[i]]) for i in np.flatnonzero(found < 0).tolist()]
        if held:
            at, rows = np.array(held, dtype=np.int64).T
            out[at] = self._vectors[rows]
        if (found >= 0).any():
            at = np.flatnonzero(found >= 0)
            rows = found[at]
            assert self.path is not None
            order = np.argsort(rows, kind="stable")  # the file in order: each page read once
            out[at[order]] = read_rows(self.path, rows[order])
        return out

    def _add(
        self,
        missing: list[bytes],
        by_key: dict[bytes, str],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Encode the texts of `missing`, written to the file `_WRITE_ROWS` at a time (all
        held, without a file): a first publish of 40,000 units held 437 MB of new vectors."""
        chunk = len(missing) if self.path is None else _WRITE_ROWS
        for first in range(0, len(missing), chunk):
            keys = missing[first : first + chunk]
            base = len(self._vectors)
            grown = np.empty((base + len(keys), self.encoder.dimensions), dtype=np.float16)
            grown[:base] = self._vectors
            for start in range(0, len(keys), _BATCH):
                batch = [by_key[k] for k in keys[start : start + _BATCH]]
                grown[base + start : base + start + len(batch)] = self.encoder.encode(batch)
                if progress is not None and len(missing) > _BATCH:
                    progress(min(first + start + _BATCH, len(missing)), len(missing))
            self._vectors = grown
            self._held.update((k, base + i) for i, k in enumerate(keys))
            self.encoded += len(keys)
            self._write()

    def _read(self) -> None:
        """Take in the keys of the file: those another process wrote since this cache last
        read it too (a publish and its training child each add texts to the same file)."""
        keys = None if self.path is None or not self.path.exists() else self._file_keys()
        if keys is None or len(keys) <= len(self._keys):
            return
        self._stored.extend(keys[len(self._keys) :], first_row=len(self._keys))
        self._keys = keys
        held = list(self._held)
        for key, row in zip(held, self._stored.find(held), strict=True):
            if row >= 0:
                del self._held[key]  # kept in memory until written; the file has it now

    def _file_keys(self) -> np.ndarray | None:
        """The file's keys, or None when it is missing, damaged, another model's, or not an
        extension of the file this cache read (then its rows would mean other texts)."""
        assert self.path is not None
        keys = read_keys(self.path, self.encoder.dimensions)
        if keys is None or len(keys) < len(self._keys):
            return None
        if not np.array_equal(keys[: len(self._keys)], self._keys):
            return None
        return keys

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.with_name(f".{self.path.name}.lock")):
            self._read()
            found = self._file_keys() if self.path.exists() else None
            base = self.path if found is not None and len(found) else None
            if base is None and self._stored:  # the file is gone or damaged: begin anew
                self._stored, self._keys = KeyRows(), np.zeros((0, _KEY_BYTES), dtype=np.uint8)
            held = list(self._held)
            found = self._stored.find(held)
            adding = [k for k, row in zip(held, found, strict=True) if row < 0]
            if not adding:  # another process wrote them all meanwhile
                self._held = {}
                self._vectors = np.zeros((0, self.encoder.dimensions), dtype=np.float16)
                return
            rows = np.array([self._held[k] for k in adding], dtype=np.int64)
            new_keys = np.frombuffer(b"".join(adding), dtype=np.uint8).reshape(-1, _KEY_BYTES)
            keys = np.concatenate([self._keys, new_keys])
            tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.npz")
            try:
                write_appended(tmp, base, keys, self._vectors, rows, self.encoder.dimensions)
                tmp.replace(self.path)
            finally:
                tmp.unlink(missing_ok=True)
            self._stored.extend(new_keys, first_row=len(self._keys))
            self._keys = keys
            self._held = {}
            self._vectors = np.zeros((0, self.encoder.dimensions), dtype=np.float16)


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
