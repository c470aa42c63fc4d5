"""Values typed literally into many units (a phone number in twelve answers), each with a
suggested snippet so that the next change is made once.

Only contact values repeat this way worth a snippet: phone numbers, e-mail addresses and URLs.
A value a snippet gave (`{{ support_phone }}`) is not typed; a value typed in
REPEAT_MIN_UNITS units or more is reported, with the name of the snippet that already holds it
when there is one, else a name made from the words around it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from kb.consistency.facts import find_phones, normalize_url
from kb.consistency.model import Mention, RepeatedValue
from kb.content.snippets import SnippetDocument, SnippetType
from kb.search.analysis import surface_words

__all__ = ["REPEAT_KINDS", "REPEAT_MIN_UNITS", "find_repeated", "snippet_name"]

#: How many units must type one value before a snippet is suggested.
REPEAT_MIN_UNITS = 3
REPEAT_KINDS = ("phone", "email", "url")
#: Words that say nothing about which number or address it is.
_GENERIC = frozenset(
    """call calls phone phones number numbers contact contacts please write email mail send
    visit see our us you your the and for with at on to in or more details page site website
    link here information info help question questions can may also free line from
    this that any all get find out any open""".split()  # noqa: SIM905 (a word list)
)
_NAME_WORD = re.compile(r"^[a-z][a-z0-9]{2,}$")


def _snippet_value(snippet: SnippetDocument) -> tuple[str, str] | None:
    """(kind, normalized value) of a snippet that holds a phone, an e-mail or a URL."""
    if snippet.type is SnippetType.PHONE:
        found = [e164 for _s, _e, _w, e164 in find_phones(snippet.value, None)]
        return ("phone", found[0]) if found else None
    if snippet.type is SnippetType.URL:
        return "url", normalize_url(snippet.value)
    if snippet.type is SnippetType.TEXT and re.fullmatch(r"[\w.+-]+@[\w.-]+", snippet.value):
        return "email", snippet.value.lower()
    return None


def snippet_name(kind: str, value: str, sentences: Sequence[str], taken: set[str]) -> str:
    """A snippet name for a value: the most common telling word around it ("support_phone"),
    an e-mail's mailbox ("help_email"), else the kind; numbered when the name is taken."""
    words: Counter[str] = Counter()
    for sentence in sentences:
        words.update(
            w for w, _s, _e in surface_words(sentence) if _NAME_WORD.match(w) and w not in _GENERIC
        )
    label = ""
    if kind == "email":
        label = re.sub(r"[^a-z0-9]", "_", value.split("@")[0].lower()).strip("_")
    elif words:
        label = words.most_common(1)[0][0]
    base = f"{label}_{kind}" if label and label[0].isalpha() else kind
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def find_repeated(
    mentions: Mapping[str, Sequence[Mention]],
    snippets: Mapping[str, SnippetDocument],
    locale: str,
    min_units: int = REPEAT_MIN_UNITS,
) -> list[RepeatedValue]:
    """Values of REPEAT_KINDS typed (not from a snippet) into `min_units` units or more."""
    holders = {v: name for name, s in sorted(snippets.items()) if (v := _snippet_value(s))}
    typed: dict[tuple[str, str], list[Mention]] = {}
    for unit_mentions in mentions.values():
        for m in unit_mentions:
            if m.kind in REPEAT_KINDS and not m.from_snippet:
                typed.setdefault((m.kind, m.normalized), []).append(m)
    taken = set(snippets)
    found = []
    for (kind, normalized), where in sorted(typed.items()):
        units = tuple(sorted({m.unit_id for m in where}))
        if len(units) < min_units:
            continue
        written = Counter(m.value for m in where).most_common(1)[0][0]
        existing = holders.get((kind, normalized))
        name = existing or snippet_name(kind, normalized, [m.sentence for m in where], taken)
        taken.add(name)
        found.append(
            RepeatedValue(locale, kind, written, normalized, units, name, existing is not None)
        )
    return found
