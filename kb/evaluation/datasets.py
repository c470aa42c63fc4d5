"""The labelled data sets `kb eval` measures on, as written by others, and the units made of them.

Reads intent CSVs, FAQs with their queries and help articles (clear errors for files that are
not what the evaluation expects), splits labelled rows per label, and turns each data set into
a content batch for the scratch store.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.content.document import UnitDocument, validate_locale, validate_slug
from kb.errors import KBError
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = [
    "Article",
    "ArticleQuery",
    "DatasetError",
    "FaqEntry",
    "FaqQuery",
    "LabelledRow",
    "LabelledUnits",
    "article_units",
    "faq_unit_id",
    "faq_units",
    "few_shot",
    "intent_units",
    "read_articles",
    "read_faq",
    "read_faq_queries",
    "read_labelled_csv",
    "slugify",
    "stratified_split",
]

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_HEADING = re.compile(r"\A\s*#[^\n]*(?:\n|\Z)")


class DatasetError(KBError):
    """A data set file that cannot be read as the evaluation expects."""


# -- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledRow:
    """One labelled text of an intent data set."""

    text: str
    label: str


@dataclass(frozen=True)
class LabelledUnits:
    """The units made from labelled rows, and which label each unit id stands for."""

    batch: ContentBatch
    labels: dict[str, str]
    examples: int


@dataclass(frozen=True)
class FaqEntry:
    """One question-and-answer entry of an FAQ."""

    faq_id: str
    question: str
    answer: str


@dataclass(frozen=True)
class FaqQuery:
    """A user's question and the FAQ entries that answer it (none: it is unanswerable)."""

    query_id: str
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Article:
    """A help article: its id, first heading and Markdown body."""

    article_id: str
    heading: str
    body: str


@dataclass(frozen=True)
class ArticleQuery:
    """A held-back heading and the unit ids of every article that has it."""

    text: str
    relevant: frozenset[str]


# -- reading ----------------------------------------------------------------------------------


def _read_table(path: Path | str, required: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV with a header, checking that the columns we need are there."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            missing = [name for name in required if name not in header]
            if missing:
                raise DatasetError(
                    f"{path}: no column {', '.join(repr(m) for m in missing)}; "
                    f"the header has {', '.join(repr(h) for h in header) or 'nothing'}"
                )
            return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_labelled_csv(
    path: Path | str, *, text_column: str = "text", label_column: str = "intent"
) -> list[LabelledRow]:
    """The labelled rows of a CSV; rows with an empty text or label are skipped."""
    rows = _read_table(path, (text_column, label_column))
    out = [LabelledRow(_one_line(r[text_column]), r[label_column].strip()) for r in rows]
    return [row for row in out if row.text and row.label]


def read_faq(path: Path | str) -> list[FaqEntry]:
    """FAQ entries from a CSV with `faq_id`, `question` and `answer` columns."""
    rows = _read_table(path, ("faq_id", "question", "answer"))
    return [
        FaqEntry(r["faq_id"].strip(), _one_line(r["question"]), r["answer"].strip())
        for r in rows
        if r["faq_id"].strip()
    ]


def read_faq_queries(path: Path | str) -> list[FaqQuery]:
    """Queries from a CSV with `query_id`, `query`, `relevant_faq_ids` (`-1` or empty: none)."""
    rows = _read_table(path, ("query_id", "query", "relevant_faq_ids"))
    queries = []
    for r in rows:
        ids = {i.strip() for i in r["relevant_faq_ids"].split(",")} - {"", "-1"}
        if r["query"].strip():
            queries.append(FaqQuery(r["query_id"].strip(), _one_line(r["query"]), frozenset(ids)))
    return queries


def read_articles(path: Path | str) -> list[Article]:
    """Articles from JSON Lines with `id`, `heading` and `body_markdown` fields."""
    path = Path(path)
    articles = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    articles.append(
                        Article(str(data["id"]), str(data["heading"]), str(data["body_markdown"]))
                    )
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{number}: not JSON: {exc.msg}") from None
                except KeyError as exc:
                    raise DatasetError(f"{path}:{number}: no field {exc.args[0]!r}") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror}") from None
    return articles


def stratified_split(
    rows: Sequence[LabelledRow], *, test_size: float, seed: int
) -> tuple[list[LabelledRow], list[LabelledRow]]:
    """Hold out `test_size` of every label (at least one row, never a label's only row)."""
    if not 0 < test_size < 1:
        raise DatasetError(f"the split must be between 0 and 1, not {test_size}")
    by_label: dict[str, list[LabelledRow]] = {}
    for row in rows:
        by_label.setdefault(row.label, []).append(row)
    rng = random.Random(seed)
    train: list[LabelledRow] = []
    test: list[LabelledRow] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        held = min(len(group) - 1, max(1, round(len(group) * test_size)))
        test.extend(group[:held])
        train.extend(group[held:])
    return train, test


