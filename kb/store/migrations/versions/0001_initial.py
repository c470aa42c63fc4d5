"""Initial schema: unit and snippet revisions, releases, and immutability triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IMMUTABLE = ("unit_revision", "snippet_revision", "release", "release_unit", "release_snippet")


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "unit_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column("routing", sa.String(length=200), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("unit_id", "locale", "number", name="uq_unit_revision_number"),
    )
    op.create_index("ix_unit_revision_content_hash", "unit_revision", ["content_hash"])
    op.create_table(
        "snippet_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("name", "locale", "number", name="uq_snippet_revision_number"),
    )
    op.create_table(
        "release",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("snippet_count", sa.Integer(), nullable=False),
        _created_at(),
    )
    op.create_table(
        "release_unit",
        sa.Column(
            "release_number", sa.Integer(), sa.ForeignKey("release.number"), primary_key=True
        ),
        sa.Column("revision_id", sa.Integer(), sa.ForeignKey("unit_revision.id"), primary_key=True),
        sa.Column("unit_id", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.UniqueConstraint("release_number", "unit_id", "locale", name="uq_release_unit_key"),
    )
    op.create_table(
        "release_snippet",
        sa.Column(
            "release_number", sa.Integer(), sa.ForeignKey("release.number"), primary_key=True
        ),
        sa.Column(
            "revision_id", sa.Integer(), sa.ForeignKey("snippet_revision.id"), primary_key=True
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.UniqueConstraint("release_number", "name", "locale", name="uq_release_snippet_key"),
    )
    _create_immutability_triggers()


def downgrade() -> None:
    for table in reversed(_IMMUTABLE):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kb_refuse_change()")


def _create_immutability_triggers() -> None:
    """Published history must never change, even through a hand-written SQL statement."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION kb_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% rows are immutable: insert a new revision or release', "
            "TG_TABLE_NAME; END $$"
        )
        for table in _IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kb_refuse_change()"
            )
        return
    for table in _IMMUTABLE:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are immutable: insert a new revision "
                "or release'); END"
            )
