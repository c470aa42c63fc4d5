"""Body texts: each saved body's index words, so a release's index build parses no Markdown.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "body_text",
        sa.Column("digest", sa.String(length=64), primary_key=True),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("internal_text", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("body_text")
