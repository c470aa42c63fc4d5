"""The matcher's contract as the rest of the service relies on it."""

from __future__ import annotations

from pathlib import Path

from kb.answers.matcher import Example, IntentMatcher, Status, Thresholds
from kb.answers.selfcheck import regressions

UNITS = {
    "check-balance": [
        "what is my balance",
        "how much money is left on my account",
        "check my credit",
        "balance inquiry",
        "show my remaining balance",
    ],
    "top-up": [
        "how do I top up",
        "add credit to my phone",
        "recharge my account",
        "buy more credit",
        "top up with a card",
    ],
    "roaming": [
        "can I use my phone abroad",
        "roaming charges in europe",
        "turn on roaming",
        "using data when travelling",
        "phone in spain",
    ],
    "lost-phone": [
        "my phone was stolen",
        "I lost my phone",
        "block my sim",
        "someone took my mobile",
        "report a stolen phone",
    ],
}


def examples() -> list[Example]:
    return [Example(unit, text) for unit, texts in UNITS.items() for text in texts]


def test_a_known_question_is_answered_with_its_unit() -> None:
    result = IntentMatcher.train(examples(), locale="en").match("what's my balance")
    assert result.status is Status.ANSWERED
    assert result.candidates[0].unit_id == "check-balance"
    assert 0 <= result.candidates[0].confidence <= 1


def test_empty_question_and_empty_matcher_say_no_answer() -> None:
    matcher = IntentMatcher.train(examples(), locale="en")
    assert matcher.match("   ").status is Status.NO_ANSWER
    assert IntentMatcher.train([], locale="en").match("balance").status is Status.NO_ANSWER


def test_thresholds_decide_the_status() -> None:
    matcher = IntentMatcher.train(examples(), locale="en")
    strict = Thresholds(answer=1.01, clarify=1.01, margin=0.0)
    assert matcher.match("what is my balance", thresholds=strict).status is Status.NO_ANSWER
    lenient = Thresholds(answer=0.0, clarify=0.0, margin=0.0)
    assert matcher.match("what is my balance", thresholds=lenient).status is Status.ANSWERED


def test_saved_matcher_ranks_like_the_original(tmp_path: Path) -> None:
    matcher = IntentMatcher.train(examples(), locale="en")
    matcher.save(tmp_path / "m.pkl")
    again = IntentMatcher.load(tmp_path / "m.pkl")
    for question in ("stolen phone", "roaming in france", "recharge"):
        assert again.rank(question) == matcher.rank(question)
    assert again.unit_ids == frozenset(UNITS)


def test_regressions_name_examples_that_route_elsewhere() -> None:
    planted = [*examples(), Example("roaming", "how much money is left on my account")]
    matcher = IntentMatcher.train(planted, locale="en")
    wrong = regressions(matcher, planted)
    assert any(example.text == "how much money is left on my account" for example, _ in wrong)
