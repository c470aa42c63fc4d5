"""`kb eval`: intent accuracy, FAQ retrieval or search relevance on a data set, in a scratch store.

Registered by cli/main.py: `app.command("eval")(eval_command)`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import check_locale
from cli.output import progress_bars
from kb.errors import KBError
from kb.settings import Settings

if TYPE_CHECKING:  # kb.evaluation loads scikit-learn: only `kb eval` itself imports it
    from kb.evaluation.datasets import LabelledRow
    from kb.evaluation.metrics import FaqReport, IntentReport, SearchReport

__all__ = ["eval_command"]

_Train = Annotated[
    Path | None,
    typer.Argument(
        metavar="TRAIN",
        help="Labelled CSV to load as units (with --faq: the FAQ; with --articles: JSONL).",
        show_default=False,
    ),
]
_Test = Annotated[
    Path | None,
    typer.Argument(
        metavar="TEST",
        help="Labelled CSV to measure on (with --faq: the queries). Without it, --split "
        "holds back part of TRAIN.",
        show_default=False,
    ),
]
_Oos = Annotated[
    list[Path] | None,
    typer.Option("--oos", help="More test rows, e.g. out-of-scope ones (repeatable)."),
]
_TextColumn = Annotated[str, typer.Option("--text-column", help="Column of the text.")]
_LabelColumn = Annotated[str, typer.Option("--label-column", help="Column of the label.")]
_OosLabel = Annotated[str, typer.Option("--oos-label", help="Label of rows no unit should answer.")]
_Locale = Annotated[
    str | None,
    typer.Option("--locale", "-l", help="Locale of the units (default: en; articles: theirs)."),
]
_Split = Annotated[
    float, typer.Option("--split", help="Share of TRAIN held back when TEST is not given.")
]
_Seed = Annotated[int, typer.Option("--seed", help="Seed of the stratified split.")]
_Shots = Annotated[
    int | None,
    typer.Option(
        "--shots", help="Train on at most this many rows per label (after the split), e.g. 10."
    ),
]
_Faq = Annotated[
    bool, typer.Option("--faq", help="FAQ retrieval: TRAIN is the FAQ, TEST the queries.")
]
_Articles = Annotated[
    bool, typer.Option("--articles", help="Search relevance: TRAIN is a JSONL of help articles.")
]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_SelfCheck = Annotated[
    bool,
    typer.Option(
        "--self",
        help="Cross-validate the configured knowledge base's own "
        "example questions: which units are confused with which.",
    ),
]


def eval_command(
    train: _Train = None,
    test: _Test = None,
    oos: _Oos = None,
    text_column: _TextColumn = "text",
    label_column: _LabelColumn = "intent",
    oos_label: _OosLabel = "oos",
    locale: _Locale = None,
    split: _Split = 0.2,
    seed: _Seed = 13,
    shots: _Shots = None,
    faq: _Faq = False,
    articles: _Articles = False,
    as_json: _Json = False,
    self_check: _SelfCheck = False,
) -> None:
    """Measure answers or search on a labelled data set, in a scratch store (yours is untouched).

    The matcher thresholds and search engine come from the environment (KB_ANSWER_THRESHOLD...).

    kb eval TRAIN.csv TEST.csv [--oos OOS.csv] [--shots 10]: accuracy, OOS recall, macro-F1,
    latency (--shots: a knowledge base's few examples per unit).

    kb eval --faq FAQ.csv QUERIES.csv: recall@1, MRR@5 and correct refusals.

    kb eval --articles FILE.jsonl: hit@1, hit@5 and MRR@10 of our search and of plain BM25.

    kb eval --self [--locale L]: cross-validated routing of the current release's questions.
    """
    if self_check:
        with progress_bars(_settings().progress):
            _print_self(locale, as_json)
        return
    if faq and articles:
        raise typer.BadParameter("choose one of --faq and --articles")
    if train is None:
        raise typer.BadParameter("give the data set to load", param_hint="TRAIN")
    try:
        with progress_bars(_settings().progress):
            if articles:
                _eval_articles(train, test, locale, as_json)
            elif faq:
                _eval_faq(train, test, locale, as_json)
            else:
                report_i = _run_intents(
                    train,
                    test,
                    oos or [],
                    (text_column, label_column, oos_label),
                    locale or "en",
                    split,
                    seed,
                    shots,
                )
                _print_intents(report_i, as_json)
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _eval_articles(train: Path, test: Path | None, locale: str | None, as_json: bool) -> None:
    """Search relevance on a JSONL of help articles, against plain BM25."""
    from kb.evaluation.datasets import read_articles
    from kb.evaluation.runs import run_article_eval

    if test is not None:
        raise typer.BadParameter("--articles takes one file", param_hint="TEST")
    items = read_articles(train)
    lang = locale or _article_locale(train)
    reports = run_article_eval(items, locale=lang, like=_settings())
    _print_search(reports, train, as_json)


def _eval_faq(train: Path, test: Path | None, locale: str | None, as_json: bool) -> None:
    """FAQ retrieval: TRAIN is the FAQ, TEST the queries."""
    from kb.evaluation.datasets import read_faq, read_faq_queries
    from kb.evaluation.runs import run_faq_eval

    if test is None:
        raise typer.BadParameter("--faq needs the queries file", param_hint="TEST")
    report = run_faq_eval(
        read_faq(train),
        read_faq_queries(test),
        locale=locale or "en",
        like=_settings(),
    )
    _print_faq(report, as_json)


def _run_intents(
    train: Path,
    test: Path | None,
    oos: list[Path],
    columns: tuple[str, str, str],
    locale: str,
    split: float,
    seed: int,
    shots: int | None,
) -> IntentReport:
    from kb.evaluation.datasets import few_shot, read_labelled_csv, stratified_split
    from kb.evaluation.runs import run_intent_eval

    text_column, label_column, oos_label = columns

    def read(path: Path) -> list[LabelledRow]:
        return read_labelled_csv(path, text_column=text_column, label_column=label_column)

    train_rows = read(train)
    if test is None:
        train_rows, test_rows = stratified_split(train_rows, test_size=split, seed=seed)
    else:
        test_rows = read(test)
    if shots is not None:
        train_rows = few_shot(train_rows, shots=shots, seed=seed)
    for path in oos:
        test_rows += read(path)
    return run_intent_eval(
        train_rows, test_rows, locale=locale, oos_label=oos_label, like=_settings()
    )


def _settings() -> Settings:
    """The environment's settings; long work reports progress when stderr is a terminal."""
    return replace(Settings.from_env(), progress=sys.stderr.isatty())


def _article_locale(path: Path) -> str:
    """The language of the articles' `locale` field (ru-RU -> ru)."""
    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "")
    try:
        value = json.loads(first).get("locale") if first else None
    except json.JSONDecodeError:
        value = None
    return str(value).split("-")[0].lower() if value else "en"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        typer.echo(f"{name:<{width}}  {value}")


