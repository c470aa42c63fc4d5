"""Units remember the silo they were imported from (`source:`: system, id, url, updated_at), so
that a newer export updates them, and can be marked `draft: true`: stored, never published.

Rows written before this are neither: `draft` false, `silo` empty. Plain ADD COLUMN, not a
batch: on SQLite a batch copies the table and the copy lacks the triggers that keep revisions
immutable.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "unit_revision", sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("unit_revision", sa.Column("silo", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("unit_revision", "silo")
    op.drop_column("unit_revision", "draft")
