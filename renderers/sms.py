"""The SMS channel: the short answer as one plain-text message that fits the phone network.

The message is the `::: summary` (or the first paragraph) plus what was written for SMS, with
no formatting marks: lists are plain "- " lines, quotes, rules and table bars are gone, spaces
are collapsed and blocks are single lines. A link keeps its words but not its address (long
addresses eat segments): the message ends with one short pointer to the unit's page when the
public site is known (`KB_PUBLIC_URL`). Telephone numbers and e-mail addresses stay, as phones
make them tappable. The encoding is decided per message (renderers/sms_encoding.py); a message
over `KB_SMS_MAX_SEGMENTS` is cut to fit, ending with the pointer, and `kb check` warns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from markdown_it.token import Token

from renderers.base import (
    Finding,
    RenderContext,
    Rendering,
    Rule,
    Severity,
    rule_table,
    short_answer,
    skip_rule,
)
from renderers.sms_encoding import Encoding, SmsSize, measure
from renderers.text import TextState, inert, text_rules

__all__ = ["SmsRenderer"]

#: The last line, leading to the whole answer, by locale language; English when not listed.
_POINTER = {"en": "More: {url}", "ru": "Подробнее: {url}"}
#: What ends a cut text that does not end a sentence (sent as "..." when the message is GSM-7).
_CUT = "…"
_SPACES = re.compile(r"[ \t]+")
#: Punctuation a cut text does not end on before its "…".
_DANGLING = " \n,;:-\u2013\u2014"


def _language(locale: str) -> str:
    return locale.split("-")[0]


def _list_item_open(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    """A list item as a plain line: "- " or its number, never a bullet character."""
    owner = state.frames[-1]
    if owner.number is None:
        state.push("item", marker="- ")
    else:
        state.push("item", marker=f"{owner.number}. ")
        owner.number += 1


def _blockquote_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    """A quote's words without "> " marks."""
    state.block("\n".join(state.pop("quote").parts))


def _tr_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    """A table row as its cells separated by commas (a "|" costs two septets and reads as
    markup)."""
    row = state.pop("row")
    state.frames[-1].parts.append(", ".join(cell for cell in row.parts if cell))


def _link_close(state: TextState, _tokens: Sequence[Token], _index: int) -> None:
    """A link's words without its address; a telephone number or e-mail address is kept, and
    a link without words shows what it leads to."""
    link = state.open_links.pop()
    label = inert(" ".join("".join(state.frames[-1].parts[link.start :]).split()))
    if link.unit_id is not None:
        if not label:  # `[](unit:x)`: the text names the target by its title
            state.write(inert(state.context.unit_titles[link.unit_id]))
        return
    if link.url is None:
        return
    scheme, _, rest = link.url.partition(":")
    if scheme.lower() in ("tel", "mailto"):
        if not label:
            state.write(rest)
        elif _digits_or_lower(label) != _digits_or_lower(rest):
            state.write(f" ({rest})")
    elif not label:
        state.write(link.url)


def _digits_or_lower(text: str) -> str:
    """What two ways of writing a number or an address share: its digits, else its letters."""
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= 3 else text.strip().lower()


def _sms_rules() -> dict[str, Rule]:
    rules = text_rules()
    rules.update(
        {
            "list_item_open": _list_item_open,
            "blockquote_close": _blockquote_close,
            "hr": skip_rule,
            "tr_close": _tr_close,
            "link_close": _link_close,
        }
    )
    return rules


def _plain_lines(text: str) -> str:
    """One line a block or list item: spaces collapsed, blank lines dropped."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _cut_to_fit(text: str, ending: Callable[[str], str], limit: int) -> SmsSize:
    """The longest start of `text` (at a word boundary if one fits) that, ended by `ending`,
    takes at most `limit` segments; segments never fall as a text grows, so halving works."""

    def longest(cuts: list[int]) -> int:
        low, high = 0, len(cuts) - 1  # cuts[0] == 0: an empty start always counts as fitting
        while low < high:
            middle = (low + high + 1) // 2
            if measure(ending(text[: cuts[middle]])).segments <= limit:
                low = middle
            else:
                high = middle - 1
        return cuts[low]

    words = [0, *(m.start() for m in re.finditer(r"\s+", text))]
    cut = longest(words)
    if cut == 0:  # not even the first word fits: cut inside it
        cut = longest(list(range(len(text))))
    return measure(ending(text[:cut]))


class SmsRenderer:
    """A text message: the short answer in plain words, sized in segments, never internal."""

    name = "sms"
    for_staff = False
    media_type = "text/plain"
    rules: Mapping[str, Rule] = rule_table(_sms_rules())

    def render(self, context: RenderContext) -> Rendering:
        """The short answer as one SMS, with its encoding, segments and findings."""
        state = TextState(context, self.name, self.rules, shows_summary=True)
        state.render(short_answer(context.parsed.tokens, self.name))
        findings = list(state.findings)
        doc = context.unit.document
        url = context.public_unit_url(doc.id)
        pointer = _POINTER.get(_language(doc.locale), _POINTER["en"]).format(url=url) if url else ""
        text = _plain_lines(state.text())
        limit = context.limits.sms_max_segments

        def ending(cut: str) -> str:
            body = cut.rstrip(_DANGLING)
            body += "" if body.endswith((".", "!", "?")) or not body else _CUT
            return "\n".join(part for part in (body, pointer) if part)

        whole = measure("\n".join(part for part in (text, pointer) if part))
        sent, truncated = whole, False
        if not text:
            sent = measure("")
            findings.append(
                context.finding(
                    Severity.ERROR,
                    "no-output",
                    "the short answer is empty: add a first paragraph or a ::: summary block",
                    self.name,
                )
            )
        elif whole.segments > limit:
            sent, truncated = _cut_to_fit(text, ending, limit), True
            findings.append(_too_long(context, whole, limit, self.name))
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=sent.text,
            data={
                "encoding": sent.encoding.value,
                "segments": sent.segments,
                "characters": sent.characters,
                "url": url,
                "truncated": truncated,
            },
            findings=tuple(dict.fromkeys(findings)),
        )


def _too_long(context: RenderContext, whole: SmsSize, limit: int, channel: str) -> Finding:
    """The warning for a message over the segment limit: its size, the limit, the encoding
    and, for UCS-2, the character that chose it."""
    if whole.encoding is Encoding.UCS2:
        char = whole.forced_by or "?"
        why = (
            f"UCS-2, 70 characters a segment and 67 when split, because '{char}' "
            f"(U+{ord(char):04X}) is not in the GSM-7 alphabet"
        )
    else:
        why = "GSM-7, 160 characters a segment and 153 when split"
    return context.finding(
        Severity.WARNING,
        "sms-too-long",
        f"the SMS takes {whole.segments} segments ({whole.characters} characters in {why}), "
        f"more than the limit of {limit} (KB_SMS_MAX_SEGMENTS); it is cut to fit, ending "
        "with a link to the full answer when KB_PUBLIC_URL is set: shorten the summary (or "
        "the first paragraph) and the ::: only sms blocks, or raise the limit",
        channel,
    )
