"""Speech as SSML 1.1: pieces, sentences and pauses, written out as escaped SSML and plain text.

Kept apart from the IVR's rules so that what may appear in the markup (escaped text, say-as,
breaks, `<p>` and `<s>`) is decided in one place; no content can add markup of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeVar

__all__ = [
    "SSML_NAMESPACE",
    "Paragraph",
    "Pause",
    "Piece",
    "Sentence",
    "Speech",
    "say_as",
    "sentence_forms",
    "split_sentences",
    "write_speech",
    "xml_text",
]

SSML_NAMESPACE = "http://www.w3.org/2001/10/synthesis"

#: Characters XML 1.0 cannot carry at all, even escaped; they are dropped from spoken text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: A sentence ends at . ! ? (or an ellipsis) followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])\s+")
_TERMINAL = ".!?\u2026:;"
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[,.;:!?\u2026])")
_HAS_WORDS = re.compile(r"\w")
#: A full stop straight after an element is read out as "dot" by some engines (espeak-ng);
#: the </s> that follows already ends the sentence, so the stop is left out of the SSML.
_STOP_AFTER_ELEMENT = re.compile(r"(/>|</say-as>)\s*\.$")


def xml_text(text: str) -> str:
    """`text` as XML character data: escaped, and without characters XML cannot hold."""
    return escape(_NOT_XML.sub("", text), quote=True)


@dataclass(frozen=True)
class Piece:
    """A stretch of a sentence: the words a listener hears and, for say-as, its SSML element.

    A piece without SSML is plain words: escaped on output, and split where a sentence ends.
    """

    text: str
    ssml: str | None = None


Sentence = tuple[Piece, ...]


@dataclass(frozen=True)
class Pause:
    """An explicit silence (`<break time="...ms"/>`)."""

    ms: int


Paragraph = list[Sentence | Pause]
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Speech:
    """Laid-out speech written out: the SSML document, the same words as text, and how many
    sentences, paragraphs and milliseconds of breaks it holds (for the duration estimate)."""

    ssml: str
    text: str
    sentences: int
    paragraphs: int
    break_ms: int


def say_as(interpret_as: str, content: str, words: str, attrs: str = "") -> Piece:
    """A `<say-as>` element for engines that know the type, with the words for those that don't."""
    return Piece(
        words,
        f'<say-as interpret-as="{interpret_as}"{attrs}>{xml_text(content)}</say-as>',
    )


def split_sentences(pieces: Sequence[Piece]) -> list[Sentence]:
    """Split words at sentence ends (say-as pieces are never split); drop wordless ones."""
    sentences: list[Sentence] = []
    current: list[Piece] = []
    for piece in pieces:
        if piece.ssml is not None:
            current.append(piece)
            continue
        for number, part in enumerate(_SENTENCE_END.split(piece.text)):
            if number:
                sentences.append(tuple(current))
                current = []
            if part:
                current.append(Piece(part))
    sentences.append(tuple(current))
    return [s for s in sentences if _HAS_WORDS.search("".join(p.text for p in s))]


def _tidy(text: str) -> str:
    """One space between words, none before punctuation."""
    return _SPACE_BEFORE_PUNCTUATION.sub("", _SPACES.sub(" ", text)).strip()


def sentence_forms(sentence: Sentence) -> tuple[str, str]:
    """A sentence as (SSML content, plain text), both ending like a sentence."""
    text = _tidy("".join(p.text for p in sentence))
    ssml = _tidy("".join(xml_text(p.text) if p.ssml is None else p.ssml for p in sentence))
    ssml = _STOP_AFTER_ELEMENT.sub(r"\1", ssml)
    if text[-1:] not in _TERMINAL:
        text += "."
        if not ssml.endswith(">"):
            ssml += "."
    return ssml, text


def _layout(blocks: Sequence[Paragraph | Pause]) -> list[Paragraph | Pause]:
    """Drop empty paragraphs, merge neighbouring pauses, and trim pauses at either end."""
    laid: list[Paragraph | Pause] = []
    for block in blocks:
        item: Paragraph | Pause = block if isinstance(block, Pause) else _trim(block)
        if isinstance(item, list) and not item:
            continue
        laid.append(item)
    return _trim(laid)


def _trim(items: Sequence[_Item]) -> list[_Item]:
    """Merge neighbouring pauses into the longest, and drop pauses at the start and the end."""
    merged: list[_Item] = []
    for item in items:
        last = merged[-1] if merged else None
        if isinstance(item, Pause) and isinstance(last, Pause):
            merged[-1] = Pause(max(last.ms, item.ms))
        else:
            merged.append(item)
    while merged and isinstance(merged[0], Pause):
        merged.pop(0)
    while merged and isinstance(merged[-1], Pause):
        merged.pop()
    return merged


def write_speech(blocks: Sequence[Paragraph | Pause], lang: str) -> Speech:
    """Lay out `blocks` and write them as a `<speak>` document in `lang` and as plain text
    (one line per paragraph)."""
    ssml_lines: list[str] = []
    paragraphs_text: list[str] = []
    sentences = paragraphs = break_ms = 0
    for block in _layout(blocks):
        if isinstance(block, Pause):
            ssml_lines.append(f'<break time="{block.ms}ms"/>')
            break_ms += block.ms
            continue
        parts: list[str] = []
        texts: list[str] = []
        for item in block:
            if isinstance(item, Pause):
                parts.append(f'<break time="{item.ms}ms"/>')
                break_ms += item.ms
                continue
            ssml, text = sentence_forms(item)
            parts.append(f"<s>{ssml}</s>")
            texts.append(text)
            sentences += 1
        ssml_lines.append("<p>" + "".join(parts) + "</p>")
        paragraphs_text.append(" ".join(texts))
        paragraphs += 1

    body = "\n".join(
        [
            f'<speak version="1.1" xmlns="{SSML_NAMESPACE}" xml:lang="{xml_text(lang)}">',
            *ssml_lines,
            "</speak>",
        ]
    )
    return Speech(
        ssml=body,
        text="\n".join(paragraphs_text),
        sentences=sentences,
        paragraphs=paragraphs,
        break_ms=break_ms,
    )
