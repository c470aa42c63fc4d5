"""Review and approval of draft revisions (issue 18).

One append-only table of review steps (submitted, approved, changes requested, each with its
actor, time and comment) per unit or snippet revision; triggers refuse UPDATE and DELETE on
both databases, as on revisions, so who approved what can never be rewritten.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "review_event rows are immutable: a review is only ever appended to"


def upgrade() -> None:
    op.create_table(
        "review_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_event_revision", "review_event", ["kind", "revision_id"])
    _refuse_changes()


def _refuse_changes() -> None:
    """Who approved what must never change, even through a hand-written SQL statement."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION kb_refuse_review_change() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER review_event_immutable BEFORE UPDATE OR DELETE ON review_event "
            "FOR EACH ROW EXECUTE FUNCTION kb_refuse_review_change()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER review_event_no_{action.lower()} BEFORE {action} ON review_event "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    op.drop_table("review_event")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kb_refuse_review_change()")
