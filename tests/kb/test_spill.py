"""A training process sets its finished arrays aside on disk and saves them from there (issue 22).

Measured in resident memory (Linux's /proc: VmRSS, VmHWM reset through clear_refs), never in
seconds: an array set aside leaves the process's memory, and saving a matcher copies such
arrays file to file, never reading them back through their mapping.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from kb.answers import mapped_pickle
from kb.answers.encoding.registry import get_encoder
from kb.answers.matcher import IntentMatcher
from kb.answers.memory import give_back_memory
from kb.answers.spill import Spill, spilled_source
from tests.kb.test_publish_memory import HashEncoder, examples

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads this process's memory from /proc"
)
_MB = 1 << 20


def _status(field: str) -> int:
    """A /proc/self/status size in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current VmRSS


def test_an_array_set_aside_reads_the_same_and_leaves_the_process_memory(
    tmp_path: Path,
) -> None:
    # 48 MB: above glibc's largest mmap threshold (32 MB), so it is mapped on its own and its
    # pages go back when freed, however much the process (the whole test suite) freed before.
    array = np.random.default_rng(1).random(48 * _MB // 8)
    before = _status("RssAnon")
    kept = Spill(tmp_path).keep(array)
    assert np.array_equal(kept, array) and kept.dtype == array.dtype
    del array
    give_back_memory()
    # Comparing read every page back through the mapping: those are the file's, not anon.
    assert _status("RssAnon") < before - 40 * _MB
    assert list(tmp_path.iterdir()) == []  # the file has no name: gone with its arrays


def test_saving_copies_arrays_set_aside_file_to_file_without_reading_them_back(
    tmp_path: Path,
) -> None:
    spill = Spill(tmp_path)
    values = spill.keep(np.arange(16 * _MB, dtype=np.int64))  # 128 MB, never read here
    part = values[_MB : 9 * _MB]  # a view inside a spilled array is found too
    assert spilled_source(memoryview(part).cast("B")) is not None
    assert spilled_source(memoryview(np.arange(4))) is None
    _reset_peak()
    start = _status("VmRSS")
    mapped_pickle.dump({"values": values, "part": np.ascontiguousarray(part)}, tmp_path / "v")
    assert _status("VmHWM") - start < 100 * _MB  # the part's own copy, 64 MB, is the most
    loaded = mapped_pickle.load(tmp_path / "v")
    assert loaded["values"][-1] == 16 * _MB - 1 and loaded["part"][0] == _MB
    assert np.array_equal(loaded["values"][:: _MB // 8], values[:: _MB // 8])


def test_a_matcher_trained_with_its_arrays_set_aside_saves_the_same_file(
    tmp_path: Path,
) -> None:
    found = examples(150, 6, seed=11)
    encoder = get_encoder("use-multilingual")
    for name, spill in (("held", None), ("aside", Spill(tmp_path))):
        trained = IntentMatcher.train(found, locale="en", encoder=encoder, spill=spill)
        trained.save(tmp_path / f"{name}.pkl")
        if spill is not None:
            assert spilled_source(memoryview(trained._examples.data).cast("B")) is not None
            assert trained._semantic is not None
            assert spilled_source(memoryview(trained._semantic.examples).cast("B")) is not None
            ranked = [trained.rank(e.text, 3) for e in found[::25]]
    assert (tmp_path / "aside.pkl").read_bytes() == (tmp_path / "held.pkl").read_bytes()
    held = IntentMatcher.load(tmp_path / "held.pkl")
    assert ranked == [held.rank(e.text, 3) for e in found[::25]]


class _Unloading(HashEncoder):
    """The stand-in encoder, counting how often it is told to let its model go."""

    def __init__(self) -> None:
        self.unloaded = 0

    def unload(self) -> None:
        self.unloaded += 1


def test_a_training_process_lets_the_encoders_model_go_once_its_examples_are_encoded(
    tmp_path: Path,
) -> None:
    found = examples(40, 5, seed=12)
    kept, apart = _Unloading(), _Unloading()
    IntentMatcher.train(found, locale="en", encoder=kept)
    IntentMatcher.train(found, locale="en", encoder=apart, spill=Spill(tmp_path))
    assert (kept.unloaded, apart.unloaded) == (0, 1)  # serving processes keep theirs
