"""Request and response bodies of API v1, with the examples the OpenAPI document shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "AlternativeOut",
    "AnswerOut",
    "ChannelPreviewOut",
    "CheckFindingOut",
    "DiffOut",
    "DraftIn",
    "DraftOut",
    "DraftStatusOut",
    "DraftSummary",
    "FaqItem",
    "FaqOut",
    "KeyIn",
    "KeyOut",
    "NewKeyOut",
    "PreviewIn",
    "PreviewOut",
    "ProblemOut",
    "PublishIn",
    "PublishOut",
    "ReleaseOut",
    "RevisionOut",
    "RollbackIn",
    "SearchHitOut",
    "SearchOut",
    "SnippetIn",
    "SnippetOut",
    "SnippetUpdate",
    "UnitFields",
    "UnitOut",
]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def _in_utc(value: datetime) -> datetime:
    """SQLite gives back our UTC times without their offset; an RFC 3339 date-time needs one."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: A moment as the API shows it: always with its offset (e.g. `2026-11-30T09:15:00Z`).
Timestamp = Annotated[datetime, AfterValidator(_in_utc)]


def _whole(value: object) -> object:
    """JSON Schema's integer: `11.0` is `11` (strict mode alone would refuse it)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


#: An integer in a request body, as JSON Schema counts them.
WholeNumber = Annotated[int, BeforeValidator(_whole)]


class _Body(BaseModel):
    """A request body, taken exactly as documented: `0` is no `false`, `"11"` no `11`."""

    model_config = ConfigDict(strict=True)


class ProblemOut(BaseModel):
    """RFC 9457 problem details: every error response has this shape."""

    model_config = _examples(
        {
            "type": "about:blank",
            "title": "Invalid content",
            "status": 422,
            "detail": "1 problem found:",
            "errors": [
                {"message": "required", "source": "body", "line": 2, "field": "title"},
            ],
        }
    )
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class Delivered(BaseModel):
    """What every delivery body says: the release, and the locale actually served."""

    kb_version: int = Field(description="The release this response was served from.")
    locale: str = Field(description="The locale served (the default one after a fallback).")
    fallback: bool = Field(
        False, description="True when the asked locale was missing and the default was served."
    )


class AlternativeOut(BaseModel):
    """A runner-up unit: offered when the best answer is not clear enough."""

    unit_id: str
    title: str
    confidence: float = Field(ge=0, le=1)


class AnswerOut(Delivered):
    """The best answer to a customer's question, an offer of choices, or an honest no."""

    model_config = _examples(
        {
            "status": "answered",
            "unit_id": "check-balance",
            "title": "How do I check my balance?",
            "confidence": 0.97,
            "content": {
                "channel": "chatbot",
                "media_type": "application/json",
                "body": "Dial *100# to hear your balance.",
                "findings": [],
            },
            "routing": "billing",
            "alternatives": [],
            "locale": "en",
            "fallback": False,
            "kb_version": 12,
        }
    )
    status: Literal["answered", "clarify", "no_answer"]
    unit_id: str | None = None
    title: str | None = None
    confidence: float = Field(ge=0, le=1)
    content: dict[str, Any] | None = Field(
        None, description="The unit rendered for the channel (answered only)."
    )
    routing: str | None = Field(None, description="Team or skill to hand the customer to.")
    alternatives: list[AlternativeOut] = []


class SearchHitOut(BaseModel):
    """One ranked hit; the snippet is safe HTML with matches in <mark>."""

    unit_id: str
    title: str
    snippet: str
    score: float


class SearchOut(Delivered):
    """Ranked hits for search as you type."""

    model_config = _examples(
        {
            "hits": [
                {
                    "unit_id": "roaming-activation",
                    "title": "How do I turn on roaming?",
                    "snippet": "Turn on <mark>roaming</mark> in the app before you travel.",
                    "score": 7.31,
                }
            ],
            "total": 1,
            "did_you_mean": "roaming",
            "locale": "en",
            "fallback": False,
            "kb_version": 12,
        }
    )
    hits: list[SearchHitOut]
    total: int = Field(ge=0)
    did_you_mean: str | None = Field(None, description="A corrected query, when words were typos.")


