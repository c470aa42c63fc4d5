"""Fixing a gap: a cluster's questions become example questions of a unit, as a draft change.

The questions are added to the unit's newest revision through the knowledge base's own save
path (parsed and validated like any edit, kept in the revision history, published with the next
release like any other draft), so the matcher learns them at that publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kb.content.document import validate_locale
from kb.errors import InvalidContent, Problem

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

__all__ = ["GapFix", "add_gap_questions"]

#: Questions one call adds at most (a cluster lists 50).
MAX_QUESTIONS = 200


@dataclass(frozen=True)
class GapFix:
    """What was saved: the unit's new revision (its old one when nothing was new) and the
    questions it gained, in the order given."""

    unit_id: str
    locale: str
    revision: int
    added: tuple[str, ...]


def _same(text: str) -> str:
    """How questions are compared: case and spacing aside."""
    return " ".join(text.casefold().split())


def _new_questions(have: Sequence[str], given: Sequence[str]) -> tuple[str, ...]:
    """The `given` questions the unit lacks, each once, stripped, in order."""
    seen = {_same(q) for q in have}
    added: list[str] = []
    for question in given:
        text = " ".join(question.split())
        if text and _same(text) not in seen:
            seen.add(_same(text))
            added.append(text)
    return tuple(added)


def _check(locale: str, questions: Sequence[str]) -> None:
    problems: list[Problem] = []
    if (wrong := validate_locale(locale)) is not None:
        problems.append(Problem(wrong, field="locale"))
    if not any(q.strip() for q in questions):
        problems.append(Problem("give at least one question", field="questions"))
    if len(questions) > MAX_QUESTIONS:
        problems.append(Problem(f"at most {MAX_QUESTIONS} questions at once", field="questions"))
    if problems:
        raise InvalidContent(problems)


def add_gap_questions(
    kb: KnowledgeBase,
    *,
    unit_id: str,
    locale: str,
    questions: Sequence[str],
    author: str,
    message: str = "",
) -> GapFix:
    """Append `questions` the unit lacks (case aside) to its example questions as a new draft
    revision by `author`. UnitNotFound for a unit or locale without the unit; an archived unit
    or bad input is InvalidContent; a save in between is a VersionConflict (nothing saved)."""
    _check(locale, questions)
    head = kb.draft_unit(unit_id, locale)  # UnitNotFound names the unit and the locale
    if head.archived:
        raise InvalidContent(
            [Problem(f"unit '{unit_id}' ({locale}) is archived; restore it first", field="unit_id")]
        )
    from kb.store.revisions import to_document

    document = to_document(head)
    added = _new_questions((document.title, *document.questions), questions)
    if not added:
        return GapFix(unit_id, locale, head.number, ())
    changed = replace(document, questions=(*document.questions, *added))
    message = message or f"Added {len(added)} example questions from a content gap"
    # Saved as source text, so that it is parsed and validated as an edit in the editor is.
    saved = kb.save_unit(
        changed.to_markdown(), author=author, message=message, expected_revision=head.number
    )
    return GapFix(unit_id, locale, saved.revision, added)
