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

import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from kb.answers.matcher import Status
from kb.content.markdown import parse_body
from kb.evaluation.datasets import (
    Article,
    ArticleQuery,
    DatasetError,
    FaqEntry,
    FaqQuery,
    LabelledRow,
    article_units,
    faq_unit_id,
    faq_units,
    intent_units,
    slugify,
)
from kb.evaluation.metrics import (
    FaqReport,
    IntentReport,
    Latency,
    Prediction,
    SearchReport,
    SetupTimes,
    first_rank,
    hit_rate,
    mrr,
    rate,
)
from kb.knowledge_base import KnowledgeBase
from kb.progress import tracked
from kb.settings import Settings
from kb.store.importing import ContentBatch

__all__ = [
    "evaluate_bm25",
    "evaluate_faq",
    "evaluate_intents",
    "evaluate_search",
    "load_batch",
    "run_article_eval",
    "run_faq_eval",
    "run_intent_eval",
    "scratch_knowledge_base",
]

AUTHOR = "eval"
#: The ranking depth of the FAQ's MRR and of the search metrics.
FAQ_DEPTH = 5
SEARCH_DEPTH = 10
_NOT_ANSWERED = "__not_answered__"
_WORD = re.compile(r"\w+", re.UNICODE)


# -- the scratch store ------------------------------------------------------------------------


@contextmanager
def scratch_knowledge_base(
    data_dir: Path | str | None = None, *, like: Settings | None = None
) -> Iterator[KnowledgeBase]:
    """An empty knowledge base on SQLite in `data_dir` (default: a temporary folder).

    `like` lends its matcher thresholds, encoder and search engine (e.g. from the environment),
    never its database: the evaluation cannot touch a real knowledge base.
    """
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        directory = Path(data_dir) if data_dir is not None else Path(tmp)
        settings = Settings(data_dir=directory, author=AUTHOR)
        if like is not None:
            settings = replace(
                settings,
                search_engine=like.search_engine,
                encoder=like.encoder,
                answer_threshold=like.answer_threshold,
                clarify_threshold=like.clarify_threshold,
                clarify_margin=like.clarify_margin,
                progress=like.progress,
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


# -- measuring --------------------------------------------------------------------------------


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
    for row in tracked("asking test questions", test_rows, len(test_rows)):
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
        accuracy=rate(sum(p.correct for p in predictions), n),
        in_scope_accuracy=rate(sum(p.correct for p in in_scope), len(in_scope)),
        oos_recall=rate(sum(p.correct for p in oos), len(oos)) if oos else None,
        macro_f1=macro_f1,
        top1_accuracy=rate(sum(p.top == p.gold for p in in_scope), len(in_scope)),
        answered_rate=rate(len(answered), n),
        clarify_rate=rate(sum(p.status == Status.CLARIFY.value for p in predictions), n),
        no_answer_rate=rate(sum(p.status == Status.NO_ANSWER.value for p in predictions), n),
        answered_precision=(
            rate(sum(p.correct for p in answered), len(answered)) if answered else None
        ),
        clarify_hit_rate=(
            rate(sum(p.gold in p.alternatives for p in clarified), len(clarified))
            if clarified
            else None
        ),
        unseen_labels=sum(p.gold not in known for p in in_scope),
        latency=Latency.of([p.millis for p in predictions]),
        units=len(known),
        predictions=tuple(predictions),
    )


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
    for query in tracked("asking queries", queries, len(queries)):
        start = time.perf_counter()
        answer = kb.ask(query.text, locale=locale)
        millis.append((time.perf_counter() - start) * 1000)
        relevant = frozenset(faq_unit_id(i) for i in query.relevant)
        if not relevant:
            no_answer += answer.status is Status.NO_ANSWER
            not_answered += answer.status is not Status.ANSWERED
            continue
        ranks.append(first_rank(_ranking(kb, query.text, locale, FAQ_DEPTH), relevant))
        results, _release = kb.search(query.text, locale=locale, limit=FAQ_DEPTH)
        search_ranks.append(first_rank([h.unit_id for h in results.hits], relevant))
        answered_hits += answer.status is Status.ANSWERED and answer.unit_id in relevant
        refused += answer.status is Status.NO_ANSWER
    n_unanswerable = sum(not q.relevant for q in queries)
    return FaqReport(
        n=len(queries),
        n_answerable=len(ranks),
        n_unanswerable=n_unanswerable,
        recall_at_1=hit_rate(ranks, 1),
        answered_recall_at_1=rate(answered_hits, len(ranks)),
        recall_at_5=hit_rate(ranks, FAQ_DEPTH),
        mrr_at_5=mrr(ranks, FAQ_DEPTH),
        search_recall_at_1=hit_rate(search_ranks, 1),
        search_mrr_at_5=mrr(search_ranks, FAQ_DEPTH),
        no_answer_rate=rate(no_answer, n_unanswerable),
        not_answered_rate=rate(not_answered, n_unanswerable),
        wrongly_refused_rate=rate(refused, len(ranks)),
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
    for query in tracked("searching", queries, len(queries)):
        start = time.perf_counter()
        results, _release = kb.search(query.text, locale=locale, limit=SEARCH_DEPTH)
        millis.append((time.perf_counter() - start) * 1000)
        ranks.append(first_rank([h.unit_id for h in results.hits], query.relevant))
    return SearchReport(
        engine="kb",
        n_queries=len(queries),
        n_documents=len(kb.snapshot().units),
        hit_at_1=hit_rate(ranks, 1),
        hit_at_5=hit_rate(ranks, 5),
        mrr_at_10=mrr(ranks, SEARCH_DEPTH),
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
    for query in tracked(f"searching ({name})", queries, len(queries)):
        start = time.perf_counter()
        tokens = _tokens(query.text, stemmer)
        if tokens:
            docs, scores = retriever.retrieve([tokens], k=depth, show_progress=False)
            ranked = [ids[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        else:
            ranked = []
        millis.append((time.perf_counter() - start) * 1000)
        ranks.append(first_rank(ranked, query.relevant))
    return SearchReport(
        engine=name,
        n_queries=len(queries),
        n_documents=len(ids),
        hit_at_1=hit_rate(ranks, 1),
        hit_at_5=hit_rate(ranks, 5),
        mrr_at_10=mrr(ranks, SEARCH_DEPTH),
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
