"""Reviews of draft revisions and their comments (issue 18); models.py registers it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

__all__ = ["ReviewEvent"]


class ReviewEvent(SQLModel, table=True):
    """One step in a revision's review: submitted, approved or changes requested, by whom,
    when, with a comment. Rows are only ever inserted (triggers of migration 0011): a
    revision's review state is its newest step, and every comment stays with the revision."""

    __tablename__ = "review_event"
    __table_args__ = (Index("ix_review_event_revision", "kind", "revision_id"),)

    id: int | None = Field(default=None, primary_key=True)
    #: "unit" (a unit_revision row) or "snippet" (a snippet_revision row).
    kind: str = Field(max_length=10)
    #: The id of the revision row reviewed (revision numbers repeat across units).
    revision_id: int
    #: "submitted", "approved" or "changes_requested" (kb.review.ReviewState).
    action: str = Field(max_length=20)
    #: The API key's name, or KB_AUTHOR / the login name on the command line.
    actor: str = Field(max_length=200)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
