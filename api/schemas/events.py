"""Receipts, conversations and feedback: what a customer was told, and what they said of it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Timestamp, _Body, _examples
from kb.events.feedback import COMMENT_CHARS, RECEIPT_PATTERN, UNIT_ID_CHARS

__all__ = [
    "ConversationOut",
    "FeedbackIn",
    "FeedbackItemOut",
    "FeedbackListOut",
    "FeedbackOut",
    "ReceiptOut",
]

Reason = Literal["wrong", "outdated", "unclear", "incomplete", "other"]
_RECEIPT = "6f1c2a9e4b7d40c1a3e5f7091b2d4c6e"
_RECEIPT_EXAMPLE = {
    "receipt": _RECEIPT,
    "at": "2026-12-07T09:15:02Z",
    "kind": "answer",
    "channel": "chatbot",
    "locale": "en",
    "kb_version": 12,
    "unit_id": "check-balance",
    "title": "How do I check my balance?",
    "revision": 3,
    "status": "answered",
    "confidence": 0.97,
    "hits": None,
    "units": None,
    "conversation": "chatwoot:4711",
    "via": "widget",
    "question": "how much money is left on my account",
    "content": "Dial *100# to hear your balance.",
    "media_type": "text/plain",
    "current_revision": 4,
    "changed_since": True,
}


class ReceiptOut(BaseModel):
    """One delivery response exactly as it was served: the release, the unit and revision, and
    the content rendered for its channel from that release (releases never change)."""

    model_config = _examples(_RECEIPT_EXAMPLE)

    receipt: str = Field(description="The id the response carried in `X-KB-Receipt`.")
    at: Timestamp = Field(description="When it was served.")
    kind: Literal["answer", "search", "unit", "faq"] = Field(description="What was asked for.")
    channel: str = Field(description="The channel it was rendered for.")
    locale: str = Field(description="The locale served.")
    kb_version: int = Field(description="The release that served it.")
    unit_id: str | None = Field(description="The unit served (an answer's, a unit view's).")
    title: str | None = Field(description="The unit's title in that release.")
    revision: int | None = Field(description="The unit's revision in that release.")
    status: Literal["answered", "clarify", "no_answer"] | None = Field(
        description="An answer's status."
    )
    confidence: float | None = Field(description="An answer's confidence.")
    hits: int | None = Field(description="A search's hit count.")
    units: list[str] | None = Field(description="The units a search listed, in order.")
    conversation: str | None = Field(description="The caller's conversation id, if it gave one.")
    via: str | None = Field(description="What asked, if it said (`widget`, `panel`, `ivr`).")
    question: str | None = Field(
        description="The customer's words after redaction; null when text is not stored."
    )
    content: str | None = Field(
        description="The unit as the customer saw or heard it: rendered for the channel from "
        "the receipt's release, as GET /api/v1/units/{unit_id} gives `content`; null without "
        "a unit."
    )
    media_type: str | None = Field(description="The media type of `content`.")
    current_revision: int | None = Field(
        description="The unit's revision in the current release; null if it is gone."
    )
    changed_since: bool = Field(
        description="Whether the current release serves another revision of the unit (or none)."
    )


class ConversationOut(BaseModel):
    """Everything a conversation was served, oldest first: what the customer was told."""

    model_config = _examples({"conversation": "chatwoot:4711", "receipts": [_RECEIPT_EXAMPLE]})

    conversation: str
    receipts: list[ReceiptOut] = Field(description="Oldest first; empty for an unknown id.")


#: A receipt or a unit id (not null).
_NAMES_A_RESPONSE_OR_UNIT: dict[str, Any] = {
    "anyOf": [
        {"required": [name], "properties": {name: {"type": "string"}}}
        for name in ("receipt", "unit_id")
    ]
}
#: A vote (no `flag`, or false) says `helpful`; a flag never says the unit helped.
_A_VOTE_SAYS_HELPFUL: dict[str, Any] = {
    "if": {"required": ["flag"], "properties": {"flag": {"const": True}}},
    "then": {"properties": {"helpful": {"enum": [False, None]}}},
    "else": {"required": ["helpful"], "properties": {"helpful": {"type": "boolean"}}},
}


class FeedbackIn(_Body):
    """A vote on a response (`helpful`), or an operator's flag on a unit (`flag: true`)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            # What kb.events.feedback checks besides each field, so that clients know it too.
            **_NAMES_A_RESPONSE_OR_UNIT,
            **_A_VOTE_SAYS_HELPFUL,
            "examples": [
                {"receipt": _RECEIPT, "helpful": False, "reason": "outdated"},
                {
                    "unit_id": "check-balance",
                    "flag": True,
                    "reason": "wrong",
                    "comment": "The USSD code changed to *101#.",
                },
            ],
        },
    )

    receipt: str | None = Field(
        None,
        pattern=RECEIPT_PATTERN,
        description="The `X-KB-Receipt` of the response; its unit is the one judged.",
    )
    unit_id: str | None = Field(
        None,
        min_length=1,
        max_length=UNIT_ID_CHARS,
        description="The unit judged, when there is no receipt (or it served none).",
    )
    helpful: bool | None = Field(None, description='A vote\'s answer to "Was this helpful?".')
    reason: Reason | None = Field(None, description="Why it did not help, or why it is flagged.")
    comment: str | None = Field(
        None,
        max_length=COMMENT_CHARS,
        description="Free text; e-mail addresses, phone and card numbers are removed before it "
        "is stored.",
    )
    flag: bool = Field(
        False, description="A flag for the unit's owner (operator key needed), not a vote."
    )


_FEEDBACK_EXAMPLE = {
    "id": 81,
    "kind": "vote",
    "receipt": _RECEIPT,
    "unit_id": "check-balance",
    "helpful": False,
    "reason": "outdated",
    "at": "2026-12-07T09:15:40Z",
}


class FeedbackOut(BaseModel):
    """Feedback as stored."""

    model_config = _examples(_FEEDBACK_EXAMPLE)

    id: int
    kind: Literal["vote", "flag"]
    receipt: str | None
    unit_id: str | None = Field(description="The unit judged: the receipt's, else the one named.")
    helpful: bool | None
    reason: Reason | None
    at: Timestamp


class FeedbackItemOut(FeedbackOut):
    """Feedback as a unit's owner reads it, with the (redacted) comment and who gave it."""

    comment: str | None = Field(description="Redacted.")
    channel: str | None = Field(description="The channel of the receipt's response, if known.")
    actor: str | None = Field(description="The key's name; null for an anonymous customer.")


class FeedbackListOut(BaseModel):
    """Feedback newest first."""

    model_config = _examples(
        {
            "items": [
                {
                    **_FEEDBACK_EXAMPLE,
                    "kind": "flag",
                    "reason": "wrong",
                    "comment": "The USSD code changed to *101#.",
                    "channel": "operator",
                    "actor": "front line",
                }
            ]
        }
    )

    items: list[FeedbackItemOut]
