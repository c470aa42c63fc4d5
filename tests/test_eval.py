"""`kb eval` on small hand-made data sets whose right answers are known in advance."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from cli.eval_cmd import eval_command
from kb.evaluation.datasets import (
    Article,
    DatasetError,
    LabelledRow,
    article_units,
    intent_units,
    read_labelled_csv,
    slugify,
    stratified_split,
)
from kb.evaluation.metrics import IntentReport, Latency, Prediction, operating_point
from kb.evaluation.runs import evaluate_bm25

Run = Callable[..., Result]

INTENTS: dict[str, list[str]] = {
    "card_arrival": [
        "where is my new card",
        "my card has not arrived yet",
        "when will my card be delivered",
        "the card still has not been delivered",
        "track the delivery of my card",
    ],
    "exchange_rate": [
        "what is the exchange rate for euros",
        "how many pounds is one dollar",
        "currency conversion rate today",
        "exchange rate from euro to dollar",
        "which rate do you use to convert currency",
    ],
    "lost_or_stolen_phone": [
        "someone stole my phone",
        "i lost my phone",
        "my phone was stolen what do i do",
        "my mobile phone is missing",
        "lost phone please block the app",
    ],
    "Top Up Limits": [
        "what is the maximum top up",
        "how much can i top up",
        "top up limit",
        "is there a limit on top ups",
        "largest amount i can add with a top up",
    ],
}
OUT_OF_SCOPE = "what is the capital of peru and who painted the mona lisa"
#: Shares no word and no character n-gram with any English unit: never answerable.
NOTHING_IN_COMMON = "Ωμέγα ψυχή ζωή"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def train_csv(tmp_path: Path) -> Path:
    rows = [[text, label] for label, texts in INTENTS.items() for text in texts]
    return _write_csv(tmp_path / "train.csv", ["text", "intent"], rows)


@pytest.fixture
def run() -> Run:
    """Invoke `eval ARGS...` on a small app that registers the command as cli/main.py will."""
    app = typer.Typer()
    app.command("eval")(eval_command)

    @app.callback()
    def main() -> None:
        """Keep `eval` a subcommand."""

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, ["eval", *map(str, args)], env=env, catch_exceptions=False)

    return invoke


def _json(result: Result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- loading ----------------------------------------------------------------------------------


def test_labels_become_slugs() -> None:
    assert slugify("card_arrival") == "card-arrival"
    assert slugify("alarm__set") == "alarm-set"
    assert slugify("  Top Up Limits?! ") == "top-up-limits"
    assert slugify("what's_up") == "what-s-up"


def test_every_training_text_becomes_a_question_and_oos_is_never_a_unit() -> None:
    rows = [LabelledRow(t, label) for label, texts in INTENTS.items() for t in texts]
    rows += [
        LabelledRow(OUT_OF_SCOPE, "oos"),
        LabelledRow("i lost my phone", "lost_or_stolen_phone"),
    ]
    units = intent_units(rows, locale="en")
    docs = {u.document.id: u.document for u in units.batch.units}
    assert sorted(docs) == [
        "card-arrival",
        "exchange-rate",
        "lost-or-stolen-phone",
        "top-up-limits",
    ]
    assert units.labels["top-up-limits"] == "Top Up Limits"
    assert docs["card-arrival"].questions == tuple(INTENTS["card_arrival"])
    assert docs["lost-or-stolen-phone"].title == "Lost or stolen phone"
    assert "lost_or_stolen_phone" in docs["lost-or-stolen-phone"].body
    assert units.examples == 20  # the repeated text is one question, not two


def test_labels_that_give_the_same_unit_id_are_refused() -> None:
    rows = [LabelledRow("a", "Card Arrival"), LabelledRow("b", "card_arrival")]
    with pytest.raises(DatasetError, match="both give the unit id 'card-arrival'"):
        intent_units(rows, locale="en")


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "b.csv", ["text", "category"], [["hello", "greet"]])
    with pytest.raises(DatasetError, match=r"no column 'intent'.*'text', 'category'"):
        read_labelled_csv(path)
    assert read_labelled_csv(path, label_column="category") == [LabelledRow("hello", "greet")]


def test_stratified_split_holds_back_a_share_of_every_label() -> None:
    rows = [LabelledRow(f"{label} {i}", label) for label in "abc" for i in range(10)]
    rows.append(LabelledRow("lonely", "d"))
    train, test = stratified_split(rows, test_size=0.2, seed=13)
    assert sorted(r.label for r in test) == ["a", "a", "b", "b", "c", "c"]
    assert len(train) == 25 and {r.label for r in train} == {"a", "b", "c", "d"}
    assert stratified_split(rows, test_size=0.2, seed=13) == (train, test)
    assert stratified_split(rows, test_size=0.2, seed=14) != (train, test)


def test_articles_lose_their_heading_and_share_a_query_when_headings_repeat() -> None:
    articles = [
        Article("a", "Reset a password", "# Reset a password\n\nOpen the admin centre."),
        Article("b", "reset a  Password", "# reset a Password\nUse the portal."),
        Article("c", "Empty", "# Empty\n"),
    ]
    batch, queries = article_units(articles, locale="en")
    docs = [u.document for u in batch.units]
    assert [(d.id, d.title, d.body) for d in docs] == [
        ("article-1", "Article 1", "Open the admin centre."),
        ("article-2", "Article 2", "Use the portal."),
    ]
    assert [(q.text, sorted(q.relevant)) for q in queries] == [
        ("Reset a password", ["article-1", "article-2"])
    ]


def test_bm25_ranks_the_article_that_shares_the_words() -> None:
    articles = [
        Article("x", "Mailbox quota", "# Mailbox quota\nThe mailbox is full: archive old mail."),
        Article("y", "Teams meeting", "# Teams meeting\nSchedule a meeting from the calendar."),
        Article("z", "Printer", "# Printer\nAdd a printer in settings."),
    ]
    batch, queries = article_units(articles, locale="en")
    report = evaluate_bm25(batch, queries)
    assert (report.n_queries, report.n_documents) == (3, 3)
    assert report.hit_at_1 == pytest.approx(1.0) and report.mrr_at_10 == pytest.approx(1.0)


def _prediction(gold: str | None, top: str, confidence: float) -> Prediction:
    return Prediction("t", gold, "answered", top, top, confidence, (), 1.0)


def test_operating_point_trades_in_scope_accuracy_for_oos_recall() -> None:
    rows = (
        _prediction("a", "a", 0.9),
        _prediction("b", "b", 0.6),
        _prediction("c", "a", 0.8),  # wrong, and confident
        _prediction(None, "a", 0.7),
        _prediction(None, "b", 0.3),
    )
    report = IntentReport(
        n=5,
        n_in_scope=3,
        n_oos=2,
        accuracy=0,
        in_scope_accuracy=0,
        oos_recall=0,
        macro_f1=0,
        top1_accuracy=0,
        answered_rate=1,
        clarify_rate=0,
        no_answer_rate=0,
        answered_precision=None,
        clarify_hit_rate=None,
        unseen_labels=0,
        latency=Latency.of([1.0]),
        predictions=rows,
    )
    half = operating_point(report, min_oos_recall=0.5)
    assert half is not None
    assert (half.threshold, half.in_scope_accuracy, half.oos_recall) == (0.6, 2 / 3, 0.5)
    full = operating_point(report, min_oos_recall=1.0)
    assert full is not None and full.in_scope_accuracy == pytest.approx(1 / 3)


def test_latency_percentiles_use_nearest_rank() -> None:
    latency = Latency.of([float(i) for i in range(1, 101)])
    assert (latency.p50, latency.p95, latency.p99, latency.mean) == (50.0, 95.0, 99.0, 50.5)


# -- the command, on a real scratch store -----------------------------------------------------


def test_perfectly_separated_intents_and_a_planted_oos_row_score_full_marks(
    run: Run, train_csv: Path, tmp_path: Path
) -> None:
    test_rows = [[texts[0], label] for label, texts in INTENTS.items()]
    test_csv = _write_csv(tmp_path / "test.csv", ["text", "intent"], test_rows)
    oos_csv = _write_csv(tmp_path / "oos.csv", ["text", "intent"], [[NOTHING_IN_COMMON, "oos"]])
    report = _json(run(train_csv, test_csv, "--oos", oos_csv, "--json"))
    assert isinstance(report, dict)
    assert (report["n"], report["n_in_scope"], report["n_oos"]) == (5, 4, 1)
    assert (report["units"], report["examples"]) == (4, 20)
    assert report["accuracy"] == 1.0 and report["in_scope_accuracy"] == 1.0
    assert report["oos_recall"] == 1.0 and report["macro_f1"] == 1.0
    assert report["answered_rate"] == pytest.approx(0.8)
    assert report["latency"]["p50"] > 0


def test_a_mislabelled_row_counts_as_wrong(run: Run, train_csv: Path, tmp_path: Path) -> None:
    rows = [[texts[1], label] for label, texts in INTENTS.items()]
    rows.append([INTENTS["card_arrival"][2], "exchange_rate"])  # a card question, labelled wrong
    test_csv = _write_csv(tmp_path / "test.csv", ["text", "intent"], rows)
    report = _json(run(train_csv, test_csv, "--json"))
    assert isinstance(report, dict)
    assert report["n_oos"] == 0 and report["oos_recall"] is None
    assert report["accuracy"] == pytest.approx(4 / 5)
    assert report["in_scope_accuracy"] == pytest.approx(4 / 5)
    # card-arrival: P=1/2 R=1 F=2/3; exchange-rate: P=1 R=1/2 F=2/3; the other two 1.
    assert report["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1 + 1) / 4)


def test_without_a_test_file_part_of_train_is_held_back(run: Run, train_csv: Path) -> None:
    report = _json(run(train_csv, "--split", "0.2", "--seed", "1", "--json"))
    assert isinstance(report, dict)
    assert (report["n"], report["units"], report["examples"]) == (4, 4, 16)


def test_the_table_names_the_metrics(run: Run, train_csv: Path) -> None:
    result = run(train_csv, train_csv)
    assert result.exit_code == 0, result.output
    assert "in-scope accuracy" in result.stdout and "100.0%" in result.stdout


def test_a_csv_without_the_label_column_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "bank.csv", ["text", "category"], [["hello", "greet"]])
    result = run(path, path)
    assert result.exit_code == 1
    assert "no column 'intent'" in result.stderr and "bank.csv" in result.stderr
    assert _json(run(path, path, "--label-column", "category", "--json"))


def test_settings_come_from_the_environment_but_never_the_database(
    run: Run, train_csv: Path, tmp_path: Path
) -> None:
    real = tmp_path / "real-kb"
    env = {"KB_DATA_DIR": str(real), "KB_SEARCH_ENGINE": "elastic"}
    result = run(train_csv, train_csv, env=env)
    assert result.exit_code == 1 and "unknown search engine 'elastic'" in result.stderr
    env["KB_SEARCH_ENGINE"] = "whoosh"
    assert _json(run(train_csv, train_csv, "--json", env=env))
    assert not real.exists()


def test_faq_mode_finds_the_entry_and_refuses_the_unanswerable(run: Run, tmp_path: Path) -> None:
    faq = _write_csv(
        tmp_path / "faq.csv",
        ["faq_id", "category", "question", "answer"],
        [
            ["1", "safety", "Are the vaccines safe for children?", "Yes, for ages 5 and up."],
            ["2", "cost", "How much does the vaccine cost?", "It is free for everyone."],
            ["3", "where", "Where can I get vaccinated?", "At any pharmacy or clinic."],
        ],
    )
    queries = _write_csv(
        tmp_path / "queries.csv",
        ["query_id", "query", "relevant_faq_ids"],
        [
            ["0", "How much does the vaccine cost?", "2"],
            ["1", "Where can I get vaccinated?", "3,1"],
            ["2", NOTHING_IN_COMMON, "-1"],
        ],
    )
    report = _json(run("--faq", faq, queries, "--json"))
    assert isinstance(report, dict)
    assert (report["n"], report["n_answerable"], report["n_unanswerable"]) == (3, 2, 1)
    assert report["units"] == 3
    assert report["recall_at_1"] == 1.0 and report["mrr_at_5"] == 1.0
    assert report["answered_recall_at_1"] == 1.0
    assert report["no_answer_rate"] == 1.0


def test_faq_queries_naming_unknown_entries_are_refused(run: Run, tmp_path: Path) -> None:
    faq = _write_csv(tmp_path / "faq.csv", ["faq_id", "question", "answer"], [["1", "q", "a"]])
    queries = _write_csv(
        tmp_path / "q.csv", ["query_id", "query", "relevant_faq_ids"], [["0", "q", "7"]]
    )
    result = run("--faq", faq, queries)
    assert result.exit_code == 1 and "not in the FAQ: 7" in result.stderr


def test_articles_mode_compares_our_search_with_bm25(run: Run, tmp_path: Path) -> None:
    articles = [
        (
            "mailbox",
            "Почтовый ящик переполнен",
            "Архивируйте старые письма, когда почтовый ящик переполнен.",
        ),
        ("teams", "Собрание в Teams", "Запланируйте собрание в календаре Teams."),
        ("printer", "Добавление принтера", "Добавление принтера выполняется в параметрах Windows."),
    ]
    path = tmp_path / "ru-RU.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {"id": i, "locale": "ru-RU", "heading": h, "body_markdown": f"# {h}\n\n{b}"},
                ensure_ascii=False,
            )
            + "\n"
            for i, h, b in articles
        ),
        encoding="utf-8",
    )
    reports = _json(run("--articles", path, "--json"))
    assert isinstance(reports, list)
    assert [r["engine"] for r in reports] == ["kb", "bm25s"]
    ours = reports[0]
    assert (ours["n_queries"], ours["n_documents"]) == (3, 3)
    assert ours["hit_at_5"] == 1.0 and ours["hit_at_1"] == 1.0
    table = run("--articles", path)
    assert table.exit_code == 0 and "bm25s" in table.stdout and "hit@1" in table.stdout


def test_faq_and_articles_together_are_a_usage_error(run: Run, train_csv: Path) -> None:
    result = run("--faq", "--articles", train_csv)
    assert result.exit_code == 2 and "--faq" in result.output
