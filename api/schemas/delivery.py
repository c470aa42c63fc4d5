"""Delivery bodies: answers, search, units and the FAQ, each saying which release served it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import _examples

__all__ = [
    "AlternativeOut",
    "AnswerOut",
    "Delivered",
    "FaqItem",
    "FaqOut",
    "SearchHitOut",
    "SearchOut",
    "UnitOut",
]


class Delivered(BaseModel):
    """What every delivery body says: the release, and the locale actually served."""

    kb_version: int = Field(description="The release this response was served from.")
    locale: str = Field(description="The locale served (the default one after a fallback).")
    fallback: bool = Field(
        False, description="True when the asked locale was missing and the default was served."
    )


LocaleSource = Literal["parameter", "accept-language", "detected", "default"]
_LOCALE_SOURCE = (
    "Why this locale answered: the `locale` parameter; else the caller's Accept-Language; else "
    "the language the words are written in (`detected`); else the default locale (also after a "
    "`fallback`)."
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
            "locale_source": "detected",
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
    locale_source: LocaleSource = Field(description=_LOCALE_SOURCE)


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
            "locale_source": "parameter",
            "kb_version": 12,
        }
    )
    hits: list[SearchHitOut]
    total: int = Field(ge=0)
    did_you_mean: str | None = Field(None, description="A corrected query, when words were typos.")
    locale_source: LocaleSource = Field(description=_LOCALE_SOURCE)


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
