"""Bulk import: the record every importer yields, its checks, and one all-or-nothing transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import insert
from sqlmodel import Session

from kb.content.document import UnitDocument
from kb.content.nesting import TOO_DEEP, too_deep_line
from kb.content.snippets import SnippetDocument
from kb.content.unit_links import relink
from kb.errors import InvalidContent, Problem
from kb.store.audit import record
from kb.store.models import SnippetRevision, UnitRevision
from kb.store.revisions import (
    SaveOutcome,
    head_snippets,
    head_units,
    new_snippet_row,
    new_unit_row,
    outcome_of,
    store_body_texts,
    to_document,
    to_snippet,
)

__all__ = [
    "ContentBatch",
    "ImportOptions",
    "ImportReport",
    "SourcedUnit",
    "import_batch",
    "validate_batch",
]


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
    #: What the reader noticed but could import anyway (an intent with no answer): reported.
    warnings: list[Problem] = field(default_factory=list)
    #: The silo every unit came from (the importer's format), or None for our own content
    #: format; pruning such a batch archives only that silo's units.
    silo: str | None = None


#: A unit's or a snippet's key: (id or name, locale).
Key = tuple[str, str]


@dataclass(frozen=True)
class ImportOptions:
    """How an import treats what it does not bring, and archived content it brings again."""

    #: Archive the live units and snippets the batch lacks (the folder no longer has them).
    prune: bool = False
    #: Bring back archived units and snippets the batch holds unchanged (else they stay archived).
    restore: bool = False
    #: Work out and report everything, save nothing.
    dry_run: bool = False


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do): how many units and snippets it created,
    updated or found unchanged, what it did with archived ones, and what the batch lacks."""

    units: Counter[SaveOutcome] = field(default_factory=Counter)
    snippets: Counter[SaveOutcome] = field(default_factory=Counter)
    #: Archived units and snippets ("unit ID (locale)") the import brought back.
    restored: list[str] = field(default_factory=list)
    #: Archived ones the batch holds as they were archived: they stay archived.
    kept_archived: list[str] = field(default_factory=list)
    #: Live stored units and snippets the batch lacks: archived when the import prunes.
    missing_units: list[Key] = field(default_factory=list)
    missing_snippets: list[Key] = field(default_factory=list)
    options: ImportOptions = field(default_factory=ImportOptions)
    #: What the reader noticed but imported anyway.
    warnings: list[Problem] = field(default_factory=list)
    #: Imported units given another id than the importer's, as (its id, the stored id): a newer
    #: export of the same silo item keeps its unit, a new item never takes another unit's id.
    renamed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people: `units: 3 created, 1 updated, 30 unchanged; snippets: ...`."""

        def part(label: str, counts: Counter[SaveOutcome]) -> str:
            return f"{label}: " + ", ".join(f"{counts[o]} {o.value}" for o in SaveOutcome)

        return f"{part('units', self.units)}; {part('snippets', self.snippets)}"


def _where(item: UnitDocument | SnippetDocument) -> tuple[str | None, int | None]:
    origin = item.origin
    return (origin.source, origin.line) if origin else (None, None)


def _too_deep(doc: UnitDocument) -> Problem | None:
    """The problem of a body nested deeper than the parser goes (text would vanish), if so."""
    line = too_deep_line(doc.body)
    if line is None:
        return None
    if doc.origin is None:
        where = f"unit '{doc.id}' in locale '{doc.locale}': body line {line}"
        return Problem(f"{where} {TOO_DEEP}")
    return Problem(f"the body {TOO_DEEP}", doc.origin.source, doc.origin.body_line + line - 1)


def validate_batch(batch: ContentBatch) -> list[Problem]:
    """Problems the parse of one file does not report: the same unit or snippet defined twice,
    a body nested deeper than the Markdown parser goes."""
    problems = [p for p in (_too_deep(item.document) for item in batch.units) if p is not None]
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


def _archive_outcome(
    head: UnitRevision | SnippetRevision | None, content_hash: str, restore: bool
) -> tuple[SaveOutcome, str | None]:
    """Importing `content_hash` over `head`: the outcome, and "restored" or "kept" for an
    archived head. Unchanged content does not undo an archive unless `restore`; changed does."""
    if head is None or not head.archived:
        return outcome_of(head, content_hash, archived=False), None
    if head.content_hash == content_hash and not restore:
        return SaveOutcome.UNCHANGED, "kept"
    return SaveOutcome.UPDATED, "restored"


def _note_archive(report: ImportReport, what: str, note: str | None) -> None:
    if note == "kept":
        report.kept_archived.append(what)
    elif note == "restored":
        report.restored.append(what)


def _plan_units(
    report: ImportReport,
    batch: ContentBatch,
    heads: dict[Key, UnitRevision],
    saving: tuple[str, str],
    progress: Callable[[int], None] | None,
) -> list[UnitRevision]:
    """The unit rows an import adds: changed units, then (pruning) the archive of missing ones."""
    author, message = saving
    rows: list[UnitRevision] = []
    for item in batch.units:
        doc = item.document
        head = heads.get(doc.key)
        outcome, note = _archive_outcome(head, doc.content_hash, report.options.restore)
        _note_archive(report, f"unit {doc.id} ({doc.locale})", note)
        report.units[outcome] += 1
        if outcome is not SaveOutcome.UNCHANGED:
            number = (head.number if head else 0) + 1
            rows.append(
                new_unit_row(doc, number=number, author=author, message=message, source=item.source)
            )
        if progress:
            progress(1)
    given = {item.document.key for item in batch.units}
    report.missing_units = sorted(
        k for k, h in heads.items() if not h.archived and k not in given and _in_silo(h, batch.silo)
    )
    if report.options.prune:
        for key in report.missing_units:
            head = heads[key]
            rows.append(
                new_unit_row(
                    to_document(head),
                    number=head.number + 1,
                    author=author,
                    message=f"{message}: not in the import (pruned)",
                    source=head.source,
                    archived=True,
                )
            )
    return rows


def _in_silo(head: UnitRevision, silo: str | None) -> bool:
    """Whether a stored unit belongs to what an import of `silo` is the truth for."""
    return silo is None or (head.silo or {}).get("system") == silo


def _keyed_by_silo(
    batch: ContentBatch, heads: dict[Key, UnitRevision], report: ImportReport
) -> ContentBatch:
    """The batch with each imported unit under the id its silo item has in the store: a newer
    export updates the same unit whatever its title became, and a new item whose id a stored
    unit of another origin (or a hand-written one) holds gets the next free `-N` id instead."""
    owners: dict[str, tuple[str, str] | None] = {}
    for (unit_id, _), head in heads.items():
        silo = head.silo or {}
        owners.setdefault(unit_id, (silo["system"], silo["id"]) if silo else None)
    stored = {identity: unit_id for unit_id, identity in owners.items() if identity}
    wanted = {item.document.id for item in batch.units}
    chosen: dict[tuple[str, str], str] = {}
    for item in batch.units:
        source = item.document.source
        if source is None or source.key in chosen:
            continue
        unit_id = stored.get(source.key) or _free_id(
            item.document.id, owners, set(chosen.values()) | (wanted - {item.document.id})
        )
        chosen[source.key] = unit_id
        if unit_id != item.document.id:
            report.renamed.append((item.document.id, unit_id))
    if not report.renamed:
        return batch
    renamed = dict(report.renamed)
    units = [_rekeyed(item, chosen, renamed) for item in batch.units]
    return replace(batch, units=units)


def _rekeyed(
    item: SourcedUnit, chosen: dict[tuple[str, str], str], renamed: dict[str, str]
) -> SourcedUnit:
    """One batch unit under its stored id, its `unit:` links following the batch's renames."""
    doc = item.document
    unit_id = chosen[doc.source.key] if doc.source is not None else doc.id
    body = relink(doc.body, renamed)
    if unit_id == doc.id and body == doc.body:
        return item
    return SourcedUnit(replace(doc, id=unit_id, body=body), item.source)


