"""What every channel renderer shares: its input, its output, findings, and the token walk."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from markdown_it.token import Token

from kb.content.markdown import (
    ParsedBody,
    matching_close,
    only_channels,
    parse_body,
    parse_fragment,
)
from kb.content.snippets import SnippetDocument
from kb.settings import Settings
from kb.store.snapshot import Snapshot, StoredUnit
from renderers.bidi import without_bidi_controls, without_bidi_in

__all__ = [
    "Finding",
    "RenderContext",
    "RenderLimits",
    "Renderer",
    "Rendering",
    "Rule",
    "Severity",
    "UnknownToken",
    "WalkState",
    "inline_rule",
    "render_fragment",
    "rule_table",
    "short_answer",
    "skip_rule",
    "unreachable_rule",
    "walk",
]


class Severity(StrEnum):
    """Errors block publishing; warnings are shown but do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem found while rendering or checking, located by unit, locale and channel."""

    severity: Severity
    code: str
    message: str
    unit_id: str | None = None
    locale: str | None = None
    channel: str | None = None

    @property
    def blocking(self) -> bool:
        """Errors block publishing."""
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = " ".join(p for p in (self.unit_id, self.locale, self.channel) if p)
        return f"{self.severity.value}: {where}: {self.message} [{self.code}]"

    def to_json(self) -> dict[str, str | None]:
        """The finding as a JSON object for tools."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "unit_id": self.unit_id,
            "locale": self.locale,
            "channel": self.channel,
        }


class UnknownToken(Exception):
    """A renderer met a token type it has no rule for: content must never vanish silently."""

    def __init__(self, channel: str, token_type: str) -> None:
        super().__init__(f"the {channel} renderer has no rule for token type '{token_type}'")
        self.channel = channel
        self.token_type = token_type


@dataclass(frozen=True)
class RenderLimits:
    """Channel limits that editors' content is checked against."""

    chatbot_max_chars: int = 1000
    chatbot_max_buttons: int = 5
    chatbot_label_chars: int = 50
    ivr_max_seconds: float = 30.0
    #: The most segments one SMS answer may take (`KB_SMS_MAX_SEGMENTS`).
    sms_max_segments: int = 2

    @classmethod
    def configured(cls, settings: Settings) -> RenderLimits:
        """The limits the settings choose (the rest are the channels' own)."""
        return cls(sms_max_segments=settings.sms_max_segments)


def _default_unit_url(unit_id: str, locale: str) -> str:
    return f"/units/{unit_id}?locale={locale}"


def _is_absolute(url: str) -> bool:
    return url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer may use for one unit: the parse, snippets, other units, the release."""

    unit: StoredUnit
    parsed: ParsedBody
    snippets: Mapping[str, SnippetDocument]
    unit_titles: Mapping[str, str]
    release: int | None
    today: date
    limits: RenderLimits = field(default_factory=RenderLimits)
    unit_url: Callable[[str, str], str] = _default_unit_url
    #: Ids of units for staff only: customer channels must not link to them or show their titles.
    internal_units: frozenset[str] = frozenset()
    #: The help pages' public base URL (`KB_PUBLIC_URL`): where a unit's page is for a reader
    #: outside the site; None when not configured.
    public_url: str | None = None
    #: Whether the IVR ends by asking "press 1 if this answered your question"
    #: (`KB_IVR_FEEDBACK_PROMPT`).
    ivr_feedback_prompt: bool = False

    @property
    def locale(self) -> str:
        """The unit's locale."""
        return self.unit.document.locale

    @classmethod
    def from_snapshot(
        cls,
        snapshot: Snapshot,
        unit: StoredUnit,
        *,
        today: date | None = None,
        limits: RenderLimits | None = None,
        unit_url: Callable[[str, str], str] | None = None,
        public_url: str | None = None,
        ivr_feedback_prompt: bool = False,
    ) -> RenderContext:
        """The context for `unit` as part of `snapshot` (a release or the drafts)."""
        locale = unit.document.locale
        return cls(
            unit=unit,
            parsed=parse_body(unit.document.body),
            snippets=MappingProxyType(snapshot.snippets_for(locale)),
            unit_titles=snapshot.titles(locale),
            release=snapshot.number,
            today=today or date.today(),
            limits=limits or RenderLimits(),
            unit_url=unit_url or _default_unit_url,
            internal_units=snapshot.internal_ids(locale),
            public_url=public_url,
            ivr_feedback_prompt=ivr_feedback_prompt,
        )

    @classmethod
    def configured(cls, snapshot: Snapshot, unit: StoredUnit, settings: Settings) -> RenderContext:
        """The context for `unit` as the settings configure every channel (KB_PUBLIC_URL,
        KB_IVR_FEEDBACK_PROMPT): the API and the command line render alike."""
        return cls.from_snapshot(
            snapshot,
            unit,
            limits=RenderLimits.configured(settings),
            public_url=settings.public_url,
            ivr_feedback_prompt=settings.ivr_feedback_prompt,
        )

    def public_unit_url(self, unit_id: str) -> str | None:
        """The absolute address of `unit_id`'s page in this locale, for text read anywhere
        (a chat, an e-mail); None when only a site-relative one is known."""
        url = self.unit_url(unit_id, self.locale)
        if _is_absolute(url):
            return url
        if self.public_url is None or not url.startswith("/"):
            return None
        return self.public_url.rstrip("/") + url

    def unit_link_problem(self, target: str, *, for_staff: bool) -> str | None:
        """Why a `unit:` link to `target` cannot be followed in a channel, or None if it can."""
        if target not in self.unit_titles:
            return f"links to unit '{target}', which does not exist in locale '{self.locale}'"
        if target in self.internal_units and not for_staff:
            return f"links to internal unit '{target}', which customers cannot see"
        return None

    def finding(self, severity: Severity, code: str, message: str, channel: str | None) -> Finding:
        """A finding about this unit in `channel` (None: in every channel)."""
        doc = self.unit.document
        return Finding(severity, code, message, doc.id, doc.locale, channel)


