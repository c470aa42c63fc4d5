"""Importers: one module per source format, each yielding a `kb.ContentBatch`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from importers.content_folder import read_folder
from importers.csv_qa import read_csv
from importers.export import ExportReport, export_snapshot
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch

__all__ = ["ExportReport", "export_snapshot", "read_csv", "read_folder", "read_path"]


def read_path(
    path: Path | str,
    *,
    channels: Iterable[str],
    default_locale: str,
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Read a content folder or a CSV file, whichever `path` is."""
    if not Path(path).exists():
        raise InvalidContent([Problem("does not exist", str(path))])
    if Path(path).suffix.lower() == ".csv":
        return read_csv(path, default_locale=default_locale)
    return read_folder(path, channels=channels, progress=progress)
