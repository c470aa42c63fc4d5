"""The IVR SSML through a real synthesiser: espeak-ng accepts it, and the length estimate holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kb import Snapshot
from renderers.audio import SpeechFailed, speak_to_wav, voice_for
from renderers.base import RenderContext, Rendering
from renderers.ivr import IvrRenderer
from tests.renderers.conftest import TODAY, render

# Skipped without espeak-ng outside CI; CI installs it (.ci/run), so there it must be found.
needs_espeak = pytest.mark.requires_tool("espeak-ng")

IVR = IvrRenderer()
#: How far the measured audio may be from the renderer's estimate, either way.
TOLERANCE = 0.30


@dataclass(frozen=True)
class Spoken:
    """One sample unit's IVR rendering and what espeak-ng made of it."""

    key: tuple[str, str]
    rendering: Rendering
    wav: Path
    seconds: float


@pytest.fixture(scope="module")
def spoken_samples(
    sample_snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory
) -> list[Spoken]:
    """Every sample unit the IVR serves, synthesised once for all tests in this module."""
    folder = tmp_path_factory.mktemp("ivr-audio")
    results: list[Spoken] = []
    for unit in sample_snapshot.iter_units():
        doc = unit.document
        if doc.audience != "public" or (doc.channels is not None and "ivr" not in doc.channels):
            continue
        rendering = IVR.render(RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY))
        wav = folder / f"{doc.id}.{doc.locale}.wav"
        seconds = speak_to_wav(rendering.body, voice_for(doc.locale), wav)
        results.append(Spoken(unit.key, rendering, wav, seconds))
    return results


@needs_espeak
def test_espeak_accepts_the_ssml_of_every_sample_unit(spoken_samples: list[Spoken]) -> None:
    assert len(spoken_samples) >= 60
    for sample in spoken_samples:
        assert sample.wav.stat().st_size > 1000, sample.key
        assert sample.seconds > 0.5, sample.key


@needs_espeak
def test_measured_audio_length_is_within_30_percent_of_the_estimate(
    spoken_samples: list[Spoken],
) -> None:
    off = {
        sample.key: (round(sample.seconds, 1), sample.rendering.data["duration_seconds"])
        for sample in spoken_samples
        if abs(sample.seconds / sample.rendering.data["duration_seconds"] - 1) > TOLERANCE
    }
    assert off == {}, "measured vs estimated seconds"


@needs_espeak
def test_a_longer_answer_is_longer_audio_and_a_longer_estimate(tmp_path: Path) -> None:
    short = render(IVR, "Press 1 to hear your balance.")
    long = render(IVR, "Press 1 to hear your balance. " * 4)
    short_seconds = speak_to_wav(short.body, "en-gb", tmp_path / "short.wav")
    long_seconds = speak_to_wav(long.body, "en-gb", tmp_path / "long.wav")
    assert long_seconds > 3 * short_seconds
    assert long.data["duration_seconds"] > 3 * short.data["duration_seconds"]


@needs_espeak
def test_an_unknown_voice_is_refused_instead_of_falling_back(tmp_path: Path) -> None:
    with pytest.raises(SpeechFailed, match="no voice 'no-such-voice'"):
        speak_to_wav(render(IVR, "Hi.").body, "no-such-voice", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@needs_espeak
def test_a_failed_synthesis_is_a_clear_error_with_espeaks_message(tmp_path: Path) -> None:
    with pytest.raises(SpeechFailed, match="Can't write to"):
        speak_to_wav(render(IVR, "Hi.").body, "en-gb", tmp_path / "missing" / "x.wav")


def test_a_non_zero_exit_is_reported_with_espeaks_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\necho 'bad SSML near line 3' >&2\nexit 2\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr("renderers.audio.ESPEAK", str(fake))
    monkeypatch.setattr("renderers.audio.known_voices", lambda: frozenset({"en-gb"}))
    with pytest.raises(SpeechFailed, match="exited with 2: bad SSML near line 3"):
        speak_to_wav("<speak/>", "en-gb", tmp_path / "x.wav")


@pytest.mark.parametrize(
    ("locale", "voice"), [("en", "en-gb"), ("ru", "ru"), ("bg", "bg"), ("de-AT", "de")]
)
def test_voice_follows_the_locale(locale: str, voice: str) -> None:
    assert voice_for(locale) == voice
