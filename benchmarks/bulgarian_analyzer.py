"""Benchmark: which analyzer finds Bulgarian (or Russian) help articles from their own titles.

Each article of the Microsoft 365 help corpus is indexed without its heading and first sentence;
its front-matter title and, separately, that first sentence are then used as queries. A query
"hits" when its own article ranks first (hit@1) or in the top five (hit@5). Candidates differ only
in how words become terms: no stemming, truncation to N letters, the light Bulgarian stemmer of
kb/search/analysis.py, Snowball Russian. Ranking is plain BM25 (bm25s, k1=1.2, b=0.75, Whoosh's
defaults), an OR of the query's terms, so the comparison isolates the analyzer.

    python benchmarks/bulgarian_analyzer.py [--locale bg-BG|ru-RU] [--markdown PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from kb.search.analysis import (
    BULGARIAN_STEM_LENGTH,
    Language,
    bulgarian_light_stem,
    bulgarian_stem,
    language_for,
    russian_stem,
    surface_words,
)

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets" / "ms_alchemyinsights"

_NOISE = re.compile(
    r"<[^>]*>|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|https?://\S+|[*_`#>|]+", flags=re.DOTALL
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Article:
    """One help article split into the held-back queries and the indexed rest."""

    article_id: str
    title: str
    first_sentence: str
    rest: str


@dataclass(frozen=True)
class Candidate:
    """A way to turn a folded surface word into an index term (None drops it)."""

    name: str
    term: Callable[[str], str | None]
    chosen: bool = False


@dataclass(frozen=True)
class Score:
    """Hit rates of one candidate on one query set."""

    ranks: tuple[int | None, ...]

    @property
    def hit1(self) -> float:
        """Share of queries whose article ranks first."""
        return sum(r == 1 for r in self.ranks) / len(self.ranks)

    @property
    def hit5(self) -> float:
        """Share of queries whose article is in the top five."""
        return sum(r is not None for r in self.ranks) / len(self.ranks)

    @property
    def mrr5(self) -> float:
        """Mean reciprocal rank, counting only the top five."""
        return sum(1 / r for r in self.ranks if r) / len(self.ranks)

    def wins(self, other: Score) -> tuple[int, int]:
        """Queries this one ranks first and `other` does not, and the other way round."""
        pairs = list(zip(self.ranks, other.ranks, strict=True))
        return sum(a == 1 != b for a, b in pairs), sum(b == 1 != a for a, b in pairs)


def read_articles(path: Path, min_words: int = 20) -> list[Article]:
    """Articles whose body, after the heading and first sentence, still has `min_words` words."""
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body = record["body_markdown"]
        lines = body.splitlines()
        if lines and lines[0].startswith("# "):
            body = "\n".join(lines[1:])
        text = _NOISE.sub(" ", body).strip()
        parts = [p for p in _SENTENCE_END.split(text, maxsplit=1) if p.strip()]
        if len(parts) < 2:
            continue
        first, rest = parts[0].strip(), parts[1]
        title = re.sub(r"^\d+/", "", record["title"]).strip()
        if len(rest.split()) >= min_words:
            articles.append(Article(record["id"], title, first, rest))
    return articles


def tokens(text: str, candidate: Candidate) -> list[str]:
    """The terms `candidate` makes of `text`."""
    out = []
    for word, _start, _end in surface_words(text):
        term = candidate.term(word)
        if term:
            out.append(term)
    return out


def evaluate(articles: list[Article], candidate: Candidate) -> tuple[dict[str, Score], int]:
    """hit@1, hit@5 and MRR@5 for title and first-sentence queries; also the vocabulary size."""
    corpus = [tokens(a.rest, candidate) for a in articles]
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index(corpus, show_progress=False)
    vocabulary = len(retriever.vocab_dict)
    scores = {}
    for kind in ("title", "first_sentence"):
        queries = [(i, tokens(getattr(a, kind), candidate)) for i, a in enumerate(articles)]
        queries = [(i, q) for i, q in queries if any(t in retriever.vocab_dict for t in q)]
        known = [[t for t in q if t in retriever.vocab_dict] for _, q in queries]
        docs, _ = retriever.retrieve(known, k=5, show_progress=False, n_threads=1)
        ranks: list[int | None] = [None] * len(articles)  # no known term: a miss
        for row, (i, _) in zip(docs, queries, strict=True):
            ranks[i] = _rank(row, i)
        scores[kind] = Score(tuple(ranks))
    return scores, vocabulary


def _rank(row: np.ndarray, target: int) -> int | None:
    hits = np.nonzero(row == target)[0]
    return int(hits[0]) + 1 if hits.size else None


def truncate(language: Language, n: int) -> Candidate:
    """Keep the first `n` letters of every non-stop word."""

    def term(word: str) -> str | None:
        return None if word in language.stopwords else word[:n]

    return Candidate(f"truncate to {n}", term)


def candidates(locale: str) -> Iterator[Candidate]:
    """The analyzers compared for `locale`."""
    language = language_for(locale)
    stop = language.stopwords
    yield Candidate("no stemming", lambda w: None if w in stop else w)
    for n in (4, 5, 6):
        yield truncate(language, n)
    if language.code == "bg":
        yield Candidate(
            "light stemmer, uncapped", lambda w: None if w in stop else bulgarian_light_stem(w)
        )
        for n in (5, 7):
            yield Candidate(
                f"light stemmer capped at {n}",
                lambda w, n=n: None if w in stop else bulgarian_light_stem(w)[:n],
            )
        yield Candidate(
            f"light stemmer capped at {BULGARIAN_STEM_LENGTH} (kb.search.analysis)",
            lambda w: None if w in stop else bulgarian_stem(w),
            chosen=True,
        )
        yield Candidate("same, no stoplist", bulgarian_stem)
    if language.code == "ru":
        yield Candidate(
            "Snowball Russian (kb.search.analysis)",
            lambda w: None if w in stop else russian_stem(w),
            chosen=True,
        )
        yield Candidate(
            "Snowball capped at 6", lambda w: None if w in stop else russian_stem(w)[:6]
        )


def main() -> None:
    """Evaluate every candidate on one locale and print (or write) a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="bg-BG", choices=["bg-BG", "ru-RU"])
    parser.add_argument("--markdown", type=Path, help="append the table to this file")
    args = parser.parse_args()
    articles = read_articles(DATASETS / f"{args.locale}.jsonl")
    results = []
    for candidate in candidates(args.locale):
        started = time.perf_counter()
        scores, vocabulary = evaluate(articles, candidate)
        results.append((candidate, scores, vocabulary, time.perf_counter() - started))
    chosen = next(scores for c, scores, _, _ in results if c.chosen)
    lines = [
        f"### {args.locale}: {len(articles)} articles "
        f"(python {platform.python_version()}, bm25s {bm25s.__version__})",
        "",
        "| analyzer | title hit@1 | title hit@5 | title MRR@5 | sentence hit@1 "
        "| sentence hit@5 | sentence MRR@5 | @1 wins/losses vs chosen | terms | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for candidate, scores, vocabulary, elapsed in results:
        t, s = scores["title"], scores["first_sentence"]
        won, lost = tuple(
            a + b
            for a, b in zip(t.wins(chosen["title"]), s.wins(chosen["first_sentence"]), strict=True)
        )
        name = f"**{candidate.name}**" if candidate.chosen else candidate.name
        versus = "–" if candidate.chosen else f"{won}/{lost}"
        lines.append(
            f"| {name} | {t.hit1:.3f} | {t.hit5:.3f} | {t.mrr5:.3f} | {s.hit1:.3f} "
            f"| {s.hit5:.3f} | {s.mrr5:.3f} | {versus} | {vocabulary:,} | {elapsed:.1f} |"
        )
    print("\n".join(lines))
    lengths = [len(a.title.split()) for a in articles]
    lines += ["", f"Title queries: median {statistics.median(lengths)} words.", ""]
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
