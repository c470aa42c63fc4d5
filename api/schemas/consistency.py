"""Consistency bodies: the report (duplicates, contradictions, repeated values) and the two
actions that act on it, merging duplicates and extracting a snippet."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import WholeNumber, _Body, _examples
from api.schemas.drafts import SnippetKind

__all__ = [
    "ConsistencyOut",
    "ContradictionOut",
    "DuplicateOut",
    "MentionOut",
    "MergeIn",
    "MergeOut",
    "RepeatedValueOut",
    "ReplacedUnitOut",
    "ReportUnitOut",
    "SavedUnitOut",
    "SnippetExtractIn",
    "SnippetExtractOut",
]

#: A unit id as the content format allows it (kb.content.document.validate_slug).
UnitId = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
#: A locale as the content format allows it (kb.content.document.validate_locale).
Locale = Annotated[
    str, StringConstraints(min_length=2, max_length=35, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
]
#: A revision number as JSON Schema counts integers (WholeNumber); its bounds come first, or
#: pydantic leaves them out of the document for a dictionary's values.
_Revision = Annotated[int, Field(ge=0, le=1_000_000_000), *WholeNumber.__metadata__]
#: The revision of each unit the caller saw (the `revision` of the report's units): a unit
#: saved since refuses the whole action with 409, as If-Match does for one unit.
Revisions = Annotated[
    dict[
        Annotated[str, StringConstraints(max_length=200)],
        _Revision,
    ],
    Field(
        min_length=1,
        max_length=501,
        description="Unit id -> the revision it was at when read; every unit acted on.",
    ),
]

_PHONE_MENTION = {
    "unit_id": "contact-us",
    "locale": "en",
    "source": "zendesk",
    "kind": "phone",
    "value": "020 7946 0123",
    "normalized": "+442079460123",
    "sentence": "Call us on 020 7946 0123.",
    "from_snippet": False,
}


class MentionOut(BaseModel):
    """One value as one unit states it, with the sentence it stands in."""

    model_config = _examples(_PHONE_MENTION)
    unit_id: str
    locale: str
    source: str = Field(description="The silo the unit came from (source.system), or kb.")
    kind: str = Field(description="phone, email, url, money, percent, duration, date, time...")
    value: str = Field(description="As written.")
    normalized: str = Field(description="The comparable form: E.164, P14D, EUR 10.00...")
    sentence: str
    from_snippet: bool = False


class DuplicateOut(BaseModel):
    """Units that answer the same question; `keep` is the suggested merge target."""

    model_config = _examples(
        {
            "locale": "en",
            "units": ["refunds", "refund-policy"],
            "keep": "refunds",
            "score": 0.93,
            "reason": "example question 'how do refunds work' of refund-policy is refunds' title",
        }
    )
    locale: str
    units: list[str]
    keep: str
    score: float
    reason: str


class ContradictionOut(BaseModel):
    """Two units answering the same question that state different values of one kind."""

    model_config = _examples(
        {
            "locale": "en",
            "kind": "phone",
            "first": _PHONE_MENTION,
            "second": {
                **_PHONE_MENTION,
                "unit_id": "call-us",
                "source": "rasa",
                "value": "+44 20 7946 0999",
                "normalized": "+442079460999",
                "sentence": "Ring +44 20 7946 0999 any time.",
            },
        }
    )
    locale: str
    kind: str
    first: MentionOut
    second: MentionOut


class RepeatedValueOut(BaseModel):
    """A value typed into many units, and the snippet suggested to hold it."""

    model_config = _examples(
        {
            "locale": "en",
            "kind": "phone",
            "value": "+44 20 7946 0123",
            "normalized": "+442079460123",
            "units": ["contact-us", "lost-card", "complaints"],
            "snippet": "support_phone",
            "snippet_exists": False,
        }
    )
    locale: str
    kind: str
    value: str
    normalized: str
    units: list[str]
    snippet: str = Field(description="The suggested snippet name.")
    snippet_exists: bool = False


class ReportUnitOut(BaseModel):
    """A unit the report names: its title and the revision to send back with an action."""

    model_config = _examples(
        {
            "unit_id": "refunds",
            "locale": "en",
            "title": "How do refunds work?",
            "revision": 3,
            "source": "zendesk",
        }
    )
    unit_id: str
    locale: str
    title: str
    revision: int
    source: str


class ConsistencyOut(BaseModel):
    """The consistency report of the drafts or of the current release."""

    model_config = _examples(
        {
            "kb_version": None,
            "drafts": True,
            "duplicates": [],
            "contradictions": [],
            "repeated_values": [],
            "units": [],
        }
    )
    kb_version: int | None = Field(description="The release checked; null for the drafts.")
    drafts: bool
    duplicates: list[DuplicateOut]
    contradictions: list[ContradictionOut]
    repeated_values: list[RepeatedValueOut]
    units: list[ReportUnitOut] = Field(description="Every unit named above, by locale and id.")


class MergeIn(_Body):
    """Merge duplicates: `keep` gains the others' titles and questions, the others are archived."""

    model_config = _examples(
        {
            "locale": "en",
            "keep": "refunds",
            "others": ["refund-policy"],
            "revisions": {"refunds": 3, "refund-policy": 1},
            "message": "One answer about refunds",
        }
    )
    locale: Locale
    keep: UnitId
    others: list[UnitId] = Field(min_length=1, max_length=100)
    revisions: Revisions
    message: str = Field("", max_length=2000, description="Why: kept in each unit's history.")


