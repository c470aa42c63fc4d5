"""Release bodies: the releases themselves, publishing and rolling back."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Timestamp, WholeNumber, _Body, _examples
from api.schemas.review import ApprovedChangeOut, WaitingChangeOut

__all__ = [
    "FindingOut",
    "PublishIn",
    "PublishOut",
    "PublishReviewOut",
    "ReleaseOut",
    "RollbackIn",
    "RolledBackDraftOut",
]


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

    model_config = _examples({"to": 11, "message": "Prices were wrong", "keep_drafts": False})
    to: WholeNumber = Field(ge=1, le=1_000_000_000)
    message: str = Field("", max_length=2000)
    keep_drafts: bool = Field(
        False,
        description="Leave the drafts as they are (the next publish brings the changes back); "
        "by default the drafts of what the rollback changed go back to release `to`'s content.",
    )


class FindingOut(BaseModel):
    """What a publishing check found; errors block a release."""

    blocking: bool
    code: str = Field(description="The kind of finding, e.g. unit-link or routing-regression.")
    message: str


class RolledBackDraftOut(BaseModel):
    """A draft a rollback changed: reverted to the restored release, or kept ahead of it."""

    kind: str = Field(description="`unit` or `snippet`.")
    id: str = Field(description="The unit's id or the snippet's name.")
    locale: str
    revision: int | None = Field(
        description="The new draft revision holding the restored content; null if kept."
    )
    in_release: bool = Field(
        description="Whether the restored release has it; false: the draft is archived."
    )


class PublishReviewOut(BaseModel):
    """Under KB_REVIEW_POLICY: the approved changes the release takes (and who approved them),
    and the changes that wait, each with why."""

    approved: list[ApprovedChangeOut]
    waiting: list[WaitingChangeOut]


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
            "held_back": [],
            "findings": [],
            "drafts": [],
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
    held_back: list[tuple[str, str]] = Field(
        default_factory=list, description="Units marked draft: kept, left out of the release."
    )
    findings: list[FindingOut]
    drafts: list[RolledBackDraftOut] = Field(
        default_factory=list,
        description="After a rollback: the drafts it reverted, or with keep_drafts kept ahead.",
    )
    not_yet: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Units left out because the release is built before their publish_after.",
    )
    expired: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Units left out because the release is built at or after their expires.",
    )
    review: PublishReviewOut | None = Field(
        None, description="Under review (KB_REVIEW_POLICY): what is approved, what waits."
    )