def _print_intents(report: IntentReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.summary(), indent=2))
        return
    lat = report.latency
    _table(
        [
            ("units / examples", f"{report.units} / {report.examples}"),
            ("test rows", f"{report.n} ({report.n_in_scope} in scope, {report.n_oos} out)"),
            ("accuracy", _pct(report.accuracy)),
            ("in-scope accuracy", _pct(report.in_scope_accuracy)),
            ("out-of-scope recall", _pct(report.oos_recall)),
            ("macro-F1", _pct(report.macro_f1)),
            ("top-1 (any status)", _pct(report.top1_accuracy)),
            (
                "answered / clarify / none",
                f"{_pct(report.answered_rate)} / {_pct(report.clarify_rate)} / "
                f"{_pct(report.no_answer_rate)}",
            ),
            ("latency p50/p95/p99", f"{lat.p50:.1f} / {lat.p95:.1f} / {lat.p99:.1f} ms"),
        ]
        + ([("labels without a unit", str(report.unseen_labels))] if report.unseen_labels else [])
    )


def _print_faq(report: FaqReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.summary(), indent=2))
        return
    lat = report.latency
    _table(
        [
            ("units", str(report.units)),
            (
                "queries",
                f"{report.n} ({report.n_answerable} answerable, "
                f"{report.n_unanswerable} unanswerable)",
            ),
            ("recall@1 (matcher ranking)", _pct(report.recall_at_1)),
            ("recall@1 (answered)", _pct(report.answered_recall_at_1)),
            ("recall@5 (matcher ranking)", _pct(report.recall_at_5)),
            ("MRR@5 (matcher ranking)", f"{report.mrr_at_5:.3f}"),
            (
                "recall@1 / MRR@5 (search)",
                f"{_pct(report.search_recall_at_1)} / {report.search_mrr_at_5:.3f}",
            ),
            ("correct no_answer", _pct(report.no_answer_rate)),
            ("not answered (+clarify)", _pct(report.not_answered_rate)),
            ("answerable refused", _pct(report.wrongly_refused_rate)),
            ("latency p50/p95/p99", f"{lat.p50:.1f} / {lat.p95:.1f} / {lat.p99:.1f} ms"),
        ]
    )


def _print_search(reports: list[SearchReport], path: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([r.summary() for r in reports], indent=2))
        return
    first = reports[0]
    typer.echo(f"{path.name}: {first.n_documents} articles, {first.n_queries} held-back headings")
    typer.echo(
        f"{'engine':<10} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for r in reports:
        typer.echo(
            f"{r.engine:<10} {_pct(r.hit_at_1):>7} {_pct(r.hit_at_5):>7} {r.mrr_at_10:>7.3f} "
            f"{r.latency.p50:>7.1f} {r.latency.p99:>7.1f}"
        )


def _print_self(locale: str | None, as_json: bool) -> None:
    """Cross-validate the published units' example questions, per locale."""
    from kb.answers.selfcheck import self_evaluation
    from kb.answers.services import training_examples
    from kb.knowledge_base import KnowledgeBase

    try:
        with KnowledgeBase.open(_settings()) as kb:
            snap = kb.snapshot()
            recipe = kb.matcher_recipe()
    except KBError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    check_locale(locale, snap.locales)
    reports = {
        loc: self_evaluation(training_examples(snap, loc), locale=loc, recipe=recipe)
        for loc in ([locale] if locale else snap.locales)
    }
    if as_json:
        typer.echo(
            json.dumps(
                {
                    loc: {
                        "accuracy": r.accuracy,
                        "evaluated": r.evaluated,
                        "folds": r.folds,
                        "unit_recall": r.unit_recall,
                        "confusions": [
                            {
                                "expected": c.expected,
                                "predicted": c.predicted,
                                "count": c.count,
                                "examples": list(c.texts),
                            }
                            for c in r.confusions
                        ],
                    }
                    for loc, r in reports.items()
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for loc, report in reports.items():
        typer.echo(
            f"{loc}: {report.accuracy:.1%} of {report.evaluated} held-out example "
            f"questions route to their own unit ({report.folds}-fold, release {snap.number})"
        )
        weakest = sorted(report.unit_recall.items(), key=lambda item: item[1])[:5]
        for unit_id, recall in weakest:
            typer.echo(f"  weakest: {unit_id} {recall:.0%}")
        for c in report.confusions:
            typer.echo(f"  {c.count} x {c.expected} -> {c.predicted}: e.g. '{c.texts[0]}'")
