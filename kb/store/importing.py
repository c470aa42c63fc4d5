"""Bulk import: the record every importer yields, its checks, and one all-or-nothing transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlmodel import Session

from kb.content.document import UnitDocument
from kb.content.snippets import SnippetDocument
from kb.errors import InvalidContent, Problem
from kb.store.models import SnippetRevision, UnitRevision
from kb.store.revisions import (
    SaveOutcome,
    head_snippets,
    head_units,
    new_snippet_row,
    new_unit_row,
    outcome_of,
    store_body_texts,
)

__all__ = ["ContentBatch", "ImportReport", "SourcedUnit", "import_batch", "validate_batch"]


@dataclass(frozen=True)
class SourcedUnit:
    """A parsed unit and the text it was written as (None when it came from a table)."""

    document: UnitDocument
    source: str | None = None


@dataclass
class ContentBatch:
    """Everything one import brings: every importer yields this, whatever it reads."""

    units: list[SourcedUnit] = field(default_factory=list)
    snippets: list[SnippetDocument] = field(default_factory=list)


@dataclass
class ImportReport:
    """How many units and snippets an import created, updated or found unchanged."""

    units: Counter[SaveOutcome] = field(default_factory=Counter)
    snippets: Counter[SaveOutcome] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for people: `units: 3 created, 1 updated, 30 unchanged; snippets: ...`."""

        def part(label: str, counts: Counter[SaveOutcome]) -> str:
            return f"{label}: " + ", ".join(f"{counts[o]} {o.value}" for o in SaveOutcome)

        return f"{part('units', self.units)}; {part('snippets', self.snippets)}"


def _where(item: UnitDocument | SnippetDocument) -> tuple[str | None, int | None]:
    origin = item.origin
    return (origin.source, origin.line) if origin else (None, None)


def validate_batch(batch: ContentBatch) -> list[Problem]:
    """Problems only visible across files: the same unit or snippet defined twice."""
    problems: list[Problem] = []
    seen_units: dict[tuple[str, str], UnitDocument] = {}
    for item in batch.units:
        doc = item.document
        if doc.key in seen_units:
            first_source, _ = _where(seen_units[doc.key])
            source, line = _where(doc)
            problems.append(
                Problem(
                    f"unit '{doc.id}' in locale '{doc.locale}' is defined twice "
                    f"(also in {first_source or 'another row'})",
                    source,
                    line,
                    "id",
                )
            )
        else:
            seen_units[doc.key] = doc
    seen_snippets: dict[tuple[str, str], SnippetDocument] = {}
    for snippet in batch.snippets:
        if snippet.key in seen_snippets:
            source, line = _where(snippet)
            problems.append(
                Problem(
                    f"snippet '{snippet.name}' in locale '{snippet.locale}' is defined twice",
                    source,
                    line,
                    snippet.name,
                )
            )
        else:
            seen_snippets[snippet.key] = snippet
    return problems


def import_batch(
    session: Session,
    batch: ContentBatch,
    *,
    author: str,
    message: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store what changed in the caller's transaction; raise InvalidContent before writing."""
    problems = validate_batch(batch)
    if problems:
        raise InvalidContent(problems)
    report = ImportReport()
    unit_heads = head_units(session)
    unit_rows: list[UnitRevision] = []
    snippet_rows: list[SnippetRevision] = []
    for item in batch.units:
        doc = item.document
        head = unit_heads.get(doc.key)
        outcome = outcome_of(head, doc.content_hash, archived=False)
        report.units[outcome] += 1
        if outcome is not SaveOutcome.UNCHANGED:
            number = (head.number if head else 0) + 1
            unit_rows.append(
                new_unit_row(doc, number=number, author=author, message=message, source=item.source)
            )
        if progress:
            progress(1)
    snippet_heads = head_snippets(session)
    for snippet in batch.snippets:
        head_s = snippet_heads.get(snippet.key)
        outcome = outcome_of(head_s, snippet.content_hash, archived=False)
        report.snippets[outcome] += 1
        if outcome is not SaveOutcome.UNCHANGED:
            number = (head_s.number if head_s else 0) + 1
            snippet_rows.append(
                new_snippet_row(snippet, number=number, author=author, message=message)
            )
        if progress:
            progress(1)
    # Plain multi-row INSERTs: the ORM would ask for every new id back, which we never use.
    for model, rows in ((UnitRevision, unit_rows), (SnippetRevision, snippet_rows)):
        if rows:
            session.execute(insert(model), [row.model_dump(exclude={"id"}) for row in rows])
    store_body_texts(session, (row.body for row in unit_rows))
    return report
