"""Read a docs-as-code folder: `**/*.md` units with YAML front matter, `snippets/<locale>.yaml`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from kb.content.document import parse_unit, validate_locale
from kb.content.snippets import parse_snippet_file
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["SNIPPETS_DIR", "read_folder", "unit_files"]

#: Sub-folder holding one snippets file per locale.
SNIPPETS_DIR = "snippets"
_SNIPPET_SUFFIXES = (".yaml", ".yml")


def unit_files(root: Path) -> list[Path]:
    """Unit files under `root`, sorted; hidden or `_`-prefixed folders and READMEs are skipped."""
    return sorted(
        path
        for path in root.rglob("*.md")
        if path.name.lower() != "readme.md"
        and not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)
    )


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 text (byte {exc.start})", str(path), 1))
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", str(path)))
    return None


def read_folder(
    root: Path | str,
    *,
    channels: Iterable[str],
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Parse every unit and snippets file; raise InvalidContent listing all problems at once."""
    root = Path(root)
    if not root.is_dir():
        raise InvalidContent([Problem("is not a folder", str(root))])
    channels = tuple(channels)
    batch = ContentBatch()
    problems: list[Problem] = []
    for path in unit_files(root):
        text = _read_text(path, problems)
        if text is not None:
            try:
                batch.units.append(
                    SourcedUnit(parse_unit(text, source=str(path), channels=channels), text)
                )
            except InvalidContent as exc:
                problems.extend(exc.problems)
        if progress:
            progress(1)
    for path in sorted((root / SNIPPETS_DIR).glob("*")):
        if path.suffix not in _SNIPPET_SUFFIXES:
            continue
        if (message := validate_locale(path.stem)) is not None:
            problems.append(
                Problem(f"a snippets file is named after its locale: {message}", str(path))
            )
            continue
        text = _read_text(path, problems)
        if text is not None:
            try:
                batch.snippets.extend(parse_snippet_file(text, locale=path.stem, source=str(path)))
            except InvalidContent as exc:
                problems.extend(exc.problems)
    if not batch.units and not problems:
        problems.append(Problem("no unit files (*.md with front matter) found", str(root)))
    if problems:
        raise InvalidContent(problems)
    return batch
