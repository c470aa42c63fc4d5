"""The owners' verifications of units (issue 18); models.py registers it.

A verification says "this unit is still right" without changing it: a row here, never a new
revision. A notice remembers that a unit's lapse was raised (webhook `unit.unverified`) for one
due time, so the scheduler raises it once per lapse, however often it ticks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["UnitVerification", "VerificationNotice"]


class UnitVerification(SQLModel, table=True):
    """One verification of a unit in one locale: who, when, and which revision was current.
    Rows are only ever inserted; the database refuses to update or delete them (0010)."""

    __tablename__ = "unit_verification"
    __table_args__ = (Index("ix_unit_verification_unit", "unit_id", "locale", "verified_at"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(max_length=200)
    locale: str = Field(max_length=35)
    #: The newest revision (the draft the owner looked at) and the release serving then.
    revision: int
    release: int | None = None
    verified_by: str = Field(max_length=200)
    verified_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class VerificationNotice(SQLModel, table=True):
    """A lapse already raised: the unit, and the due time it went past (unique, so two
    processes ticking at once raise it once)."""

    __tablename__ = "verification_notice"
    __table_args__ = (
        UniqueConstraint("unit_id", "locale", "due_at", name="uq_verification_notice_due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(max_length=200)
    locale: str = Field(max_length=35)
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    raised_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
