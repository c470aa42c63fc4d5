"""Measure answers and search on labelled data written by other people, in a scratch store.

Three kinds of data set:

- intents (a CSV of text + label): one unit per label whose example questions are all the
  training texts of that label; test rows are asked with `kb.ask`. A row labelled with the
  out-of-scope label is answered correctly only when the knowledge base does not answer it.
- FAQ retrieval (entries + user queries with the ids of the entries that answer them, or
  none): one unit per entry; recall@1 and MRR@5 of the matcher's ranking and of `kb.search`,
  and how often an unanswerable query gets `no_answer`.
- search relevance (help articles): each article's first heading is held back as the query
  and removed from the unit (whose title is a neutral `Article N`); `kb.search` must rank the
  article first. The same queries run through a plain BM25 (bm25s) on the same texts.
"""

from __future__ import annotations

import csv
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kb.answers.matcher import Status
from kb.content.document import UnitDocument, validate_locale, validate_slug
from kb.content.markdown import parse_body
from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = [
    "Article",
    "ArticleQuery",
    "DatasetError",
    "FaqEntry",
    "FaqQuery",
    "FaqReport",
    "IntentReport",
    "LabelledRow",
    "LabelledUnits",
    "Latency",
    "OperatingPoint",
    "Prediction",
    "SearchReport",
    "SetupTimes",
    "article_units",
    "evaluate_bm25",
    "evaluate_faq",
    "evaluate_intents",
    "evaluate_search",
    "faq_units",
    "intent_units",
    "load_batch",
    "operating_point",
    "read_articles",
    "read_faq",
    "read_faq_queries",
    "read_labelled_csv",
    "run_article_eval",
    "run_faq_eval",
    "run_intent_eval",
    "scratch_knowledge_base",
    "slugify",
    "stratified_split",
]

AUTHOR = "eval"
#: The ranking depth of the FAQ's MRR and of the search metrics.
FAQ_DEPTH = 5
SEARCH_DEPTH = 10
_NOT_ANSWERED = "__not_answered__"
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+", re.UNICODE)
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


@dataclass(frozen=True)
class Latency:
    """Milliseconds per call: percentiles and mean."""

    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, millis: Sequence[float]) -> Latency:
        """Summarise a list of timings (all zero when there are none)."""
        if not millis:
            return cls(0.0, 0.0, 0.0, 0.0)
        ordered = sorted(millis)
        return cls(
            _percentile(ordered, 50),
            _percentile(ordered, 95),
            _percentile(ordered, 99),
            statistics.fmean(ordered),
        )


@dataclass(frozen=True)
class SetupTimes:
    """Seconds spent filling the scratch store before the first question."""

    import_s: float = 0.0
    publish_s: float = 0.0
    index_s: float = 0.0


@dataclass(frozen=True)
class Prediction:
    """What the knowledge base did with one test row."""

    text: str
    gold: str | None
    status: str
    predicted: str | None
    top: str | None
    confidence: float
    alternatives: tuple[str, ...]
    millis: float

    @property
    def correct(self) -> bool:
        """Answered with the right unit, or not answered when nothing is right."""
        return self.predicted == self.gold


def _summary(report: object) -> dict[str, Any]:
    """Every field but the per-row details, as JSON-ready values."""
    out: dict[str, Any] = {}
    for f in fields(report):  # type: ignore[arg-type]
        if f.metadata.get("detail"):
            continue
        value = getattr(report, f.name)
        out[f.name] = _summary(value) if hasattr(value, "__dataclass_fields__") else value
    return out


@dataclass(frozen=True)
class IntentReport:
    """Intent accuracy of the knowledge base on labelled test rows."""

    n: int
    n_in_scope: int
    n_oos: int
    accuracy: float
    in_scope_accuracy: float
    oos_recall: float | None
    macro_f1: float
    top1_accuracy: float
    answered_rate: float
    clarify_rate: float
    no_answer_rate: float
    answered_precision: float | None
    clarify_hit_rate: float | None
    unseen_labels: int
    latency: Latency
    units: int = 0
    examples: int = 0
    setup: SetupTimes = field(default_factory=SetupTimes)
    predictions: tuple[Prediction, ...] = field(default=(), metadata={"detail": True}, repr=False)

    def summary(self) -> dict[str, Any]:
        """The report without its per-row predictions."""
        return _summary(self)


