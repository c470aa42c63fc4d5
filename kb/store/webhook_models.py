"""The webhooks' tables: endpoints and their deliveries (issue 18); models.py registers it."""

from __future__ import annotations
