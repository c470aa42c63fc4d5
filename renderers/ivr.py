"""The IVR channel: a unit's short answer as SSML for a phone menu, and the same words as text.

Only the short answer is spoken (the `::: summary` block, else the first paragraph, plus the
`::: only ivr` blocks). Nothing that cannot be heard is read out: no link addresses, URLs,
images, tables or code. The rules here decide what is said; renderers/ssml.py writes it out,
XML-escaping every piece of text, so no content can add markup. With `KB_IVR_FEEDBACK_PROMPT` on,
the answer ends by asking the caller to press 1 if it answered the question and 2 if not (or
the first two keys the answer's own menu leaves free); the IVR platform posts the pressed
digit's `feedback.digits` payload, with the response's receipt, to POST /api/v1/feedback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from kb.content.markdown import matching_close
from kb.content.snippets import SnippetType
from renderers.base import (
    Finding,
    RenderContext,
    Rendering,
    Rule,
    Severity,
    inline_rule,
    render_fragment,
    rule_table,
    short_answer,
    skip_rule,
    unreachable_rule,
    walk,
)
from renderers.speech import (
    BREAK_AFTER_LIST_ITEM_MS,
    BREAK_AROUND_HEADING_MS,
    estimate_seconds,
    ordinal_prefix,
    speech_lang,
    split_codes,
    spoken_characters,
    spoken_money,
    spoken_phone,
)
from renderers.ssml import (
    SSML_NAMESPACE,
    Paragraph,
    Pause,
    Piece,
    Speech,
    say_as,
    split_sentences,
    write_speech,
    xml_text,
)
from renderers.values import format_date

__all__ = ["SSML_NAMESPACE", "IvrRenderer", "IvrState", "ivr_rules", "xml_text"]

#: Text that looks like a web address; the IVR must never read one out.
URL_LIKE = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
#: The feedback question said after the answer, by locale language; English when not listed.
_FEEDBACK_PROMPT = {
    "en": "If this answered your question, press {yes}. If not, press {no}.",
    "ru": "Если мы ответили на ваш вопрос, нажмите {yes}. Если нет, нажмите {no}.",
    "bg": "Ако това отговори на въпроса ви, натиснете {yes}. Ако не, натиснете {no}.",
}
#: A key the answer's own menu offers: "to top up, press 2" (en, ru, bg).
_MENU_KEY = re.compile(r"\b(?:press|нажмите|нажми|натиснете|натисни)\s+(\d)\b", re.IGNORECASE)


def feedback_digits(answer: str) -> tuple[str, str]:
    """The keys for "it helped" and "it did not": the first two the answer does not say, so
    that they never collide with a menu the answer itself offers (1 and 2 unless it does)."""
    said = set(_MENU_KEY.findall(answer))
    free = [d for d in "1234567890" if d not in said]
    return (free[0], free[1]) if len(free) > 1 else ("1", "2")


@dataclass
class _ListFrame:
    """An open list: whether its items are numbered, the first number, items seen so far."""

    ordered: bool
    start: int = 1
    items: int = 0


@dataclass
class IvrState:
    """The speech under construction: finished paragraphs, the current one, words not yet
    cut into sentences, open lists, and what was wrong."""

    context: RenderContext
    channel: str
    rules: Mapping[str, Rule]
    blocks: list[Paragraph | Pause] = field(default_factory=list)
    paragraph: Paragraph | None = None
    inline: list[Piece] = field(default_factory=list)
    depth: int = 0
    lists: list[_ListFrame] = field(default_factory=list)
    prefix: str | None = None
    findings: list[Finding] = field(default_factory=list)
    snippet_depth: int = 0

    def problem(self, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a finding about this unit in this channel."""
        self.findings.append(self.context.finding(severity, code, message, self.channel))

    def render(self, tokens: Sequence[Token]) -> None:
        """Walk `tokens` with the IVR rules: never internal notes, summary blocks allowed."""
        walk(
            tokens,
            self.rules,
            self,
            channel=self.channel,
            shows_internal=False,
            shows_summary=True,
        )

    def say(self, piece: Piece) -> None:
        """Add words to the current sentence (a list item's ordinal goes before its first word)."""
        if self.prefix is not None:
            if piece.ssml is None and not piece.text.strip():
                return
            prefix, self.prefix = self.prefix, None
            self.say(Piece(prefix + " "))
        last = self.inline[-1] if self.inline else None
        if piece.ssml is None and last is not None and last.ssml is None:
            self.inline[-1] = Piece(last.text + piece.text)
        else:
            self.inline.append(piece)

    def end_sentences(self) -> None:
        """Cut the words said so far into sentences of the current paragraph."""
        pieces, self.inline = self.inline, []
        sentences = split_sentences(pieces)
        if not sentences:
            return
        if self.paragraph is None:
            self.paragraph = []
            self.blocks.append(self.paragraph)
        self.paragraph.extend(sentences)

    def open_block(self) -> None:
        """Start a block; only outermost blocks become paragraphs (SSML `<p>` cannot nest)."""
        self.end_sentences()
        if self.depth == 0:
            self.paragraph = []
            self.blocks.append(self.paragraph)
        self.depth += 1

    def close_block(self) -> None:
        """End a block; the paragraph ends with the outermost one."""
        self.end_sentences()
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0:
            self.paragraph = None

    def pause(self, ms: int) -> None:
        """A silence here: inside the current paragraph, or between paragraphs."""
        self.end_sentences()
        if self.depth > 0 and self.paragraph is not None:
            self.paragraph.append(Pause(ms))
        else:
            self.blocks.append(Pause(ms))


