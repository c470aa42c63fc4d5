"""Verification of units by their owners (issue 18).

`unit_verification`: who verified which unit (and locale) when, and the revision and release
current then; append-only like revisions (triggers refuse UPDATE and DELETE on both
databases). `verification_notice`: each lapse raised through the `unit.unverified` webhook,
unique per unit and due time so that it is raised once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)
_MESSAGE = "unit_verification rows are immutable: verifications are only ever added"


def upgrade() -> None:
    op.create_table(
        "unit_verification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("release", sa.Integer(), nullable=True),
        sa.Column("verified_by", sa.String(200), nullable=False),
        sa.Column("verified_at", _WHEN, nullable=False),
    )
    op.create_index(
        "ix_unit_verification_unit", "unit_verification", ["unit_id", "locale", "verified_at"]
    )
    op.create_table(
        "verification_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("raised_at", _WHEN, nullable=False),
        sa.UniqueConstraint("unit_id", "locale", "due_at", name="uq_verification_notice_due"),
    )
    _refuse_changes()


def _refuse_changes() -> None:
    """Who verified what must never change, even through a hand-written SQL statement."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION kb_refuse_verification_change() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER unit_verification_immutable BEFORE UPDATE OR DELETE "
            "ON unit_verification FOR EACH ROW EXECUTE FUNCTION kb_refuse_verification_change()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER unit_verification_no_{action.lower()} BEFORE {action} "
            f"ON unit_verification BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    op.drop_table("verification_notice")
    op.drop_table("unit_verification")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kb_refuse_verification_change()")
