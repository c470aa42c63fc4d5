"""What every benchmark script prints its figures with: an aligned table and the machine."""

from __future__ import annotations

import os
import platform
from typing import Any


def render_table(cells: list[list[str]]) -> str:
    """Rows of cells as plain text: the first column left-aligned, the rest right-aligned."""
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def machine_facts() -> dict[str, Any]:
    """The Python and machine a run measured, for its JSON."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