def _free_id(unit_id: str, owners: dict[str, tuple[str, str] | None], taken: set[str]) -> str:
    """`unit_id`, or `unit_id-2`, `-3`... : the first that no stored unit and no other imported
    item holds (a new silo item never overwrites another unit)."""
    candidate, number = unit_id, 2
    while candidate in owners or candidate in taken:
        candidate, number = f"{unit_id}-{number}", number + 1
    return candidate


def _plan_snippets(
    report: ImportReport,
    batch: ContentBatch,
    heads: dict[Key, SnippetRevision],
    saving: tuple[str, str],
    progress: Callable[[int], None] | None,
) -> list[SnippetRevision]:
    """The snippet rows an import adds, by the same rules as units."""
    author, message = saving
    rows: list[SnippetRevision] = []
    for snippet in batch.snippets:
        head = heads.get(snippet.key)
        outcome, note = _archive_outcome(head, snippet.content_hash, report.options.restore)
        _note_archive(report, f"snippet {snippet.name} ({snippet.locale})", note)
        report.snippets[outcome] += 1
        if outcome is not SaveOutcome.UNCHANGED:
            number = (head.number if head else 0) + 1
            rows.append(new_snippet_row(snippet, number=number, author=author, message=message))
        if progress:
            progress(1)
    given = {snippet.key for snippet in batch.snippets}
    # Another system's export holds no snippets: it is the truth for its own units only.
    report.missing_snippets = sorted(
        k for k, h in heads.items() if not h.archived and k not in given and batch.silo is None
    )
    if report.options.prune:
        for key in report.missing_snippets:
            head = heads[key]
            rows.append(
                new_snippet_row(
                    to_snippet(head),
                    number=head.number + 1,
                    author=author,
                    message=f"{message}: not in the import (pruned)",
                    archived=True,
                )
            )
    return rows


