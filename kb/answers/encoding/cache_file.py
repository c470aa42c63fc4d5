"""The embedding cache's file: keys and float16 vectors, read a few rows at a time, appended to.

The file is an uncompressed `.npz` (what `np.savez` writes: `keys.npy`, `vectors.npy`), so the
vectors member lies in the file as it would in memory and is read by memory-mapping it: a
process takes the rows it asks for, never the whole file (400 MB at 40,000 units of eleven
examples each: a publish loaded all of it into the publishing process and again into its
training child, issue 22). A new version of the file is the old one's rows, copied by plain
reads, then the new rows: the rows of a version stay the first rows of every later one.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from kb.answers.spill import read_runs

__all__ = ["KEY_BYTES", "mapped_vectors", "read_keys", "read_rows", "write_appended"]

KEY_BYTES = 16
_COPY_BYTES = 1 << 22


def read_keys(path: Path, dimensions: int) -> np.ndarray | None:
    """The (rows, 16) keys of the file, or None when it is missing, damaged or of another
    length of vector (a damaged cache is rebuilt, never trusted)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = data["keys"]
        vectors = mapped_vectors(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if vectors.ndim != 2 or vectors.shape[1] != dimensions or vectors.dtype != np.float16:
        return None
    if keys.shape != (len(vectors), KEY_BYTES) or keys.dtype != np.uint8:
        return None
    return keys


def _member_start(path: Path, name: str) -> int:
    """Where the stored (uncompressed) member `name` of the zip file starts."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{path}: {name} is compressed")
    with path.open("rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)  # the local file header: name and extra lengths at 26 and 28
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise ValueError(f"{path}: no local header for {name}")
    return (
        info.header_offset
        + 30
        + int.from_bytes(local[26:28], "little")
        + int.from_bytes(local[28:30], "little")
    )


def _array_start(path: Path, name: str) -> tuple[int, tuple[int, ...], np.dtype]:
    """Offset of the data of the `.npy` member `name`, its shape and type."""
    start = _member_start(path, name)
    with path.open("rb") as handle:
        handle.seek(start)
        version = np.lib.format.read_magic(handle)
        read = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read(handle)
        if fortran:
            raise ValueError(f"{path}: {name} is not in C order")
        return handle.tell(), shape, dtype


def mapped_vectors(path: Path) -> np.ndarray:
    """The vectors of the file as a read-only memory map (pages are read as rows are used)."""
    offset, shape, dtype = _array_start(path, "vectors.npy")
    if not shape or 0 in shape:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def read_rows(path: Path, rows: np.ndarray) -> np.ndarray:
    """The file's vectors of `rows` (ascending), read with os.preadv straight into the result,
    runs of adjacent rows at once: read through a mapping, the pages stay resident until it is
    unmapped (and a fault maps the whole large folio around it), as much again as the rows."""
    offset, shape, dtype = _array_start(path, "vectors.npy")
    out = np.empty((len(rows), shape[1]), dtype=dtype)
    fd = os.open(path, os.O_RDONLY)
    try:
        read_runs(fd, offset, shape[1] * dtype.itemsize, rows, np.asarray(rows) + 1, out)
    finally:
        os.close(fd)
    return out


def write_appended(
    target: Path,
    base: Path | None,
    keys: np.ndarray,
    vectors: np.ndarray,
    rows: np.ndarray,
    dimensions: int,
) -> None:
    """Write to `target` the rows of the file `base` (if any: `keys` starts with its keys),
    then `vectors[rows]`, the rows of the rest of `keys`; both a block at a time: `base`'s
    by plain reads, `vectors`' picked per block (a copy of every new row at once was 437 MB
    beside the rows themselves in a first publish of 40,000 units, issue 22)."""
    copied = len(keys) - len(rows)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        with archive.open("keys.npy", "w", force_zip64=True) as out:
            np.lib.format.write_array(out, np.ascontiguousarray(keys, dtype=np.uint8))
        with archive.open("vectors.npy", "w", force_zip64=True) as out:
            header = {"descr": "<f2", "fortran_order": False, "shape": (len(keys), dimensions)}
            np.lib.format.write_array_header_2_0(out, header)
            if copied:
                assert base is not None
                offset, _shape, _dtype = _array_start(base, "vectors.npy")
                with base.open("rb") as source:
                    source.seek(offset)
                    _copy(source, out, copied * dimensions * 2)
            step = max(1, _COPY_BYTES // (dimensions * 2))
            for start in range(0, len(rows), step):
                block = vectors[rows[start : start + step]]
                out.write(np.ascontiguousarray(block, dtype="<f2").data)


def _copy(source, out, size: int) -> None:  # type: ignore[no-untyped-def]
    """`size` bytes from `source` to `out`, a block at a time."""
    left = size
    while left:
        block = source.read(min(left, _COPY_BYTES))
        if not block:
            raise ValueError("the cache file ended early")
        out.write(block)
        left -= len(block)