class UnitOut(Delivered):
    """One published unit rendered for a channel; channel extras (e.g. `ssml`) are added."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "kb_version": 12,
                    "unit_id": "check-balance",
                    "locale": "en",
                    "fallback": False,
                    "channel": "web",
                    "title": "How do I check my balance?",
                    "category": "billing",
                    "tags": ["balance"],
                    "routing": "billing",
                    "revision": 3,
                    "media_type": "text/html",
                    "content": "<p>Dial <a href='tel:*100#'>*100#</a>.</p>",
                }
            ]
        },
    )
    unit_id: str
    channel: str
    title: str
    category: str | None
    tags: list[str]
    routing: str | None
    revision: int
    media_type: str
    content: str


class FaqItem(BaseModel):
    """One question and its web answer (safe HTML)."""

    unit_id: str
    title: str
    category: str | None
    answer: str


class FaqOut(Delivered):
    """The list an FAQ widget shows: public web units of a locale, optionally of one category."""

    model_config = _examples(
        {
            "kb_version": 12,
            "locale": "en",
            "fallback": False,
            "category": "billing",
            "items": [
                {
                    "unit_id": "check-balance",
                    "title": "How do I check my balance?",
                    "category": "billing",
                    "answer": "<p>Dial *100#.</p>",
                }
            ],
            "json_ld": {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": []},
        }
    )
    category: str | None
    items: list[FaqItem]
    json_ld: dict[str, Any] = Field(description="schema.org FAQPage data for search engines.")


class ReleaseOut(BaseModel):
    """A numbered, immutable release."""

    model_config = _examples(
        {
            "kb_version": 12,
            "author": "maria",
            "message": "New roaming prices",
            "rollback_of": None,
            "units": 148,
            "snippets": 23,
            "created_at": "2026-11-30T09:15:00Z",
        }
    )
    kb_version: int
    author: str
    message: str
    rollback_of: int | None
    units: int
    snippets: int
    created_at: Timestamp


class PublishIn(_Body):
    """Publish the drafts as the next release, or only report what that would change."""

    model_config = _examples({"message": "New roaming prices", "dry_run": True})
    message: str = Field("", max_length=2000)
    dry_run: bool = False


class RollbackIn(_Body):
    """Publish a new release equal to an earlier one."""

    model_config = _examples({"to": 11, "message": "Prices were wrong"})
    to: WholeNumber = Field(ge=1, le=1_000_000_000)
    message: str = Field("", max_length=2000)


class FindingOut(BaseModel):
    """What a publishing check found; errors block a release."""

    blocking: bool
    code: str = Field(description="The kind of finding, e.g. unit-link or routing-regression.")
    message: str


class PublishOut(BaseModel):
    """What a release changed (or, for a dry run, would change), and what the checks found."""

    model_config = _examples(
        {
            "dry_run": False,
            "kb_version": 13,
            "base": 12,
            "added": [["esim-activation", "en"]],
            "changed": [["check-balance", "en"]],
            "removed": [],
            "affected_by_snippets": [],
            "snippets_added": [],
            "snippets_changed": [],
            "snippets_removed": [],
            "findings": [],
        }
    )
    dry_run: bool
    kb_version: int | None = Field(description="The new release; null for a dry run.")
    base: int | None
    added: list[tuple[str, str]]
    changed: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    affected_by_snippets: list[tuple[str, str]]
    snippets_added: list[tuple[str, str]]
    snippets_changed: list[tuple[str, str]]
    snippets_removed: list[tuple[str, str]]
    findings: list[FindingOut]


_UNIT_SOURCE = """---
id: check-balance
locale: en
title: How do I check my balance?
questions: [what is my balance]
---
Dial {{ balance_ussd }} or open the app.
"""


_UNIT_FIELDS: dict[str, Any] = {
    "id": "check-balance",
    "locale": "en",
    "title": "How do I check my balance?",
    "questions": ["what is my balance"],
    "category": None,
    "tags": [],
    "audience": "public",
    "channels": None,
    "routing": None,
    "owner": None,
    "review_by": None,
}


class DraftIn(_Body):
    """A unit in the content format: Markdown with YAML front matter."""

    model_config = _examples({"source": _UNIT_SOURCE, "message": "Clearer first sentence"})
    source: str = Field(min_length=1, max_length=200_000)
    message: str = Field("", max_length=2000, description="Why: kept in the history.")


class DraftSummary(BaseModel):
    """A draft unit in a list."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "revision": 4,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
        }
    )

    unit_id: str
    locale: str
    title: str
    revision: int
    archived: bool
    author: str
    updated_at: Timestamp