def _audit_import(session: Session, report: ImportReport, author: str, message: str) -> None:
    """One audit entry for an import that wrote revisions: what it did, counted."""

    def counts(done: Counter[SaveOutcome]) -> dict[str, int]:
        return {o.value: done[o] for o in SaveOutcome if o is not SaveOutcome.UNCHANGED}

    detail: dict[str, object] = {
        "units": counts(report.units),
        "snippets": counts(report.snippets),
        "restored": len(report.restored),
    }
    if report.options.prune:
        detail["pruned"] = len(report.missing_units) + len(report.missing_snippets)
    record(
        session,
        actor=author,
        action="content.imported",
        object_kind="import",
        object_id=message or "Import",
        detail=detail,
    )


def import_batch(
    session: Session,
    batch: ContentBatch,
    author: str,
    message: str,
    progress: Callable[[int], None] | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Store what changed in the caller's transaction; raise InvalidContent before writing.

    Archived content given unchanged stays archived (reported as kept) unless `options.restore`;
    `options.prune` archives what the batch lacks, and refuses a batch with no units at all
    (most likely the wrong folder); `options.dry_run` reports and writes nothing.
    """
    options = options or ImportOptions()
    problems = validate_batch(batch)
    if options.prune and not batch.units:
        problems.append(Problem("has no units: pruning would archive every stored unit"))
    if problems:
        raise InvalidContent(problems)
    report, saving = ImportReport(options=options), (author, message)
    report.warnings = list(batch.warnings)
    unit_heads = head_units(session)
    batch = _keyed_by_silo(batch, unit_heads, report)
    unit_rows = _plan_units(report, batch, unit_heads, saving, progress)
    snippet_rows = _plan_snippets(report, batch, head_snippets(session), saving, progress)
    if options.dry_run:
        return report
    # Plain multi-row INSERTs: the ORM would ask for every new id back, which we never use.
    for model, rows in ((UnitRevision, unit_rows), (SnippetRevision, snippet_rows)):
        if rows:
            session.execute(insert(model), [row.model_dump(exclude={"id"}) for row in rows])
    store_body_texts(session, (row.body for row in unit_rows))
    if unit_rows or snippet_rows:
        _audit_import(session, report, author, message)
    return report
