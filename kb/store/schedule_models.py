"""Scheduled releases and the scheduler's periodic jobs (issue 18); models.py registers it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

__all__ = ["SCHEDULE_STATES", "ScheduledRelease", "SchedulerJob"]

#: A schedule waits (pending), is being published by one process (running), then ends as
#: published (with the release it made, or none when nothing had changed), cancelled or failed.
SCHEDULE_STATES = ("pending", "running", "published", "cancelled", "failed")


def _moment(nullable: bool) -> datetime | None:
    """A timezone-aware column: every moment stored here is UTC."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class ScheduledRelease(SQLModel, table=True):
    """A release of the drafts (their approved state) to be made at `at`, once, by one process."""

    __tablename__ = "scheduled_release"
    __table_args__ = (Index("ix_scheduled_release_due", "state", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: When to publish (UTC); the scheduler publishes on its first tick at or after it.
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: The release message to publish with.
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    #: Who scheduled it (the API key's name, or KB_AUTHOR for the command line).
    author: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    state: str = Field(default="pending", max_length=20)
    #: The release it made, once published (None: cancelled, failed, or nothing had changed).
    release_number: int | None = None
    #: Why it failed, or what publishing said (nothing to publish...); None while pending.
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: The process running it (host:pid:thread) and since when: a claim whose process died
    #: is taken over after a lease (kb.scheduling.store).
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _moment(nullable=True)
    #: Who cancelled it, when it was.
    cancelled_by: str | None = Field(default=None, max_length=200)
    finished_at: datetime | None = _moment(nullable=True)


class SchedulerJob(SQLModel, table=True):
    """When a periodic job (kb.scheduling.jobs) is next due; the process whose update moves
    `next_at` on is the one that runs it that time."""

    __tablename__ = "scheduler_job"

    name: str = Field(primary_key=True, max_length=100)
    next_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=200)
    last_run_at: datetime | None = _moment(nullable=True)
