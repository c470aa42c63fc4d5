"""Body texts keep the words of `::: only` blocks per channel, apart from the words every
channel shows, so that a search in one channel never matches another channel's text.

Rows written before this (extraction version 1) are never read again: their digests name the
old version, and bodies are parsed anew under version 2.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("body_text") as batch:
        batch.add_column(sa.Column("only_text", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("body_text") as batch:
        batch.drop_column("only_text")
