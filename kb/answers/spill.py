"""Arrays set aside in a file while a matcher trains on: their pages the disk's, not the process's.

A release's training process finishes its large arrays one after the other (the examples'
sentence vectors, their TF-IDF, the postings) and used to hold every one of them until the
matcher was saved: about 1 GB at 40,000 units, on top of the work still to do (issue 22). Once
an array is final it is written to an unlinked file and replaced by a read-only mapping of that
file, whose pages are read back only if used. Saving then copies those arrays from file to
file in the kernel (`copy_from`), so they never come back into the process's memory: pages read
through a mapping are resident and count in its RSS as much as its own.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

__all__ = [
    "HeldArray",
    "Spill",
    "SpilledArray",
    "copy_from",
    "ranges",
    "read_runs",
    "spilled_source",
    "take_runs",
]

#: Bytes copied per call between files where the kernel cannot copy them itself.
_COPY_BYTES = 1 << 22


@dataclass(frozen=True)
class _Region:
    """Where the bytes of a spilled array lie: its file and the offset in it."""

    handle: IO[bytes]
    offset: int
    length: int


# Spilled arrays by the address of their first byte: a buffer to be saved is looked up here.
_regions: dict[int, _Region] = {}
_regions_lock = threading.Lock()


class Spill:
    """An unlinked file in `folder` (on the disk the result is saved to: not in memory, as a
    tmpfs would be) that arrays are moved into by `keep`."""

    def __init__(self, folder: Path) -> None:
        self._handle = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (lives with its maps)

    def array(self, length: int, dtype: np.dtype | type) -> SpilledArray:
        """A new one-dimensional array, written into the file a part at a time (see
        `SpilledArray`): never whole in memory, even while it is made."""
        return SpilledArray(self, self._reserve(length * np.dtype(dtype).itemsize), length, dtype)

    def keep(self, array: np.ndarray) -> np.ndarray:
        """`array`'s values, read from the file when used; drop `array` (and any view of it)
        to give its memory back. The mapping is private, as writable as the array was (so it
        pickles the same): a write, which nothing makes, would copy a page, not change the file."""
        if array.nbytes == 0 or array.dtype.hasobject:
            return array
        source = np.ascontiguousarray(array)
        offset = self._reserve(source.nbytes)
        _write_all(self._handle.fileno(), source, offset)
        return self._mapped(offset, source.nbytes, source.dtype).reshape(source.shape)

    def _reserve(self, size: int) -> int:
        """The offset of `size` new bytes at the end of the file (mappable: page-aligned)."""
        end = self._handle.seek(0, os.SEEK_END)
        offset = _round_up(end, mmap.ALLOCATIONGRANULARITY)
        self._handle.truncate(offset + size)  # a sparse file until written
        return offset

    def _mapped(self, offset: int, size: int, dtype: np.dtype) -> np.ndarray:
        """The bytes at `offset` as an array mapped from the file."""
        handle = self._handle
        mapped = mmap.mmap(handle.fileno(), size, offset=offset, access=mmap.ACCESS_COPY)
        kept = np.frombuffer(mapped, dtype=dtype)
        address = kept.__array_interface__["data"][0]
        with _regions_lock:
            _regions[address] = _Region(handle, offset, size)
        weakref.finalize(mapped, _forget, address)
        return kept


class HeldArray:
    """What `Spill.array` gives, in memory: an array made a part at a time, for code that
    sets its arrays aside or not."""

    def __init__(self, length: int, dtype: np.dtype | type) -> None:
        self._array = np.empty(length, dtype=dtype)

    def __len__(self) -> int:
        return len(self._array)

    def write(self, at: int, values: np.ndarray) -> None:
        """Write `values` as the items from position `at` on."""
        self._array[at : at + len(values)] = values

    def done(self) -> np.ndarray:
        """The array written."""
        return self._array


class SpilledArray:
    """An array of `Spill.array` being written: parts go to the file as they are made."""

    def __init__(self, spill: Spill, offset: int, length: int, dtype: np.dtype | type) -> None:
        self._spill, self._offset, self.dtype = spill, offset, np.dtype(dtype)
        self._length = length

    def __len__(self) -> int:
        return self._length

    def write(self, at: int, values: np.ndarray) -> None:
        """Write `values` as the items from position `at` on."""
        if at < 0 or at + len(values) > self._length:
            raise IndexError(f"items {at}:{at + len(values)} outside an array of {self._length}")
        part = np.ascontiguousarray(values, dtype=self.dtype)
        _write_all(self._spill._handle.fileno(), part, self._offset + at * self.dtype.itemsize)

    def done(self) -> np.ndarray:
        """The array written, mapped from the file."""
        if self._length == 0:
            return np.zeros(0, dtype=self.dtype)
        return self._spill._mapped(self._offset, self._length * self.dtype.itemsize, self.dtype)


def _write_all(fd: int, values: np.ndarray, offset: int) -> None:
    """Write every byte of the contiguous `values` at `offset` (one write may do only part)."""
    view = memoryview(values).cast("B")
    while len(view):
        done = os.pwrite(fd, view, offset)
        view, offset = view[done:], offset + done


def _forget(address: int) -> None:
    with _regions_lock:
        _regions.pop(address, None)


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def spilled_source(buffer: memoryview) -> tuple[IO[bytes], int] | None:
    """The file and offset holding `buffer`'s bytes if it is (a part of) a spilled array."""
    if buffer.nbytes == 0:
        return None
    address = np.frombuffer(buffer, dtype=np.uint8).__array_interface__["data"][0]
    with _regions_lock:
        for start, region in _regions.items():
            if start <= address and address + buffer.nbytes <= start + region.length:
                return region.handle, region.offset + address - start
    return None


def ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenation of the integer ranges starts[i]:stops[i], without a Python loop."""
    sizes = stops - starts
    offsets = np.cumsum(sizes) - sizes
    return np.repeat(starts - offsets, sizes) + np.arange(int(sizes.sum()))


def read_runs(
    fd: int, offset: int, item: int, starts: np.ndarray, stops: np.ndarray, out: np.ndarray
) -> None:
    """Read the items starts[i]:stops[i] of the array at byte `offset` of the file `fd` (items
    of `item` bytes), one after the other, into `out` with os.preadv, adjacent runs as one."""
    starts, stops = np.asarray(starts, dtype=np.int64), np.asarray(stops, dtype=np.int64)
    if not len(starts):
        return
    joined = np.flatnonzero(starts[1:] != stops[:-1]) + 1
    firsts = np.concatenate([[0], joined]).astype(np.int64)
    lasts = np.concatenate([joined - 1, [len(starts) - 1]]).astype(np.int64)
    view, at = memoryview(out).cast("B"), 0
    for a, b in zip(starts[firsts].tolist(), stops[lasts].tolist(), strict=True):
        size = (b - a) * item
        if os.preadv(fd, [view[at : at + size]], offset + a * item) != size:
            raise OSError(f"the file ends before item {b} of the array at byte {offset}")
        at += size


def take_runs(array: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The items array[starts[i]:stops[i]] for every i, one after the other. A spilled
    array's are read from its file (`read_runs`): read through the mapping, each page fault
    maps the whole large folio around it (2 MB on Linux 6), so a few thousand scattered rows
    brought every page of the example vectors back into memory."""
    starts, stops = np.asarray(starts, dtype=np.int64), np.asarray(stops, dtype=np.int64)
    source = spilled_source(memoryview(array).cast("B")) if array.nbytes else None
    if source is None or not array.flags.c_contiguous:
        return array[ranges(starts, stops)]
    out = np.empty(int((stops - starts).sum()), dtype=array.dtype)
    handle, offset = source
    read_runs(handle.fileno(), offset, array.itemsize, starts, stops, out)
    return out


def copy_from(source: IO[bytes], offset: int, length: int, out: BinaryIO) -> None:
    """Append `length` bytes of `source` from `offset` to `out`, file to file in the kernel
    where it can (copy_file_range), else a block at a time: never through a mapping."""
    out.flush()
    src, dst = source.fileno(), out.fileno()
    at, left = out.tell(), length
    copy = getattr(os, "copy_file_range", None)
    while left:
        done = 0
        if copy is not None:
            try:
                done = copy(src, dst, min(left, 1 << 30), offset, at)
            except OSError:  # across file systems on old kernels, or not supported here
                copy = None
        if not done:
            block = os.pread(src, min(left, _COPY_BYTES), offset)
            if not block:
                raise OSError(f"a spilled array's file ended {left} bytes early")
            done = os.pwrite(dst, block, at)
        offset, at, left = offset + done, at + done, left - done
    out.seek(at)