def few_shot(rows: Sequence[LabelledRow], *, shots: int, seed: int) -> list[LabelledRow]:
    """At most `shots` rows of every label, drawn with `seed`: a knowledge base's unit has
    about ten example questions, not the hundred a benchmark's training file gives."""
    if shots < 1:
        raise DatasetError(f"--shots must be at least 1, not {shots}")
    by_label: dict[str, list[LabelledRow]] = {}
    for row in rows:
        by_label.setdefault(row.label, []).append(row)
    rng = random.Random(seed)
    out: list[LabelledRow] = []
    for label in sorted(by_label):
        group = by_label[label]
        out.extend(rng.sample(group, min(shots, len(group))))
    return out


# -- units ------------------------------------------------------------------------------------


def slugify(label: str) -> str:
    """A unit id for a label: lowercase, runs of anything but [a-z0-9] become one hyphen."""
    return _SLUG_JUNK.sub("-", label.lower()).strip("-")


def _words(label: str) -> str:
    """`card_arrival` -> `Card arrival`: a label as a title."""
    text = " ".join(re.split(r"[\W_]+", label)).strip() or label
    return text[:1].upper() + text[1:]


def _check_locale(locale: str) -> None:
    problem = validate_locale(locale)
    if problem:
        raise DatasetError(f"locale {locale!r} {problem}")


def intent_units(
    rows: Sequence[LabelledRow], *, locale: str, oos_label: str = "oos"
) -> LabelledUnits:
    """One unit per label with all its training texts as example questions; OOS rows skipped."""
    _check_locale(locale)
    questions: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        if row.label == oos_label:
            continue
        slug = slugify(row.label)
        problem = validate_slug(slug)
        if problem:
            raise DatasetError(f"label {row.label!r} gives the unit id {slug!r}, which {problem}")
        if labels.setdefault(slug, row.label) != row.label:
            raise DatasetError(
                f"labels {labels[slug]!r} and {row.label!r} both give the unit id {slug!r}"
            )
        questions.setdefault(slug, []).append(row.text)
    units = []
    for slug, texts in questions.items():
        label = labels[slug]
        unique = tuple(dict.fromkeys(texts))
        doc = UnitDocument(
            id=slug,
            locale=locale,
            title=_words(label),
            body=f"Placeholder answer for the intent '{label}'.",
            questions=unique,
            category="evaluation",
        )
        units.append(SourcedUnit(doc))
    examples = sum(len(u.document.questions) for u in units)
    return LabelledUnits(ContentBatch(units=units), labels, examples)


def faq_unit_id(faq_id: str) -> str:
    """The unit id of an FAQ entry (what the FAQ's queries are checked against)."""
    return f"faq-{slugify(faq_id)}"


def faq_units(entries: Sequence[FaqEntry], *, locale: str) -> ContentBatch:
    """One unit per entry: its question is the title (the matcher trains on titles too)."""
    _check_locale(locale)
    return ContentBatch(
        units=[
            SourcedUnit(
                UnitDocument(
                    id=faq_unit_id(e.faq_id),
                    locale=locale,
                    title=e.question,
                    body=e.answer or e.question,
                )
            )
            for e in entries
        ]
    )


def _article_unit_id(number: int) -> str:
    return f"article-{number}"


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def article_units(
    articles: Sequence[Article], *, locale: str
) -> tuple[ContentBatch, list[ArticleQuery]]:
    """Units without their heading (neutral title, first heading line dropped), and queries.

    Each distinct heading is one query; every article with that heading counts as relevant.
    """
    _check_locale(locale)
    units = []
    relevant: dict[str, set[str]] = {}
    heading_text: dict[str, str] = {}
    for number, article in enumerate(articles, start=1):
        body = _HEADING.sub("", article.body.lstrip(), count=1).strip()
        heading = _one_line(article.heading)
        if not body or not heading:
            continue
        unit_id = _article_unit_id(number)
        doc = UnitDocument(id=unit_id, locale=locale, title=f"Article {number}", body=body)
        units.append(SourcedUnit(doc))
        key = _normalise(heading)
        heading_text.setdefault(key, heading)
        relevant.setdefault(key, set()).add(unit_id)
    queries = [ArticleQuery(heading_text[k], frozenset(ids)) for k, ids in relevant.items()]
    return ContentBatch(units=units), queries
