"""Write a snapshot back in the content format, so export then import loses nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from importers.content_folder import SNIPPETS_DIR
from kb.content.snippets import SnippetDocument, dump_snippet_file
from kb.errors import InvalidContent, Problem
from kb.progress import tracked
from kb.store.snapshot import Snapshot, StoredUnit

__all__ = ["ExportReport", "export_snapshot", "unit_path"]


@dataclass(frozen=True)
class ExportReport:
    """How many files an export wrote."""

    units: int
    snippet_files: int


def unit_path(unit: StoredUnit) -> Path:
    """Where a unit lives in a content folder: `<locale>/<category>/<id>.md`."""
    doc = unit.document
    return Path(doc.locale) / (doc.category or "uncategorized") / f"{doc.id}.md"


def export_snapshot(
    snapshot: Snapshot, directory: Path | str, *, overwrite: bool = False
) -> ExportReport:
    """Write every unit (as its stored source text) and one snippets file per locale."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not overwrite:
        raise InvalidContent(
            [Problem("is not empty; choose an empty folder or allow overwriting", str(directory))]
        )
    for unit in tracked("writing units", snapshot.iter_units(), len(snapshot.units)):
        target = directory / unit_path(unit)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = unit.source if unit.source.endswith("\n") else unit.source + "\n"
        target.write_text(source, encoding="utf-8")
    by_locale: dict[str, list[SnippetDocument]] = defaultdict(list)
    for snippet in snapshot.snippets.values():
        by_locale[snippet.locale].append(snippet)
    for locale, snippets in by_locale.items():
        target = directory / SNIPPETS_DIR / f"{locale}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_snippet_file(snippets), encoding="utf-8")
    return ExportReport(units=len(snapshot.units), snippet_files=len(by_locale))