class DraftOut(DraftSummary):
    """A draft unit with its source; its revision is also its ETag for If-Match."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "revision": 4,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
            "source": _UNIT_SOURCE,
            "outcome": "updated",
            "fields": _UNIT_FIELDS,
            "body": "Dial {{ balance_ussd }} or open the app.",
        }
    )
    source: str
    outcome: str | None = Field(None, description="created, updated, unchanged... (on saves)")
    fields: UnitFields = Field(description="The front matter, every field with its default.")
    body: str = Field(description="The Markdown after the front matter.")


class RevisionOut(BaseModel):
    """One saved state of a unit."""

    model_config = _examples(
        {
            "revision": 4,
            "title": "How do I check my balance?",
            "archived": False,
            "author": "maria",
            "message": "Clearer first sentence",
            "created_at": "2026-11-30T09:15:00Z",
        }
    )

    revision: int
    title: str
    archived: bool
    author: str
    message: str
    created_at: Timestamp


class DiffOut(BaseModel):
    """A unified diff of two revisions' sources."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "from_revision": 3,
            "to_revision": 4,
            "diff": "--- check-balance.en.md@3\n+++ check-balance.en.md@4\n@@ ...",
        }
    )
    unit_id: str
    locale: str
    from_revision: int | None
    to_revision: int
    diff: str


SnippetKind = Literal["text", "phone", "money", "date", "url", "markdown"]


class SnippetUpdate(_Body):
    """A snippet's new value."""

    model_config = _examples({"type": "phone", "value": "+1 800 555 0100", "message": "New line"})
    type: SnippetKind
    value: str = Field(min_length=1, max_length=20_000)
    message: str = Field("", max_length=2000)


