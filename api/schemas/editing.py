"""Editor bodies: previews of unsaved units and the state of every draft."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Timestamp, _Body, _examples
from api.schemas.drafts import _UNIT_FIELDS, _UNIT_SOURCE, UnitFields

__all__ = [
    "ChannelPreviewOut",
    "CheckFindingOut",
    "DraftStatusOut",
    "PreviewIn",
    "PreviewOut",
]


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
    renderings: list[ChannelPreviewOut] = Field(
        description="One per channel the unit reaches, in the registry's order (web, chatbot, "
        "operator, ivr, email, sms, messenger, then plug-ins)."
    )
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
