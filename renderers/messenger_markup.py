"""Telegram MarkdownV2 and WhatsApp text written from the messenger's runs, and cut to a limit.

Telegram (Bot API, parse_mode MarkdownV2): *bold*, _italic_, ~strike~, `code`, ```pre```,
[label](url); every special character of plain text is escaped with a backslash, only ` and \\
inside code, only ) and \\ inside a link's URL. Its limits count the text after entities are
parsed, i.e. what the reader sees.

WhatsApp: *bold*, _italic_, ~strike~, ```monospace```, no links (a URL in the text is linked by
the app) and no escape character. A mark formats only at a word's edge, so a run whose edges
are not free (inside a word, next to another mark) is written without its mark. A literal
* _ ~ or ` typed by the author is left as it is when it is the only one of its kind on its line
(WhatsApp needs a pair on one line to format); otherwise it gets a word joiner (U+2060,
invisible) on each side, so it can neither open nor close a mark. URLs are never touched, so
they stay links. WhatsApp's limits count the characters sent, marks included.

Lengths are counted in UTF-16 code units, as the platforms count (an emoji is two).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from renderers.messenger_marks import Run
from renderers.text import WORD_JOINER

__all__ = ["fit", "length", "telegram", "telegram_escape", "telegram_length", "whatsapp"]

_TG_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_TG_CODE_SPECIAL = re.compile(r"([`\\])")
_TG_URL_SPECIAL = re.compile(r"([)\\])")
#: Telegram's marks, opened in this order (a link outermost) and closed in reverse.
_TG_MARKS = {"bold": "*", "italic": "_", "strike": "~"}
_WA_MARKS = {"bold": "*", "italic": "_", "strike": "~"}
#: Placeholders for the author's own * _ ~ ` until a whole line shows whether they can pair.
_WA_LITERAL = {"*": "\ue010", "_": "\ue011", "~": "\ue012", "`": "\ue013"}
_WA_PLACEHOLDER = str.maketrans({mark: ph for mark, ph in _WA_LITERAL.items()})
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")


def length(text: str) -> int:
    """`text`'s length as the messengers count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def telegram_escape(text: str) -> str:
    """Plain text for MarkdownV2: every special character escaped."""
    return _TG_SPECIAL.sub(r"\\\1", text)


def telegram_length(runs: Sequence[Run]) -> int:
    """What Telegram counts of a message: the text after its marks are parsed."""
    return sum(length(run.text) for run in runs if not run.alt)


def telegram(runs: Sequence[Run], targets: Sequence[str]) -> str:
    """MarkdownV2 text: marks nested as a stack, so every one is closed where it ends."""
    out: list[str] = []
    stack: list[str] = []

    def close_to(depth: int) -> None:
        while len(stack) > depth:
            top = stack.pop()
            if top.startswith("link:"):
                out.append("](" + _TG_URL_SPECIAL.sub(r"\\\1", targets[int(top[5:])]) + ")")
            else:
                out.append(_TG_MARKS[top])

    for run in runs:
        if run.alt or not run.text:
            continue
        if "pre" in run.marks or ("code" in run.marks and run.link is None):
            close_to(0)  # code carries no other mark in Telegram
            code = _TG_CODE_SPECIAL.sub(r"\\\1", run.text)
            out.append(f"```\n{code}\n```" if "pre" in run.marks else f"`{code}`")
            continue
        wanted = [f"link:{run.link}"] if run.link is not None else []
        wanted += [mark for mark in _TG_MARKS if mark in run.marks]
        keep = next((i for i, open_ in enumerate(stack) if open_ not in wanted), len(stack))
        close_to(keep)
        for mark in wanted:
            if mark not in stack:
                stack.append(mark)
                out.append("[" if mark.startswith("link:") else _TG_MARKS[mark])
        out.append(telegram_escape(run.text))
    close_to(0)
    return "".join(out)


def _free(char: str) -> bool:
    """Whether a WhatsApp mark may stand next to `char`: a line's edge, a space, punctuation
    other than the marks themselves."""
    if not char or char.isspace():
        return True
    return unicodedata.category(char).startswith("P") and char not in "*_~`"


def _monospace(text: str) -> str:
    """Monospace text: a backtick inside gets word joiners, so ``` cannot end it early."""
    return "```" + text.replace("`", f"{WORD_JOINER}`{WORD_JOINER}") + "```"