# --- rules ---------------------------------------------------------------------------------


def _text(state: IvrState, tokens: Sequence[Token], index: int) -> None:
    state.say(Piece(tokens[index].content))


def _space(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.say(Piece(" "))


def _code_inline(state: IvrState, tokens: Sequence[Token], index: int) -> None:
    state.problem(
        "ivr-code-skipped",
        f"code '{tokens[index].content[:40]}' is not read out in the IVR",
        Severity.WARNING,
    )


def _code_block(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.end_sentences()
    state.problem("ivr-code-skipped", "a code block is not read out in the IVR", Severity.WARNING)


def _skip_table(state: IvrState, tokens: Sequence[Token], index: int) -> int:
    """A table cannot be listened to: the whole table is left out, and the editor told."""
    state.problem(
        "ivr-table-skipped",
        "a table is not read out in the IVR; write the key facts as a sentence in '::: only ivr'",
        Severity.WARNING,
    )
    return matching_close(tokens, index) + 1


def _skip_struck(_state: IvrState, tokens: Sequence[Token], index: int) -> int:
    """Struck-out text is what no longer holds: it is not said."""
    return matching_close(tokens, index) + 1


def _open_block(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.open_block()


def _close_block(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.close_block()


def _paragraph_open(state: IvrState, tokens: Sequence[Token], index: int) -> int | None:
    """A paragraph holding only a markdown snippet becomes the snippet's own blocks."""
    children = tokens[index + 1].children or [] if index + 1 < len(tokens) else []
    if len(children) == 1 and children[0].type == "snippet":
        snippet = state.context.snippets.get(children[0].meta["name"])
        if snippet is not None and snippet.type is SnippetType.MARKDOWN:
            render_fragment(state, snippet.value, inline=False)
            return index + 3
    state.open_block()
    return None


def _heading_open(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.pause(BREAK_AROUND_HEADING_MS)
    state.open_block()


def _heading_close(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.close_block()
    state.pause(BREAK_AROUND_HEADING_MS)


def _hr(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.pause(BREAK_AROUND_HEADING_MS)


def _list_open(state: IvrState, tokens: Sequence[Token], index: int) -> None:
    token = tokens[index]
    start = token.attrs.get("start") if token.type == "ordered_list_open" else None
    state.open_block()
    state.lists.append(_ListFrame(ordered=token.type == "ordered_list_open", start=int(start or 1)))


def _list_close(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    if state.lists:
        state.lists.pop()
    state.close_block()


def _list_item_open(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    """Each item is its own sentence, after a short break; numbered items start "First,"."""
    state.end_sentences()
    frame = state.lists[-1] if state.lists else _ListFrame(ordered=False)
    if frame.items:
        state.pause(BREAK_AFTER_LIST_ITEM_MS)
    frame.items += 1
    if frame.ordered:
        state.prefix = ordinal_prefix(frame.start + frame.items - 1, state.context.locale)


def _list_item_close(state: IvrState, _tokens: Sequence[Token], _index: int) -> None:
    state.prefix = None
    state.end_sentences()


def _snippet(state: IvrState, tokens: Sequence[Token], index: int) -> None:
    """A snippet spoken by its type: phone digit by digit, money in words, never a URL."""
    name = tokens[index].meta["name"]
    snippet = state.context.snippets.get(name)
    if snippet is None:
        state.problem("unresolved-snippet", f"snippet '{name}' is not defined")
        return
    locale = state.context.locale
    value = snippet.value
    if snippet.type is SnippetType.PHONE:
        state.say(say_as("telephone", value, spoken_phone(value, locale)))
    elif snippet.type is SnippetType.MONEY:
        words = spoken_money(value, locale)
        state.say(say_as("currency", words, words))
    elif snippet.type is SnippetType.DATE:
        state.say(say_as("date", value, format_date(value, locale), ' format="ymd"'))
    elif snippet.type is SnippetType.URL:
        state.problem(
            "ivr-url-snippet",
            f"url snippet '{name}' is not read out in the IVR; the sentence must make sense "
            "without it",
            Severity.WARNING,
        )
    elif snippet.type is SnippetType.MARKDOWN:
        render_fragment(state, value, inline=True)
    else:
        for part, is_code in split_codes(value):
            if is_code:
                state.say(say_as("characters", part, spoken_characters(part, locale)))
            else:
                state.say(Piece(part))


def ivr_rules() -> dict[str, Rule]:
    """The IVR rule table: one rule per token type the parser emits."""
    rules: dict[str, Rule] = {
        "inline": inline_rule,
        "text": _text,
        "softbreak": _space,
        "hardbreak": _space,
        "code_inline": _code_inline,
        "code_block": _code_block,
        "fence": _code_block,
        "hr": _hr,
        "image": skip_rule,
        "snippet": _snippet,
        "paragraph_open": _paragraph_open,
        "paragraph_close": _close_block,
        "heading_open": _heading_open,
        "heading_close": _heading_close,
        "blockquote_open": _open_block,
        "blockquote_close": _close_block,
        "bullet_list_open": _list_open,
        "bullet_list_close": _list_close,
        "ordered_list_open": _list_open,
        "ordered_list_close": _list_close,
        "list_item_open": _list_item_open,
        "list_item_close": _list_item_close,
        "table_open": _skip_table,
        "link_open": skip_rule,
        "link_close": skip_rule,
        "s_open": _skip_struck,
        "s_close": skip_rule,
        "container_only_open": skip_rule,
        "container_only_close": skip_rule,
        "container_summary_open": skip_rule,
        "container_summary_close": skip_rule,
        "container_internal_open": unreachable_rule,
        "container_internal_close": unreachable_rule,
    }
    # Table parts are consumed whole by `table_open`; emphasis adds nothing a listener hears.
    rules["table_close"] = skip_rule
    for name in ("thead", "tbody", "tr", "th", "td", "em", "strong"):
        rules[f"{name}_open"] = skip_rule
        rules[f"{name}_close"] = skip_rule
    return rules


class IvrRenderer:
    """The phone menu: the short answer as SSML 1.1 plus the same words as plain text."""

    name = "ivr"
    media_type = "application/ssml+xml"
    for_staff = False
    rules: Mapping[str, Rule] = rule_table(ivr_rules())

    def render(self, context: RenderContext) -> Rendering:
        """Speak the short answer; report URLs, silence and answers too long to listen to."""
        state = IvrState(context, self.name, self.rules)
        state.render(short_answer(context.parsed.tokens, self.name))
        state.end_sentences()
        lang = speech_lang(context.locale)
        speech = write_speech(state.blocks, lang)
        seconds = _seconds(speech, context.locale)
        limit = context.limits.ivr_max_seconds
        _check(state, speech.text, seconds, limit)
        data: dict[str, object] = {"duration_seconds": seconds, "max_seconds": limit}
        if context.ivr_feedback_prompt:
            # Said after the answer, not part of it: the limit is the editor's, on the answer.
            yes, no = feedback_digits(speech.text)
            words = _FEEDBACK_PROMPT.get(context.locale.split("-")[0], _FEEDBACK_PROMPT["en"])
            prompt = words.format(yes=yes, no=no)
            asked: Paragraph = [*split_sentences([Piece(prompt)])]
            speech = write_speech([*state.blocks, Pause(BREAK_AROUND_HEADING_MS), asked], lang)
            unit_id = context.unit.document.id
            data["feedback"] = {
                "prompt": prompt,
                "duration_seconds": round(_seconds(speech, context.locale) - seconds, 1),
                "digits": {
                    yes: {"unit_id": unit_id, "helpful": True},
                    no: {"unit_id": unit_id, "helpful": False},
                },
            }
        return Rendering(
            channel=self.name,
            media_type=self.media_type,
            body=speech.ssml + "\n",
            data={"text": speech.text, **data},
            findings=tuple(state.findings),
        )


def _seconds(speech: Speech, locale: str) -> float:
    """About how long `speech` takes to say."""
    return estimate_seconds(
        speech.text,
        locale,
        sentences=speech.sentences,
        paragraphs=speech.paragraphs,
        break_ms=speech.break_ms,
    )


def _check(state: IvrState, text: str, seconds: float, limit: float) -> None:
    """What would make the prompt fail a caller: silence, a URL read out, or too long."""
    if not text.strip():
        state.problem(
            "no-output",
            "the IVR has nothing to say: write a first paragraph, a '::: summary' "
            "or a '::: only ivr' block",
        )
        return
    match = URL_LIKE.search(text)
    if match is not None:
        start = match.start()
        state.problem(
            "ivr-url",
            f"the spoken answer would read out a web address ('{text[start : start + 40]}'); "
            "say where to find it in words instead",
        )
    if seconds > limit:
        state.problem(
            "ivr-too-long",
            f"the spoken answer takes about {seconds:.0f} s, limit {limit:g} s",
        )
