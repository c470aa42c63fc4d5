"""The Dockerfile read as its instructions (continuation lines joined, comments dropped), for
tests that check what `docker build` cannot be run here to show."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Instruction", "final_stage", "instructions", "json_form"]


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY...
    arguments: str


def instructions(path: Path) -> list[Instruction]:
    """The Dockerfile's instructions in order."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return found


def final_stage(all_instructions: list[Instruction]) -> list[Instruction]:
    """The instructions of the last stage, the image that runs: from its FROM on."""
    starts = [i for i, ins in enumerate(all_instructions) if ins.keyword == "FROM"]
    return all_instructions[starts[-1] :]


def json_form(arguments: str) -> list[str]:
    """An instruction's exec form (a JSON array), e.g. CMD's or HEALTHCHECK's command."""
    start = arguments.index("[")
    value = json.loads(arguments[start:])
    assert isinstance(value, list)
    return [str(item) for item in value]
