"""Rewrite the targets of `unit:` links in a body: an import that gives a unit another id than
its reader chose (the id the store already has for it) points the batch's links there too."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["relink"]

#: The target of an inline link `](unit:id` or of a reference definition `]: unit:id`, with
#: optional angle brackets; the id is a slug, so it ends where the slug does.
_UNIT_TARGET = re.compile(
    r"(\]\(\s*<?|^\s{0,3}\[[^\]]+\]:\s*<?)unit:([a-z0-9]+(?:-[a-z0-9]+)*)\b(?!-)", re.M
)


def relink(body: str, renamed: Mapping[str, str]) -> str:
    """`body` with every `unit:` link to a key of `renamed` pointing at its value instead."""
    if not renamed or "unit:" not in body:
        return body

    def target(match: re.Match[str]) -> str:
        unit_id = match.group(2)
        return f"{match.group(1)}unit:{renamed.get(unit_id, unit_id)}"

    return _UNIT_TARGET.sub(target, body)
