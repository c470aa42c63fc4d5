"""A pickle whose arrays are memory-mapped on load: the file's pages, shared, not copies.

A release's matchers are loaded by the publishing process and by every server worker: as a
plain pickle each process held its own copy of every array (the example vectors alone were
about 700 MB at 40,000 units, issue 22). Here the arrays (pickle protocol 5's out-of-band
buffers: numpy arrays, and so scipy matrices) are stored after the pickle, each at a 64-byte
boundary, and loading maps the file: the arrays are read-only views of it, their pages read
when used and shared by every process that maps the file. Files of plain pickles still load.
The file is written once and replaced, never changed in place (a mapped file must not be).
Arrays a training process set aside in a file (kb/answers/spill.py) are copied from that file,
not read through their mapping, so saving a matcher does not bring them back into memory.
"""

from __future__ import annotations

import mmap
import pickle
import struct
from pathlib import Path
from typing import Any

from kb.answers.spill import copy_from, spilled_source

__all__ = ["dump", "load"]

_MAGIC = b"KBMAPPED\x01"
_ALIGN = 64


def dump(value: Any, path: Path) -> None:
    """Write `value` to `path` (atomically: a temporary file renamed into place)."""
    buffers: list[pickle.PickleBuffer] = []
    payload = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    raws = [buffer.raw() for buffer in buffers]
    header = _MAGIC + struct.pack(f"<QQ{len(raws)}Q", len(payload), len(raws), *map(len, raws))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(header)
        handle.write(payload)
        for raw in raws:
            handle.write(b"\0" * (-handle.tell() % _ALIGN))
            spilled = spilled_source(raw)
            if spilled is None:
                handle.write(raw)
            else:
                copy_from(*spilled, raw.nbytes, handle)
    tmp.replace(path)


def load(path: Path) -> Any:
    """What `dump` wrote, its arrays mapped from the file; a plain pickle is read whole.
    Only load your own files: this is pickle."""
    with path.open("rb") as handle:
        if handle.read(len(_MAGIC)) != _MAGIC:
            handle.seek(0)
            return pickle.load(handle)  # our own file, from before arrays were mapped
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    at = len(_MAGIC)
    size, count = struct.unpack_from("<QQ", mapped, at)
    at += 16
    lengths = struct.unpack_from(f"<{count}Q", mapped, at)
    at += 8 * count
    payload = view[at : at + size]
    at += size
    buffers = []
    for length in lengths:
        at += -at % _ALIGN
        buffers.append(view[at : at + length])
        at += length
    return pickle.loads(payload, buffers=buffers)  # our own file, written by dump()
