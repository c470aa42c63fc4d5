"""`kb insights`: the period's figures and content gaps as tables, or one JSON document."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kb import KnowledgeBase
from kb.events.served import Served
from kb.events.store import write_events
from tests.cli.conftest import Run

PETS = ("is my dog covered by your insurance", "do you sell pet insurance", "insurance for my cat")


@pytest.fixture
def recorded(kb: KnowledgeBase, published: None) -> KnowledgeBase:
    """Answers in two channels, pet questions nobody answered, an empty search."""
    for status in ("answered", "answered", "clarify"):
        unit = "top-up" if status == "answered" else None
        served = Served("answer", "chatbot", "en", 1, unit, 1 if unit else None, status=status)
        kb.events.record(served, question="how do I top up")
    for question in PETS:
        kb.events.record(Served("answer", "web", "en", 1, status="no_answer"), question=question)
    kb.events.record(Served("search", "web", "en", 1, hits=0, units=()), question="trade in")
    assert kb.events.flush()
    return kb


def test_insights_prints_tables_and_the_gaps(run: Run, recorded: KnowledgeBase) -> None:
    result = run("insights")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Insights ") and "(every channel, every locale)" in lines[0]
    rows = {line.split()[0]: line.split() for line in lines if line.startswith("  ")}
    assert rows["chatbot"][:7] == ["chatbot", "en", "3", "2", "1", "0", "66.7%"]
    assert rows["web"][:7] == ["web", "en", "3", "0", "0", "3", "0.0%"]
    assert rows["all"][:6] == ["all", "6", "2", "1", "3", "33.3%"]
    assert rows["top-up"][:3] == ["top-up", "2", "0"]
    assert "trade in" in result.stdout
    assert "clusters, grouped by use-multilingual)" in result.stdout
    assert all(f"- {question}" in result.stdout for question in PETS)


def test_insights_json_parses_and_filters(run: Run, recorded: KnowledgeBase) -> None:
    result = run("insights", "--channel", "web", "--locale", "en", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["insights"]["channel"] == "web"
    assert [c["questions"] for c in body["insights"]["channels"]] == [3]
    assert body["insights"]["totals"]["self_service_rate"] == 0.0
    cluster = next(c for c in body["gaps"]["clusters"] if PETS[0] in c["questions"])
    assert set(cluster["questions"]) == set(PETS) and cluster["size"] == 3
    assert cluster["nearest"]["unit_id"]


def test_since_and_until_choose_the_period(run: Run, recorded: KnowledgeBase) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=20)
    row = {
        "receipt": "f" * 32,
        "at": long_ago,
        "kind": "answer",
        "channel": "ivr",
        "locale": "ru",
        "release": 1,
        "status": "answered",
        "latency_ms": 1.0,
        "cached": False,
    }
    write_events(recorded.db, [row])
    day = long_ago.date().isoformat()
    body = json.loads(run("insights", "--since", "30d", "--until", "10d", "--json").stdout)
    assert [(c["channel"], c["questions"]) for c in body["insights"]["channels"]] == [("ivr", 1)]
    series = {d["day"]: d["self_service_rate"] for d in body["insights"]["series"][0]["days"]}
    assert series[day] == 1.0 and len(series) == 21
    assert body["gaps"]["clusters"] == []
    since_a_date = json.loads(run("insights", "--since", day, "--json").stdout)
    assert since_a_date["insights"]["totals"]["questions"] == 7


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--since", "a week"), "--since"),
        (("--since", "7d", "--until", "later"), "--until"),
        (("--since", "1d", "--until", "2d"), "--since"),
        (("--channel", "fax"), "--channel"),
    ],
)
def test_a_bad_option_is_a_usage_error_naming_it(
    run: Run, published: None, args: tuple[str, ...], option: str
) -> None:
    result = run("insights", *args)
    assert result.exit_code == 2
    assert option in result.output
