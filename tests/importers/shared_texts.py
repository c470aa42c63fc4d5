"""Real text for importer tests: extracts of the shared data sets the project measures itself
on, committed under data/real (see its README), from which tests lay out sites and bots.

- `ms_alchemyinsights`: Microsoft 365 help articles in Russian and Bulgarian, parallel by id
  (CC BY 4.0, Microsoft; see its README).
- `covid_vaccine_faq`: 129 English COVID-19 vaccine FAQ entries by category (Apache-2.0,
  Stanford OVAL covid-faq; see its README).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["DATASETS", "Article", "FaqEntry", "alchemy_articles", "covid_faq", "dataset"]

#: The committed extracts, one folder per data set, named as in ../shared/datasets.
DATASETS = Path(__file__).resolve().parent / "data" / "real"


@dataclass(frozen=True)
class Article:
    """One Microsoft 365 help article in one language (same id = same article translated)."""

    id: str
    locale: str
    section: str
    title: str
    #: The article's first `# ` heading (its localized title; `title` often has a numeric id).
    heading: str
    #: The body, Markdown, starting with the `# heading` line.
    body_markdown: str
    ms_service: str
    translationtype: str


@dataclass(frozen=True)
class FaqEntry:
    """One COVID-19 vaccine FAQ entry: its question and the shortened and original answers."""

    faq_id: int
    category: str
    question: str
    #: A shortened, cleaned answer.
    answer: str
    #: The longer original answer; empty for many entries.
    answer_original: str


def dataset(name: str) -> Path:
    """The folder of data set `name`'s committed extract."""
    folder = DATASETS / name
    assert folder.is_dir(), f"no data set {name} in {DATASETS}"
    return folder


@lru_cache(maxsize=4)
def _articles(locale: str) -> dict[str, Article]:
    """Every article of one locale's JSON Lines file, by id (read once per test run)."""
    found: dict[str, Article] = {}
    path = dataset("ms_alchemyinsights") / f"{locale}.jsonl"
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            found[row["id"]] = Article(
                id=row["id"],
                locale=row["locale"],
                section=row["section"],
                title=row["title"],
                heading=row["heading"],
                body_markdown=row["body_markdown"],
                ms_service=row["ms_service"],
                translationtype=row["translationtype"],
            )
    return found


def alchemy_articles(locale: str) -> dict[str, Article]:
    """The Microsoft 365 help articles in `locale` (`ru-RU` or `bg-BG`) by id."""
    dataset("ms_alchemyinsights")
    return _articles(locale)


@lru_cache(maxsize=1)
def _faq() -> tuple[FaqEntry, ...]:
    """The FAQ entries of faq.csv in file order (read once per test run)."""
    path = dataset("covid_vaccine_faq") / "faq.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            FaqEntry(
                faq_id=int(row["faq_id"]),
                category=row["category"],
                question=row["question"],
                answer=row["answer"],
                answer_original=row["answer_original"],
            )
            for row in csv.DictReader(handle)
        )


def covid_faq() -> tuple[FaqEntry, ...]:
    """The 129 COVID-19 vaccine FAQ entries (English) in file order."""
    dataset("covid_vaccine_faq")
    return _faq()
