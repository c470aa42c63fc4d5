"""Importers: one module per source format, each yielding a `kb.ContentBatch`.

Our own formats are a content folder and a CSV table of questions; the silo formats (a help
center export, a bot project, FAQ pages, a docs site) are modules with `FORMAT`, `looks_like`
and `read`, and their units carry a `source` so that a newer export updates them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from importers.content_folder import read_folder
from importers.csv_qa import read_csv
from importers.export import ExportReport, export_snapshot
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch

__all__ = [
    "FORMATS",
    "ExportReport",
    "export_snapshot",
    "guess_format",
    "read_csv",
    "read_folder",
    "read_path",
]

#: The silo formats by their --from name, and the module that reads each.
_SILOS = {
    "zendesk": "importers.zendesk",
    "rasa": "importers.rasa",
    "markdown": "importers.docs_markdown",
    "html": "importers.html_faq",
}
#: Every --from name: our own two formats, then the silos.
FORMATS = ("folder", "csv", *_SILOS)


def _silo(name: str) -> ModuleType:
    """The module that reads silo format `name`."""
    return importlib.import_module(_SILOS[name])


def guess_format(path: Path | str) -> str:
    """The format `path` is in, from its name and a cheap look inside: a CSV or HTML file by its
    suffix, a silo by its files (a Rasa domain.yml, a Zendesk articles page, a docs site), and
    otherwise our content folder."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".csv":
        return "csv"
    for name in _SILOS:
        if _silo(name).looks_like(path):
            return name
    return "folder"


def read_path(
    path: Path | str,
    *,
    channels: Iterable[str],
    default_locale: str,
    progress: Callable[[int], None] | None = None,
    format: str | None = None,
) -> ContentBatch:
    """Read `path` in `format` (guessed when None): all of it, or InvalidContent naming every
    problem."""
    path = Path(path)
    if not path.exists():
        raise InvalidContent([Problem("does not exist", str(path))])
    if format is not None and format not in FORMATS:
        known = ", ".join(FORMATS)
        raise InvalidContent([Problem(f"unknown format {format!r}; known: {known}", str(path))])
    name = format or guess_format(path)
    if name == "csv":
        return read_csv(path, default_locale=default_locale)
    if name == "folder":
        return read_folder(path, channels=channels, progress=progress)
    batch = _silo(name).read(
        path, default_locale=default_locale, channels=tuple(channels), progress=progress
    )
    return replace(batch, silo=name)
