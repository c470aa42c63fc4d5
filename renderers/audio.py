"""Speak IVR SSML with espeak-ng: to hear a prompt in preview, and to check duration estimates.

espeak-ng is an optional system program (`apt-get install espeak-ng`); nothing else in the
service needs it.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from functools import lru_cache
from pathlib import Path

from renderers.speech import language

__all__ = [
    "ESPEAK",
    "SpeechFailed",
    "espeak_available",
    "known_voices",
    "speak_to_wav",
    "voice_for",
]

ESPEAK = "espeak-ng"
TIMEOUT_SECONDS = 60.0
_VOICES = {"en": "en-gb", "ru": "ru", "bg": "bg"}


class SpeechFailed(RuntimeError):
    """espeak-ng refused the SSML or could not write the audio."""


def espeak_available() -> bool:
    """Whether espeak-ng is installed on this machine."""
    return shutil.which(ESPEAK) is not None


def voice_for(locale: str) -> str:
    """The espeak-ng voice for a unit locale: en -> en-gb, ru -> ru, bg -> bg."""
    return _VOICES.get(language(locale), language(locale))


@lru_cache(maxsize=1)
def known_voices() -> frozenset[str]:
    """Every name espeak-ng accepts for `-v`: languages, voice names and voice files."""
    try:
        listing = subprocess.run(
            [ESPEAK, "--voices"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechFailed(f"cannot list the voices of {ESPEAK}: {exc}") from exc
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5:
            language_name, voice_name, file = fields[1], fields[3], fields[4]
            names.update({language_name, voice_name, file, file.rsplit("/", 1)[-1]})
    return frozenset(name.lower() for name in names)


def speak_to_wav(ssml: str, voice: str, path: Path) -> float:
    """Synthesise `ssml` into a WAV file at `path`; return the audio's length in seconds.

    espeak-ng quietly falls back to another voice when SSML names a language, so an unknown
    voice is refused here rather than heard in the wrong language.
    """
    if voice.split("+")[0].lower() not in known_voices():
        raise SpeechFailed(f"{ESPEAK} has no voice '{voice}'")
    try:
        result = subprocess.run(
            [ESPEAK, "-m", "-v", voice, "-w", str(path)],
            input=ssml.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SpeechFailed(f"{ESPEAK} took longer than {TIMEOUT_SECONDS:g} s") from exc
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        raise SpeechFailed(f"{ESPEAK} -v {voice} exited with {result.returncode}: {stderr}")
    try:
        with wave.open(str(path), "rb") as audio:
            return audio.getnframes() / audio.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        # espeak-ng exits 0 even when it cannot write the file; its message is on stderr.
        raise SpeechFailed(f"{ESPEAK} wrote no readable WAV to {path}: {stderr or exc}") from exc
