"""Scheduled releases (issue 18); models.py registers it."""

from __future__ import annotations
