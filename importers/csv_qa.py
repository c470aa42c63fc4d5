"""Read a table of questions and answers: one unit per id, one example question per row."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.document import UnitDocument, validate_locale, validate_slug
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["COLUMNS", "read_csv"]

#: Columns a CSV may have; `id` is required, the rest optional.
COLUMNS = ("id", "question", "title", "answer", "category", "locale")


@dataclass
class _Draft:
    """A unit being assembled from the rows that share its id and locale."""

    first_row: int
    rows: list[int] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, int]] = field(default_factory=dict)


def read_csv(path: Path | str, *, default_locale: str) -> ContentBatch:
    """Parse the CSV at `path`; raise InvalidContent naming every bad row by its number."""
    path = Path(path)
    source = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise InvalidContent([Problem(f"not UTF-8 text (byte {exc.start})", source, 1)]) from None
    except OSError as exc:
        raise InvalidContent([Problem(f"cannot read: {exc.strerror}", source)]) from None
    if not rows:
        raise InvalidContent([Problem("the file is empty; it needs a header row", source, 1)])
    header = [name.strip().lower() for name in rows[0]]
    problems = _check_header(header, source)
    if problems:
        raise InvalidContent(problems)
    drafts: dict[tuple[str, str], _Draft] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(f"has {len(cells)} cells, the header has {len(header)}", source, number)
            )
            continue
        _add_row(
            dict(zip(header, (c.strip() for c in cells), strict=True)),
            number,
            source,
            default_locale,
            drafts,
            problems,
        )
    units = [_finish(key, draft, source, problems) for key, draft in drafts.items()]
    if not drafts and not problems:
        problems.append(Problem("no data rows below the header", source, 1))
    if problems:
        raise InvalidContent(problems)
    return ContentBatch(units=[SourcedUnit(u) for u in units if u is not None])


def _check_header(header: list[str], source: str) -> list[Problem]:
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append(
            Problem(f"unknown columns {unknown}; known: {', '.join(COLUMNS)}", source, 1)
        )
    if "id" not in header:
        problems.append(Problem("the header needs an 'id' column", source, 1))
    if len(set(header)) != len(header):
        problems.append(Problem("a column is named twice in the header", source, 1))
    return problems


def _add_row(
    row: dict[str, str],
    number: int,
    source: str,
    default_locale: str,
    drafts: dict[tuple[str, str], _Draft],
    problems: list[Problem],
) -> None:
    unit_id, locale = row.get("id", ""), row.get("locale") or default_locale
    for name, message in (("id", validate_slug(unit_id)), ("locale", validate_locale(locale))):
        if message:
            problems.append(Problem(message, source, number, name))
            return
    draft = drafts.setdefault((unit_id, locale), _Draft(first_row=number))
    draft.rows.append(number)
    if row.get("question") and row["question"] not in draft.questions:
        draft.questions.append(row["question"])
    for name in ("title", "answer", "category"):
        value = row.get(name, "")
        if not value:
            continue
        earlier = draft.values.setdefault(name, (value, number))
        if earlier[0] != value:
            problems.append(
                Problem(
                    f"differs from the {name} given for '{unit_id}' in row {earlier[1]}",
                    source,
                    number,
                    name,
                )
            )


def _finish(
    key: tuple[str, str], draft: _Draft, source: str, problems: list[Problem]
) -> UnitDocument | None:
    unit_id, locale = key
    answer = draft.values.get("answer", ("", 0))[0]
    title = draft.values.get("title", ("", 0))[0] or (draft.questions[0] if draft.questions else "")
    rows = ", ".join(map(str, draft.rows))
    if not answer:
        problems.append(
            Problem(
                f"unit '{unit_id}' has no answer in any of its rows ({rows})",
                source,
                draft.first_row,
                "answer",
            )
        )
    if not title:
        problems.append(
            Problem(
                f"unit '{unit_id}' has neither a title nor a question ({rows})",
                source,
                draft.first_row,
                "title",
            )
        )
    if not answer or not title:
        return None
    category = draft.values.get("category", ("", 0))[0] or None
    return UnitDocument(
        id=unit_id,
        locale=locale,
        title=title,
        body=answer,
        questions=tuple(draft.questions),
        category=category,
    )
