"""Content whose every unit says which edition it is, and the `kb` command run as a process.

Each edition of a unit (and of the snippet its body shows) carries "edition N" in its title and
text, so a release, a response or a page shows at a glance whether all of it is one edition.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from kb import KnowledgeBase
from kb.content.snippets import SnippetDocument, SnippetType

__all__ = [
    "EDITION",
    "KbRun",
    "editions",
    "kb_command",
    "kb_process",
    "release_editions",
    "save_edition",
    "unit_ids",
    "write_edition",
]

#: How a title, a text or a snippet value names its edition.
EDITION = re.compile(r"edition (\d+)")
#: The snippet every unit's body shows, so a mix of unit and snippet editions shows too.
SNIPPET = "edition_note"
#: Seconds one `kb` command may take before the test gives up on it (a hang, not a slow run).
COMMAND_LIMIT_S = 180


def unit_ids(count: int, prefix: str = "topic") -> list[str]:
    return [f"{prefix}-{i:03d}" for i in range(count)]


def unit_source(unit_id: str, edition: int, snippet: str | None) -> str:
    """A public unit, `edition` in its title, body and questions (and the snippet, if named)."""
    shown = f" {{{{ {snippet} }}}}" if snippet else ""
    return (
        f"---\nid: {unit_id}\nlocale: en\ntitle: {unit_id} edition {edition}\n"
        f"questions: [how do I handle {unit_id}, what about {unit_id} edition {edition}]\n---\n"
        f"The answer for {unit_id}, edition {edition}.{shown}\n"
    )


def write_edition(
    root: Path, ids: Iterable[str], edition: int, *, snippet: str | None = None
) -> Path:
    """A content folder at `root` with edition `edition` of `ids` (and of the snippet)."""
    for unit_id in ids:
        path = root / "en" / "faults" / f"{unit_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit_source(unit_id, edition, snippet), encoding="utf-8")
    if snippet:
        (root / "snippets").mkdir(parents=True, exist_ok=True)
        (root / "snippets" / "en.yaml").write_text(
            f'{snippet}:\n  type: text\n  value: "Note, edition {edition}."\n', encoding="utf-8"
        )
    return root


def save_edition(
    kb: KnowledgeBase, ids: Iterable[str], edition: int, *, snippet: str | None = None
) -> None:
    """Save edition `edition` of `ids` (and of the snippet) as drafts, in this process."""
    for unit_id in ids:
        kb.save_unit(unit_source(unit_id, edition, snippet), author="faults")
    if snippet:
        value = f"Note, edition {edition}."
        kb.save_snippet(SnippetDocument(snippet, "en", SnippetType.TEXT, value), author="faults")


def editions(text: str) -> set[int]:
    """Every edition `text` names."""
    return {int(n) for n in EDITION.findall(text)}


def release_editions(kb: KnowledgeBase, number: int) -> dict[str, int]:
    """Release `number`'s edition of each unit (by id) and of each snippet (by name)."""
    snapshot = kb.snapshot(number)
    found: dict[str, int] = {}
    for (unit_id, _locale), stored in snapshot.units.items():
        (found[unit_id],) = editions(stored.document.title)
    for (name, _locale), snippet in snapshot.snippets.items():
        (found[name],) = editions(str(snippet.value))
    return found


class KbRun:
    """A `kb` command started as its own process; `finish` waits and keeps what it printed."""

    def __init__(self, env: Mapping[str, str], *args: str) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", *args],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = self.stderr = ""

    def finish(self) -> KbRun:
        try:
            self.stdout, self.stderr = self.process.communicate(timeout=COMMAND_LIMIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.stdout, self.stderr = self.process.communicate()
            raise AssertionError(f"kb {' '.join(self.args)} did not finish") from None
        return self

    @property
    def returncode(self) -> int:
        assert self.process.returncode is not None
        return self.process.returncode

    def __str__(self) -> str:
        return f"kb {' '.join(self.args)} -> {self.returncode}\n{self.stdout}{self.stderr}"


def kb_process(env: Mapping[str, str], *args: str) -> KbRun:
    """Start `kb ARGS...` (as the `kb` script runs it) and return at once."""
    return KbRun(env, *args)


def kb_command(env: Mapping[str, str], *args: str) -> KbRun:
    """Run `kb ARGS...` to the end; it must succeed."""
    run = kb_process(env, *args).finish()
    assert run.returncode == 0, str(run)
    return run