class SnippetIn(SnippetUpdate):
    """A new snippet: a shared value used in many units as {{ name }}."""

    model_config = _examples(
        {"name": "support_phone", "locale": "en", "type": "phone", "value": "+1 800 555 0100"}
    )
    # The rules kb.content.snippets.validate_snippet applies, so the document shows them.
    name: str = Field(min_length=1, max_length=200, pattern=r"^[a-z][a-z0-9_]*$")
    locale: str = Field(min_length=2, max_length=35, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")


class SnippetOut(BaseModel):
    """A draft snippet; its revision is its ETag."""

    model_config = _examples(
        {
            "name": "support_phone",
            "locale": "en",
            "type": "phone",
            "value": "+1 800 555 0100",
            "revision": 2,
            "archived": False,
            "author": "maria",
            "updated_at": "2026-11-30T09:15:00Z",
            "used_by": ["contact-support", "lost-or-stolen-phone"],
        }
    )

    name: str
    locale: str
    type: str
    value: str
    revision: int
    archived: bool
    author: str
    updated_at: Timestamp
    used_by: list[str] = Field(
        default_factory=list, description="Ids of the draft units in its locale that use it."
    )


class KeyIn(_Body):
    """A key to create."""

    model_config = _examples({"name": "website widget", "role": "reader"})
    name: str = Field(min_length=1, max_length=200)
    role: Literal["reader", "operator", "editor", "publisher", "admin"]


class KeyOut(BaseModel):
    """A key's record; never its secret."""

    model_config = _examples(
        {
            "key_id": "3f9a1c2b7d4e",
            "name": "website widget",
            "role": "reader",
            "author": "admin",
            "created_at": "2026-11-30T09:15:00Z",
            "revoked_at": None,
        }
    )

    key_id: str
    name: str
    role: str
    author: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class NewKeyOut(KeyOut):
    """A key just created: `key` is shown this once."""

    model_config = _examples(
        {
            "key_id": "3f9a1c2b7d4e",
            "name": "website widget",
            "role": "reader",
            "author": "admin",
            "created_at": "2026-11-30T09:15:00Z",
            "revoked_at": None,
            "key": "kb_3f9a1c2b7d4e_Vh2f0Jx9lq7T3mQwZ8rY1cKpN5sD6uE4",
        }
    )

    key: str = Field(description="Send as `Authorization: Bearer KEY`; it is not shown again.")


# -- the editor: previews of unsaved units and the state of every draft --------------------------


class UnitFields(BaseModel):
    """A unit's front matter as JSON, every field present (null or [] when not given)."""

    model_config = _examples(_UNIT_FIELDS)
    id: str
    locale: str
    title: str
    questions: list[str]
    category: str | None
    tags: list[str]
    audience: Literal["public", "internal"]
    channels: list[str] | None = Field(description="null: every channel.")
    routing: str | None
    owner: str | None
    review_by: date | None = Field(description="After this date the unit is stale.")


_STALE_FINDING: dict[str, Any] = {
    "severity": "warning",
    "code": "stale",
    "message": "review date 2026-01-01 has passed; owner: billing-team",
    "channel": None,
    "blocking": False,
    "unit_id": "check-balance",
    "locale": "en",
}


class CheckFindingOut(BaseModel):
    """A problem `kb check` finds; errors (blocking) stop a release, warnings do not."""

    model_config = _examples(_STALE_FINDING)
    severity: Literal["error", "warning"]
    code: str = Field(description="e.g. broken-link, ivr-too-long, unknown-snippet, stale.")
    message: str
    channel: str | None = Field(description="null: the unit itself, or every channel.")
    blocking: bool
    unit_id: str | None
    locale: str | None


class ChannelPreviewOut(BaseModel):
    """The unit rendered for one channel; channel extras (e.g. IVR `text`, `duration_seconds`,
    `max_seconds`; chatbot `quick_replies`) are added."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "channel": "ivr",
                    "media_type": "application/ssml+xml",
                    "body": "<speak xml:lang='en'>Dial star one zero zero hash.</speak>",
                    "text": "Dial star one zero zero hash.",
                    "duration_seconds": 2.1,
                    "max_seconds": 30.0,
                    "findings": [],
                }
            ]
        },
    )
    channel: str
    media_type: str
    body: str
    findings: list[CheckFindingOut] = Field(description="What this channel's renderer found.")


class PreviewIn(_Body):
    """An unsaved unit in the content format: Markdown with YAML front matter."""

    model_config = _examples({"source": _UNIT_SOURCE})
    source: str = Field(min_length=1, max_length=200_000)


class PreviewOut(BaseModel):
    """An unsaved unit in every channel it is enabled for, and what `kb check` finds in it."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "fields": _UNIT_FIELDS,
            "body": "Dial {{ balance_ussd }} or open the app.",
            "renderings": [
                {
                    "channel": "web",
                    "media_type": "text/html",
                    "body": "<p>Dial <a href='tel:*100#'>*100#</a> or open the app.</p>",
                    "title": "How do I check my balance?",
                    "findings": [],
                }
            ],
            "findings": [],
            "errors": 0,
            "warnings": 0,
            "audio": True,
        }
    )
    unit_id: str
    locale: str
    title: str
    fields: UnitFields
    body: str
    renderings: list[ChannelPreviewOut] = Field(description="web, chatbot, operator, ivr order.")
    findings: list[CheckFindingOut] = Field(description="Every finding once; errors first.")
    errors: int = Field(ge=0, description="Blocking findings: the release would be refused.")
    warnings: int = Field(ge=0)
    audio: bool = Field(description="Whether /drafts/preview/audio can speak the IVR prompt.")


class DraftStatusOut(BaseModel):
    """A draft unit against the live release, with its `kb check` counts."""

    model_config = _examples(
        {
            "unit_id": "check-balance",
            "locale": "en",
            "title": "How do I check my balance?",
            "category": "billing",
            "revision": 4,
            "published_revision": 3,
            "changed": True,
            "published": True,
            "stale": False,
            "archived": False,
            "errors": 0,
            "warnings": 1,
            "updated_at": "2026-11-30T09:15:00Z",
            "author": "maria",
        }
    )
    unit_id: str
    locale: str
    title: str
    category: str | None
    revision: int = Field(description="The newest draft revision.")
    published_revision: int | None = Field(description="The revision the live release serves.")
    changed: bool = Field(description="Publishing would change it: new, edited or archived.")
    published: bool = Field(description="The live release serves it.")
    stale: bool = Field(description="Its review date has passed.")
    archived: bool
    errors: int = Field(ge=0, description="Blocking findings of `kb check` on the drafts.")
    warnings: int = Field(ge=0)
    updated_at: Timestamp
    author: str
