"""Reviews of draft revisions and their comments (issue 18); models.py registers it."""

from __future__ import annotations