@dataclass(frozen=True)
class Rendering:
    """A unit rendered for one channel: the main body, channel extras, and what was wrong.

    Body and extras never carry explicit bidi controls (renderers/bidi.py), whichever channel,
    plug-ins included, made them."""

    channel: str
    media_type: str
    body: str
    data: Mapping[str, Any] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", without_bidi_controls(self.body))
        object.__setattr__(self, "data", without_bidi_in(self.data))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the API and `kb render --json`."""
        return {
            "channel": self.channel,
            "media_type": self.media_type,
            "body": self.body,
            **dict(self.data),
            "findings": [f.to_json() for f in self.findings],
        }


@runtime_checkable
class Renderer(Protocol):
    """A channel: turns one unit's parse into that channel's output."""

    name: str
    #: Whether the channel is for staff with an operator credential: only such channels ever
    #: receive `::: internal` notes or units whose audience is internal.
    for_staff: bool
    #: Token type -> rule; must cover `kb.content.markdown.KNOWN_TOKEN_TYPES` (a meta-test checks).
    rules: Mapping[str, Any]

    def render(self, context: RenderContext) -> Rendering:
        """Render the unit in `context`; never mutates the parsed tokens."""
        ...


#: A rule renders tokens[index] into the state; it may return the index to continue at
#: (to consume several tokens at once), or None to go on with the next token.
Rule = Callable[[Any, Sequence[Token], int], int | None]


class WalkState(Protocol):
    """What the shared rules below need from a channel's state object."""

    channel: str
    snippet_depth: int

    def render(self, tokens: Sequence[Token]) -> None:
        """Walk `tokens` with the channel's rules."""
        ...

    def problem(self, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a finding."""
        ...


def skip_rule(_state: WalkState, _tokens: Sequence[Token], _index: int) -> None:
    """Tokens that add nothing of their own in a channel (visibility-only containers...)."""


def unreachable_rule(state: WalkState, tokens: Sequence[Token], index: int) -> None:
    """Internal notes are hidden by `walk`; reaching one is a bug, never output."""
    raise AssertionError(f"{tokens[index].type} reached the {state.channel} renderer")


def inline_rule(state: WalkState, tokens: Sequence[Token], index: int) -> None:
    """Render an inline token's children with the same rules."""
    state.render(tokens[index].children or ())


def render_fragment(state: WalkState, value: str, *, inline: bool) -> None:
    """A markdown snippet's content, rendered by the same rules (snippets do not nest)."""
    if state.snippet_depth:
        state.problem("nested-snippet", "a markdown snippet cannot use other snippets")
        return
    state.snippet_depth += 1
    try:
        state.render(parse_fragment(value, inline=inline))
    finally:
        state.snippet_depth -= 1


def rule_table(rules: Mapping[str, Rule]) -> Mapping[str, Rule]:
    """A read-only rule table, so no caller can patch a channel's behaviour at run time."""
    return MappingProxyType(dict(rules))


def walk(
    tokens: Sequence[Token],
    rules: Mapping[str, Rule],
    state: Any,
    *,
    channel: str,
    shows_internal: bool,
    shows_summary: bool,
) -> None:
    """Dispatch every visible token to its rule; blocks hidden from `channel` are skipped whole.

    Visibility is decided here, once for all channels: `only` blocks by the channels they name,
    `internal` blocks by whether the channel is for staff, `summary` by the channel's choice.
    """
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.nesting == 1 and not _visible(token, channel, shows_internal, shows_summary):
            index = matching_close(tokens, index) + 1
            continue
        rule = rules.get(token.type)
        if rule is None:
            raise UnknownToken(channel, token.type)
        following = rule(state, tokens, index)
        index = index + 1 if following is None else following


def _visible(token: Token, channel: str, shows_internal: bool, shows_summary: bool) -> bool:
    if token.type == "container_only_open":
        return channel in only_channels(token)
    if token.type == "container_internal_open":
        return shows_internal
    if token.type == "container_summary_open":
        return shows_summary
    return True


def short_answer(tokens: Sequence[Token], channel: str) -> list[Token]:
    """The short answer: the `::: summary` block's content, else the first top-level paragraph,
    followed by every `::: only` block naming `channel` (content written for that channel)."""
    picked: list[Token] = []
    index = 0
    summary: list[Token] | None = None
    first_paragraph: list[Token] | None = None
    extras: list[Token] = []
    while index < len(tokens):
        token = tokens[index]
        end = matching_close(tokens, index) if token.nesting == 1 else index
        if token.type == "container_summary_open" and summary is None:
            summary = list(tokens[index + 1 : end])
        elif token.type == "paragraph_open" and token.level == 0 and first_paragraph is None:
            first_paragraph = list(tokens[index : end + 1])
        elif token.type == "container_only_open" and channel in only_channels(token):
            extras.extend(tokens[index + 1 : end])
        index = end + 1
    picked.extend(summary if summary is not None else first_paragraph or [])
    picked.extend(extras)
    return picked