class SavedUnitOut(BaseModel):
    """A unit an action saved, and the revision it is at now."""

    unit_id: str
    revision: int


class MergeOut(BaseModel):
    """What the merge saved, all in one transaction."""

    model_config = _examples(
        {
            "locale": "en",
            "keep": "refunds",
            "revision": 4,
            "archived": [{"unit_id": "refund-policy", "revision": 2}],
            "added_questions": ["Refund policy", "when do I get my money back"],
            "relinked": [{"unit_id": "orders", "revision": 5}],
        }
    )
    locale: str
    keep: str
    revision: int = Field(description="The kept unit's new revision.")
    archived: list[SavedUnitOut]
    added_questions: list[str]
    relinked: list[SavedUnitOut] = Field(
        description="Units whose links to an archived unit now point at the kept one."
    )


class SnippetExtractIn(_Body):
    """Make a snippet of a value typed into units: each exact occurrence becomes {{ name }}."""

    model_config = _examples(
        {
            "locale": "en",
            "name": "support_phone",
            "value": "+44 20 7946 0123",
            "units": ["contact-us", "lost-card", "complaints"],
            "revisions": {"contact-us": 2, "lost-card": 1, "complaints": 1},
        }
    )
    locale: Locale
    name: str = Field(min_length=1, max_length=200, pattern=r"^[a-z][a-z0-9_]*$")
    value: str = Field(min_length=1, max_length=2000)
    units: list[UnitId] = Field(min_length=1, max_length=500)
    revisions: Revisions
    type: SnippetKind = Field(
        "markdown",
        description="markdown (default) reads exactly as the text it replaces in every "
        "channel; a typed snippet is rendered by its type (a phone becomes a link on the web).",
    )
    message: str = Field("", max_length=2000)


class ReplacedUnitOut(SavedUnitOut):
    """A unit whose occurrences of the value now read {{ name }}."""

    replaced: int = Field(description="How many occurrences were replaced.")


class SnippetExtractOut(BaseModel):
    """The snippet made and the units that now use it, saved in one transaction."""

    model_config = _examples(
        {
            "name": "support_phone",
            "locale": "en",
            "type": "markdown",
            "value": "+44 20 7946 0123",
            "revision": 1,
            "units": [{"unit_id": "contact-us", "revision": 3, "replaced": 2}],
        }
    )
    name: str
    locale: str
    type: str
    value: str
    revision: int = Field(description="The snippet's revision.")
    units: list[ReplacedUnitOut]