@dataclass(frozen=True)
class FaqReport:
    """FAQ retrieval: ranking quality on answerable queries, refusals on unanswerable ones."""

    n: int
    n_answerable: int
    n_unanswerable: int
    recall_at_1: float
    answered_recall_at_1: float
    recall_at_5: float
    mrr_at_5: float
    search_recall_at_1: float
    search_mrr_at_5: float
    no_answer_rate: float
    not_answered_rate: float
    wrongly_refused_rate: float
    latency: Latency
    units: int = 0
    setup: SetupTimes = field(default_factory=SetupTimes)

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return _summary(self)


@dataclass(frozen=True)
class SearchReport:
    """Search relevance of one engine on held-back queries."""

    engine: str
    n_queries: int
    n_documents: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float
    latency: Latency
    setup: SetupTimes = field(default_factory=SetupTimes)

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return _summary(self)


@dataclass(frozen=True)
class OperatingPoint:
    """In-scope accuracy and OOS recall if the top unit were answered above `threshold`."""

    threshold: float
    in_scope_accuracy: float
    oos_recall: float


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


def _faq_unit_id(faq_id: str) -> str:
    return f"faq-{slugify(faq_id)}"


def faq_units(entries: Sequence[FaqEntry], *, locale: str) -> ContentBatch:
    """One unit per entry: its question is the title (the matcher trains on titles too)."""
    _check_locale(locale)
    return ContentBatch(
        units=[
            SourcedUnit(
                UnitDocument(
                    id=_faq_unit_id(e.faq_id),
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


# -- the scratch store ------------------------------------------------------------------------


@contextmanager
def scratch_knowledge_base(
    data_dir: Path | str | None = None, *, like: Settings | None = None
) -> Iterator[KnowledgeBase]:
    """An empty knowledge base on SQLite in `data_dir` (default: a temporary folder).

    `like` lends its matcher thresholds and search engine (e.g. from the environment), never
    its database: the evaluation cannot touch a real knowledge base.
    """
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        directory = Path(data_dir) if data_dir is not None else Path(tmp)
        settings = Settings(data_dir=directory, author=AUTHOR)
        if like is not None:
            settings = replace(
                settings,
                search_engine=like.search_engine,
                answer_threshold=like.answer_threshold,
                clarify_threshold=like.clarify_threshold,
                clarify_margin=like.clarify_margin,
            )
        with KnowledgeBase.open(settings) as kb:
            yield kb


def load_batch(kb: KnowledgeBase, batch: ContentBatch, *, message: str) -> SetupTimes:
    """Import, publish and build the release's index and matchers; time each step."""
    start = time.perf_counter()
    kb.import_content(batch, author=AUTHOR, message=message)
    imported = time.perf_counter()
    kb.publish(author=AUTHOR, message=message)
    published = time.perf_counter()
    kb.services()  # builds the index and matchers, unless publishing already did
    built = time.perf_counter()
    return SetupTimes(imported - start, published - imported, built - published)


# -- metrics ----------------------------------------------------------------------------------


def _percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * q // 100))
    return float(ordered[int(rank) - 1])


def _rate(count: int, total: int) -> float:
    return count / total if total else 0.0


def _ranking(kb: KnowledgeBase, question: str, locale: str, limit: int) -> list[str]:
    """The matcher's best units whatever their confidence (what `kb.ask` decides on)."""
    matcher = kb.services().matchers.get(locale)
    return [c.unit_id for c in matcher.rank(question, limit=limit)] if matcher else []


def evaluate_intents(
    kb: KnowledgeBase, test_rows: Sequence[LabelledRow], locale: str, oos_label: str = "oos"
) -> IntentReport:
    """Ask every test row; measure accuracy, OOS recall, macro-F1 and latency."""
    from sklearn.metrics import f1_score

    kb.services()  # build before timing: the first question should not pay for the index
    known = {u.document.id for u in kb.snapshot().iter_units(locale)}
    predictions: list[Prediction] = []
    for row in test_rows:
        gold = None if row.label == oos_label else slugify(row.label)
        start = time.perf_counter()
        answer = kb.ask(row.text, locale=locale)
        millis = (time.perf_counter() - start) * 1000
        alternatives = tuple(a.unit_id for a in answer.alternatives)
        if answer.status is Status.ANSWERED:
            predicted = top = answer.unit_id
        else:
            predicted = None
            top = (
                alternatives[0]
                if alternatives
                else next(iter(_ranking(kb, row.text, locale, 1)), None)
            )
        predictions.append(
            Prediction(
                row.text,
                gold,
                answer.status.value,
                predicted,
                top,
                answer.confidence,
                alternatives,
                millis,
            )
        )
    in_scope = [p for p in predictions if p.gold is not None]
    oos = [p for p in predictions if p.gold is None]
    answered = [p for p in predictions if p.status == Status.ANSWERED.value]
    clarified = [p for p in in_scope if p.status == Status.CLARIFY.value]
    truth = [p.gold or _NOT_ANSWERED for p in predictions]
    guess = [p.predicted or _NOT_ANSWERED for p in predictions]
    macro_f1 = float(f1_score(truth, guess, average="macro", zero_division=0)) if truth else 0.0
    n = len(predictions)
    return IntentReport(
        n=n,
        n_in_scope=len(in_scope),
        n_oos=len(oos),
        accuracy=_rate(sum(p.correct for p in predictions), n),
        in_scope_accuracy=_rate(sum(p.correct for p in in_scope), len(in_scope)),
        oos_recall=_rate(sum(p.correct for p in oos), len(oos)) if oos else None,
        macro_f1=macro_f1,
        top1_accuracy=_rate(sum(p.top == p.gold for p in in_scope), len(in_scope)),
        answered_rate=_rate(len(answered), n),
        clarify_rate=_rate(sum(p.status == Status.CLARIFY.value for p in predictions), n),
        no_answer_rate=_rate(sum(p.status == Status.NO_ANSWER.value for p in predictions), n),
        answered_precision=(
            _rate(sum(p.correct for p in answered), len(answered)) if answered else None
        ),
        clarify_hit_rate=(
            _rate(sum(p.gold in p.alternatives for p in clarified), len(clarified))
            if clarified
            else None
        ),
        unseen_labels=sum(p.gold not in known for p in in_scope),
        latency=Latency.of([p.millis for p in predictions]),
        units=len(known),
        predictions=tuple(predictions),
    )


def operating_point(report: IntentReport, *, min_oos_recall: float) -> OperatingPoint | None:
    """The best in-scope accuracy of "answer the top unit if confident" at that OOS recall.

    Recomputed from the recorded top units and confidences, as if the matcher had one
    threshold and no clarify band; None when the report has no out-of-scope rows.
    """
    rows = report.predictions
    in_scope = [p for p in rows if p.gold is not None]
    oos = [p for p in rows if p.gold is None]
    if not oos or not in_scope:
        return None
    best: OperatingPoint | None = None
    for threshold in sorted({p.confidence for p in rows} | {0.0, 1.0 + 1e-9}):
        recall = _rate(sum(p.confidence < threshold for p in oos), len(oos))
        if recall < min_oos_recall:
            continue
        accuracy = _rate(
            sum(p.top == p.gold and p.confidence >= threshold for p in in_scope), len(in_scope)
        )
        if best is None or accuracy > best.in_scope_accuracy:
            best = OperatingPoint(threshold, accuracy, recall)
    return best


def _first_rank(ranked: Sequence[str], relevant: frozenset[str]) -> int | None:
    return next((i for i, unit_id in enumerate(ranked, start=1) if unit_id in relevant), None)


def _mrr(ranks: Sequence[int | None], depth: int) -> float:
    if not ranks:
        return 0.0
    return statistics.fmean(1 / r if r is not None and r <= depth else 0.0 for r in ranks)


def _hit(ranks: Sequence[int | None], depth: int) -> float:
    return _rate(sum(r is not None and r <= depth for r in ranks), len(ranks))


def evaluate_faq(kb: KnowledgeBase, queries: Sequence[FaqQuery], locale: str) -> FaqReport:
    """Recall@1 and MRR@5 on answerable queries, refusals on unanswerable ones.

    Ranking metrics use the matcher's own top five (`IntentMatcher.rank`, the ranking `kb.ask`
    applies its thresholds to), since an answer carries at most three units; `search_*` rank
    the same queries with `kb.search`, as an operator would see them.
    """
    kb.services()
    ranks: list[int | None] = []
    search_ranks: list[int | None] = []
    answered_hits = refused = no_answer = not_answered = 0
    millis: list[float] = []
    for query in queries:
        start = time.perf_counter()
        answer = kb.ask(query.text, locale=locale)
        millis.append((time.perf_counter() - start) * 1000)
        relevant = frozenset(_faq_unit_id(i) for i in query.relevant)
        if not relevant:
            no_answer += answer.status is Status.NO_ANSWER
            not_answered += answer.status is not Status.ANSWERED
            continue
        ranks.append(_first_rank(_ranking(kb, query.text, locale, FAQ_DEPTH), relevant))
        results, _release = kb.search(query.text, locale=locale, limit=FAQ_DEPTH)
        search_ranks.append(_first_rank([h.unit_id for h in results.hits], relevant))
        answered_hits += answer.status is Status.ANSWERED and answer.unit_id in relevant
        refused += answer.status is Status.NO_ANSWER
    n_unanswerable = sum(not q.relevant for q in queries)
    return FaqReport(
        n=len(queries),
        n_answerable=len(ranks),
        n_unanswerable=n_unanswerable,
        recall_at_1=_hit(ranks, 1),
        answered_recall_at_1=_rate(answered_hits, len(ranks)),
        recall_at_5=_hit(ranks, FAQ_DEPTH),
        mrr_at_5=_mrr(ranks, FAQ_DEPTH),
        search_recall_at_1=_hit(search_ranks, 1),
        search_mrr_at_5=_mrr(search_ranks, FAQ_DEPTH),
        no_answer_rate=_rate(no_answer, n_unanswerable),
        not_answered_rate=_rate(not_answered, n_unanswerable),
        wrongly_refused_rate=_rate(refused, len(ranks)),
        latency=Latency.of(millis),
        units=len(kb.snapshot().units),
    )


def evaluate_search(
    kb: KnowledgeBase, queries: Sequence[ArticleQuery], locale: str
) -> SearchReport:
    """hit@1, hit@5 and MRR@10 of `kb.search` on held-back headings."""
    kb.services()
    ranks: list[int | None] = []
    millis: list[float] = []
    for query in queries:
        start = time.perf_counter()
        results, _release = kb.search(query.text, locale=locale, limit=SEARCH_DEPTH)
        millis.append((time.perf_counter() - start) * 1000)
        ranks.append(_first_rank([h.unit_id for h in results.hits], query.relevant))
    return SearchReport(
        engine="kb",
        n_queries=len(queries),
        n_documents=len(kb.snapshot().units),
        hit_at_1=_hit(ranks, 1),
        hit_at_5=_hit(ranks, 5),
        mrr_at_10=_mrr(ranks, SEARCH_DEPTH),
        latency=Latency.of(millis),
    )


def _tokens(text: str, stemmer: Callable[[str], str] | None) -> list[str]:
    words = _WORD.findall(text.lower())
    return [stemmer(w) for w in words] if stemmer else words


def evaluate_bm25(
    batch: ContentBatch,
    queries: Sequence[ArticleQuery],
    *,
    stemmer: Callable[[str], str] | None = None,
    name: str = "bm25s",
) -> SearchReport:
    """The same queries through plain BM25 (bm25s) over each unit's title and plain text."""
    import bm25s

    start = time.perf_counter()
    ids = [u.document.id for u in batch.units]
    corpus = [
        _tokens(f"{u.document.title}\n{parse_body(u.document.body).public_text}", stemmer)
        for u in batch.units
    ]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    built = time.perf_counter() - start
    depth = min(SEARCH_DEPTH, len(ids))
    ranks: list[int | None] = []
    millis: list[float] = []
    for query in queries:
        start = time.perf_counter()
        tokens = _tokens(query.text, stemmer)
        if tokens:
            docs, scores = retriever.retrieve([tokens], k=depth, show_progress=False)
            ranked = [ids[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        else:
            ranked = []
        millis.append((time.perf_counter() - start) * 1000)
        ranks.append(_first_rank(ranked, query.relevant))
    return SearchReport(
        engine=name,
        n_queries=len(queries),
        n_documents=len(ids),
        hit_at_1=_hit(ranks, 1),
        hit_at_5=_hit(ranks, 5),
        mrr_at_10=_mrr(ranks, SEARCH_DEPTH),
        latency=Latency.of(millis),
        setup=SetupTimes(index_s=built),
    )


# -- whole runs -------------------------------------------------------------------------------


def run_intent_eval(
    train: Sequence[LabelledRow],
    test: Sequence[LabelledRow],
    *,
    locale: str = "en",
    oos_label: str = "oos",
    data_dir: Path | str | None = None,
    like: Settings | None = None,
) -> IntentReport:
    """Load `train` as units into a scratch store and measure on `test`."""
    units = intent_units(train, locale=locale, oos_label=oos_label)
    if not units.batch.units:
        raise DatasetError("the training data has no in-scope rows, so there is nothing to learn")
    with scratch_knowledge_base(data_dir, like=like) as kb:
        setup = load_batch(kb, units.batch, message="Evaluation: intents")
        report = evaluate_intents(kb, test, locale, oos_label)
    return replace(report, examples=units.examples, setup=setup)


def run_faq_eval(
    entries: Sequence[FaqEntry],
    queries: Sequence[FaqQuery],
    *,
    locale: str = "en",
    data_dir: Path | str | None = None,
    like: Settings | None = None,
) -> FaqReport:
    """Load the FAQ into a scratch store and measure on the queries."""
    known = {e.faq_id for e in entries}
    unknown = sorted({i for q in queries for i in q.relevant} - known)
    if unknown:
        raise DatasetError(f"queries name FAQ ids that are not in the FAQ: {', '.join(unknown)}")
    with scratch_knowledge_base(data_dir, like=like) as kb:
        setup = load_batch(kb, faq_units(entries, locale=locale), message="Evaluation: FAQ")
        report = evaluate_faq(kb, queries, locale)
    return replace(report, setup=setup)


def run_article_eval(
    articles: Sequence[Article],
    *,
    locale: str,
    stemmers: Mapping[str, Callable[[str], str] | None] | None = None,
    data_dir: Path | str | None = None,
    like: Settings | None = None,
) -> list[SearchReport]:
    """Our search, then BM25 (one run per named stemmer; default: none) on the same queries."""
    batch, queries = article_units(articles, locale=locale)
    if not queries:
        raise DatasetError("no article has both a heading and a body")
    with scratch_knowledge_base(data_dir, like=like) as kb:
        setup = load_batch(kb, batch, message="Evaluation: articles")
        reports = [replace(evaluate_search(kb, queries, locale), setup=setup)]
    for name, stemmer in (stemmers or {"bm25s": None}).items():
        reports.append(evaluate_bm25(batch, queries, stemmer=stemmer, name=name))
    return reports
