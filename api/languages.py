"""The languages a caller accepts, read from its Accept-Language header (RFC 9110 12.5.4)."""

from __future__ import annotations

import re

__all__ = ["accepted_languages"]

#: A language range: `ru`, `pt-BR`, `zh-Hant-TW` (`*` is handled apart).
_RANGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_QUALITY = re.compile(r"q=([01](?:\.\d{0,3})?)", re.IGNORECASE)
#: More ranges than any browser sends: the rest of a longer header is not read.
_MAX_RANGES = 20


def accepted_languages(header: str | None) -> list[str]:
    """The header's language ranges, most wanted first (equal weights keep their order).

    Ranges with q=0 (not acceptable) and `*` (any: no preference) are left out, and so is any
    part that does not parse: browsers and proxies send this header, so a malformed part is
    ignored like the header's absence rather than refused.
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:_MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not _RANGE.fullmatch(tag):
            continue
        quality = 1.0
        if params.strip():
            match = _QUALITY.fullmatch(params.strip())
            if match is None:
                continue
            quality = float(match.group(1))
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _q, _p, tag in sorted(weighted)]
