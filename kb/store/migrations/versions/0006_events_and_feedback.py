"""Delivery events (what each response served, with its receipt) and feedback on them.

Events are many and only ever inserted and purged by age: indexed by time and by conversation,
the receipt unique. Feedback is a customer's vote or an operator's flag.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "delivery_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("receipt", sa.String(32), nullable=False, unique=True),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("locale", sa.String(35), nullable=False),
        sa.Column("release", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(200), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("hits", sa.Integer(), nullable=True),
        sa.Column("units", sa.JSON(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("conversation", sa.String(200), nullable=True),
        sa.Column("via", sa.String(20), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_delivery_event_at", "delivery_event", ["at"])
    op.create_index("ix_delivery_event_conversation", "delivery_event", ["conversation", "at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("receipt", sa.String(32), nullable=True),
        sa.Column("unit_id", sa.String(200), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("actor", sa.String(200), nullable=True),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])
    op.create_index("ix_feedback_unit", "feedback", ["unit_id", "at"])
    op.create_index("ix_feedback_receipt", "feedback", ["receipt"])


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("delivery_event")