def _settle(line: str) -> str:
    """A line's literal marks: as typed when alone of their kind, else between word joiners."""
    for mark, placeholder in _WA_LITERAL.items():
        if placeholder in line:
            alone = line.count(mark) + line.count(placeholder) == 1
            line = line.replace(placeholder, mark if alone else WORD_JOINER + mark + WORD_JOINER)
    return line


def _lines(runs: Sequence[Run]) -> list[list[Run]]:
    """The runs split at line ends; a code block is a line of its own, whatever its lines."""
    lines: list[list[Run]] = [[]]
    for run in runs:
        if "pre" in run.marks:
            lines[-1].append(run)
            continue
        for number, text in enumerate(run.text.split("\n")):
            if number:
                lines.append([])
            if text:
                lines[-1].append(Run(text, run.marks))
    return lines


def _spans(text: str, marks: Sequence[frozenset[str]]) -> list[tuple[int, int, str]]:
    """Where each mark may be written on a line: its stretches, spaces trimmed, that begin
    and end at a word's edge; nested spans come out outermost first."""
    found: list[tuple[int, int, str]] = []
    for name in ("code", *_WA_MARKS):
        start = 0
        while start < len(text):
            if name not in marks[start]:
                start += 1
                continue
            end = start
            while end < len(text) and name in marks[end]:
                end += 1
            first, last = start, end
            while first < last and text[first].isspace():
                first += 1
            while last > first and text[last - 1].isspace():
                last -= 1
            if first < last and _free(text[first - 1 : first]) and _free(text[last : last + 1]):
                found.append((first, last, name))
            start = end
    return sorted(found, key=lambda span: (span[0], -span[1]))


def _whatsapp_line(line: Sequence[Run]) -> str:
    if any("pre" in run.marks for run in line):
        return _settle(
            "".join(
                _monospace(run.text) if "pre" in run.marks else run.text.translate(_WA_PLACEHOLDER)
                for run in line
            )
        )
    text = "".join(run.text for run in line)
    marks = [run.marks for run in line for _ in run.text]
    spans = _spans(text, marks)
    code = [False] * len(text)
    for first, last, name in spans:
        if name == "code":
            code[first:last] = [True] * (last - first)
    opening: dict[int, list[str]] = {}
    closing: dict[int, list[str]] = {}
    for first, last, name in spans:
        mark = "```" if name == "code" else _WA_MARKS[name]
        opening.setdefault(first, []).append(mark)
        closing.setdefault(last, []).insert(0, mark)
    urls = [False] * len(text)
    for match in _URL.finditer(text):
        urls[match.start() : match.end()] = [True] * (match.end() - match.start())
    out: list[str] = []
    for index, char in enumerate(text):
        out += closing.get(index, []) + opening.get(index, [])
        if code[index] and char == "`":
            out.append(f"{WORD_JOINER}`{WORD_JOINER}")
        elif code[index] or urls[index]:
            out.append(char)
        else:
            out.append(char.translate(_WA_PLACEHOLDER))
    out += closing.get(len(text), [])
    return _settle("".join(out))


def whatsapp(runs: Sequence[Run]) -> str:
    """WhatsApp text: marks per line, literal marks neutralised where they could pair."""
    return "\n".join(_whatsapp_line(line) for line in _lines(runs))


def fit(
    runs: Sequence[Run], limit: int, size: Callable[[list[Run]], int], pointer: str
) -> tuple[list[Run], bool]:
    """`runs` if their `size` is within `limit`; else their longest start that ends at a word
    and fits with `pointer` after it, and True."""
    whole = list(runs)
    if size(whole) <= limit:
        return whole, False
    text = "".join(run.text for run in whole)
    cuts = [i for i, char in enumerate(text) if char in " \n"] or list(range(1, len(text)))

    def attempt(cut: int) -> list[Run]:
        return [*_head(whole, cut), Run(pointer)]

    low, high, best = 0, len(cuts) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if size(attempt(cuts[middle])) <= limit:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best is None or not _head(whole, cuts[best]):
        return [Run(pointer.removeprefix("… "))], True
    return attempt(cuts[best]), True


def _head(runs: Sequence[Run], keep: int) -> list[Run]:
    """The first `keep` characters of `runs`, trailing spaces dropped."""
    head: list[Run] = []
    for run in runs:
        if keep <= 0:
            break
        head.append(Run(run.text[:keep], run.marks, run.link, run.alt))
        keep -= len(run.text)
    while head and not head[-1].text.rstrip():
        head.pop()
    if head:
        last = head[-1]
        head[-1] = Run(last.text.rstrip(), last.marks, last.link, last.alt)
    return head
