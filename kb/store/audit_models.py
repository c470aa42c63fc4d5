"""The audit log's table: who wrote what, when (issue 18); models.py registers it."""

from __future__ import annotations
