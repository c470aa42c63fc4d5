"""Delivery events indexed by kind and time, covering what insights count.

`kb insights` counts a period's answers by channel, locale, day and status, its searches by
hits and the units served: with every column those counts read in the index, each is one range
scan of the index alone (on SQLite 1,000,000 events took 18 s through the time index and the
table, benchmarks/results/insights_scale.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns of kb.store.models.DeliveryEvent's ix_delivery_event_kind_at, in order.
COLUMNS = ["kind", "at", "channel", "locale", "status", "hits", "unit_id"]


def upgrade() -> None:
    op.create_index("ix_delivery_event_kind_at", "delivery_event", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_delivery_event_kind_at", table_name="delivery_event")
