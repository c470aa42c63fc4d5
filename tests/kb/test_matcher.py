"""The intent matcher: routing, honest refusals, clarifications, edge cases, reports, speed."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from kb.answers import training
from kb.answers.features import Vectorizer
from kb.answers.matcher import (
    MAX_QUESTION_CHARS,
    Candidate,
    Example,
    IntentMatcher,
    MatcherConfig,
    MatchResult,
    Status,
    Thresholds,
    normalize_text,
)
from kb.answers.selfcheck import regressions, self_evaluation

OPERATOR: dict[str, list[str]] = {
    "check-balance": [
        "How do I check my balance?",
        "what is my balance",
        "how much money is left on my account",
        "show my current balance",
        "how can I see how much credit I have",
        "balance check",
    ],
    "top-up": [
        "How do I top up my account?",
        "top up my phone",
        "add money to my account with a card",
        "how can I recharge my mobile",
        "pay for my number online",
        "where can I buy a top-up voucher",
    ],
    "roaming": [
        "How does roaming work abroad?",
        "will my phone work abroad",
        "turn on roaming before my trip",
        "prices for calls when travelling to another country",
        "using mobile data in another country",
        "roaming charges in Europe",
    ],
    "lost-sim": [
        "I lost my SIM card, what do I do?",
        "my phone was stolen, block my number",
        "block my sim card",
        "replace a lost sim",
        "get a new sim card after losing the old one",
    ],
    "change-tariff": [
        "How do I change my tariff?",
        "switch to a cheaper plan",
        "what plans do you offer",
        "upgrade my tariff to unlimited",
        "move to another tariff plan",
    ],
    "internet-settings": [
        "Mobile internet does not work",
        "set up mobile data on my phone",
        "APN settings for internet",
        "no internet connection on my smartphone",
        "how to enable 4G",
        "my mobile data is very slow",
    ],
}

RUSSIAN: dict[str, list[str]] = {
    "check-balance": [
        "Как проверить баланс?",
        "какой у меня баланс",
        "сколько денег осталось на счёте",
        "покажите остаток на счету",
        "проверка баланса",
    ],
    "top-up": [
        "Как пополнить счёт?",
        "пополнить баланс телефона картой",
        "положить деньги на номер",
        "оплатить связь онлайн",
        "пополнение счёта",
    ],
    "roaming": [
        "Как работает роуминг?",
        "будет ли работать телефон за границей",
        "подключить роуминг перед поездкой",
        "цены на звонки за границей",
        "мобильный интернет в другой стране",
    ],
    "lost-sim": [
        "Я потерял сим-карту",
        "заблокировать номер, телефон украли",
        "восстановить потерянную сим-карту",
        "блокировка сим-карты",
        "новая симка вместо утерянной",
    ],
}


def as_examples(units: dict[str, list[str]]) -> list[Example]:
    return [Example(unit, text) for unit, texts in units.items() for text in texts]


@pytest.fixture(scope="module")
def operator() -> IntentMatcher:
    return IntentMatcher.train(as_examples(OPERATOR), locale="en")


def top(matcher: IntentMatcher, question: str) -> str | None:
    ranked = matcher.rank(question, limit=1)
    return ranked[0].unit_id if ranked else None


# ------------------------------------------------------------------ routing and statuses


def test_a_clear_paraphrase_is_answered_with_its_unit(operator: IntentMatcher) -> None:
    result = operator.match("What is my current balance?")
    assert result.status is Status.ANSWERED
    assert result.candidates[0].unit_id == "check-balance"


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("whats my current balance", "check-balance"),
        ("I want to recharge my phone with a bank card", "top-up"),
        ("does my mobile work when I travel abroad", "roaming"),
        ("someone stole my phone, please block the sim", "lost-sim"),
        ("can I switch to the unlimited plan", "change-tariff"),
        ("internet on my phone is not working", "internet-settings"),
        ("blokc my sim crad", "lost-sim"),  # typos: character n-grams still match
    ],
)
def test_paraphrases_route_to_their_unit(operator: IntentMatcher, question: str, unit: str) -> None:
    assert top(operator, question) == unit


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in Paris",
        "who won the football world cup",
        "recipe for chocolate cake",
    ],
)
def test_unrelated_questions_get_no_answer(operator: IntentMatcher, question: str) -> None:
    assert operator.match(question).status is Status.NO_ANSWER


def test_two_near_identical_units_ask_to_clarify_offering_both() -> None:
    units = dict(OPERATOR)
    units["reset-password"] = [
        "I forgot my password",
        "reset my password",
        "how do I change my password",
        "password recovery",
    ]
    units["password-help"] = [  # the same unit written twice by two editors
        "I forgot my password!",
        "reset my password please",
        "how can I change my password",
        "recover my password",
    ]
    matcher = IntentMatcher.train(as_examples(units), locale="en")
    result = matcher.match("I forgot my password, how do I reset it")
    assert result.status is Status.CLARIFY
    offered = {c.unit_id for c in result.candidates}
    assert {"reset-password", "password-help"} <= offered


def test_the_no_answer_result_still_names_the_closest_unit_for_routing(
    operator: IntentMatcher,
) -> None:
    result = operator.match("is there a discount on roaming for students going to Mars")
    assert result.candidates, "a hand-over needs the closest unit's routing hint"
    assert result.candidates[0].unit_id == "roaming"


def test_confidences_are_probabilities_best_first(operator: IntentMatcher) -> None:
    ranked = operator.rank("add money to my phone", limit=6)
    confidences = [c.confidence for c in ranked]
    assert len(ranked) == 6
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert ranked[0].unit_id == "top-up"


def test_thresholds_are_configurable_and_flip_the_status(operator: IntentMatcher) -> None:
    question = "how do I top up my account with a card"
    assert operator.match(question).status is Status.ANSWERED
    strict = Thresholds(answer=1.01, clarify=2.01, margin=0.0)  # clarify: two best together
    assert operator.match(question, thresholds=strict).status is Status.NO_ANSWER
    unsure = Thresholds(answer=1.01, clarify=0.01, margin=0.0)
    assert operator.match(question, thresholds=unsure).status is Status.CLARIFY
    wary = Thresholds(answer=0.01, clarify=0.005, margin=0.999)
    assert operator.match(question, thresholds=wary).status is Status.CLARIFY


def test_match_limits_the_candidates(operator: IntentMatcher) -> None:
    result = operator.match("balance", limit=1, thresholds=Thresholds(0.0, 0.0, 0.0))
    assert isinstance(result, MatchResult)
    assert len(result.candidates) == 1


# ------------------------------------------------------------------ languages


def test_russian_questions_route_right() -> None:
    matcher = IntentMatcher.train(as_examples(RUSSIAN), locale="ru")
    assert top(matcher, "сколько денег у меня на счету") == "check-balance"
    assert top(matcher, "как пополнить баланс банковской картой") == "top-up"
    assert top(matcher, "работает ли мобильный интернет за границей") == "roaming"
    assert top(matcher, "украли телефон, нужно заблокировать симку") == "lost-sim"
    # 'ё' and 'е' are the same letter to the matcher
    assert matcher.rank("сколько осталось на счёте") == matcher.rank("сколько осталось на счете")


def test_bulgarian_questions_route_right() -> None:
    units = {
        "check-balance": [
            "Как да проверя баланса си?",
            "колко пари имам по сметката",
            "проверка на баланса",
        ],
        "roaming": [
            "Как работи роумингът?",
            "ще работи ли телефонът ми в чужбина",
            "цени на разговори в чужбина",
        ],
    }
    matcher = IntentMatcher.train(as_examples(units), locale="bg")
    assert top(matcher, "искам да проверя баланса") == "check-balance"
    assert top(matcher, "роуминг в чужбина") == "roaming"


# ------------------------------------------------------------------ edge cases


def test_no_units_means_no_answer() -> None:
    matcher = IntentMatcher.train([], locale="en")
    assert matcher.unit_ids == frozenset()
    assert matcher.rank("what is my balance") == []
    assert matcher.match("what is my balance") == MatchResult(Status.NO_ANSWER, ())


def test_one_unit_answers_its_questions_and_refuses_unrelated_ones() -> None:
    matcher = IntentMatcher.train(
        as_examples({"check-balance": OPERATOR["check-balance"]}), locale="en"
    )
    assert matcher.match("how much money is left on my account").status is Status.ANSWERED
    assert matcher.match("what's the weather in Paris").status is Status.NO_ANSWER
    assert matcher.match("recipe for chocolate cake").status is Status.NO_ANSWER


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!"])
def test_empty_or_blank_questions_get_no_answer(operator: IntentMatcher, question: str) -> None:
    assert operator.match(question) == MatchResult(Status.NO_ANSWER, ())


def test_very_long_questions_are_cut_and_still_answered_quickly(operator: IntentMatcher) -> None:
    question = "how much money is left on my account " + "please tell me now " * 5_000
    assert len(question) > 50 * MAX_QUESTION_CHARS
    assert len(normalize_text(question)) <= MAX_QUESTION_CHARS  # the work is that of 500 chars
    ranked = operator.rank(question)
    assert ranked[0].unit_id == "check-balance"


def test_single_example_units_duplicates_and_blank_examples_train() -> None:
    examples = [
        Example("a", "how do I pay my bill"),
        Example("a", "how do I pay my bill"),  # repeated: counted once
        Example("b", "where is my nearest shop"),
        Example("c", "how do I pay my bill"),  # the same text in another unit
        Example("d", "   "),  # nothing to learn from: unit d is unknown
    ]
    matcher = IntentMatcher.train(examples, locale="en")
    assert matcher.unit_ids == frozenset({"a", "b", "c"})
    assert top(matcher, "nearest shop") == "b"
    assert {c.unit_id for c in matcher.rank("pay my bill", limit=2)} == {"a", "c"}


def test_unit_ids_lists_every_trained_unit(operator: IntentMatcher) -> None:
    assert operator.unit_ids == frozenset(OPERATOR)


# ------------------------------------------------------------------ persistence


def test_save_and_load_give_identical_rankings(operator: IntentMatcher, tmp_path: Path) -> None:
    path = tmp_path / "matcher-en.pkl"
    operator.save(path)
    loaded = IntentMatcher.load(path)
    assert loaded.unit_ids == operator.unit_ids
    for question in ["top up", "roaming in Europe", "what's the weather", "blokc sim"]:
        assert loaded.rank(question, limit=6) == operator.rank(question, limit=6)


def test_a_matcher_file_saved_without_its_example_vectors_still_loads(
    operator: IntentMatcher, tmp_path: Path
) -> None:
    # Files written before the vectors were stored hold the texts only: they are refitted.
    old = IntentMatcher.__new__(IntentMatcher)
    old.__dict__.update({**operator.__dict__, "_vectorizer": None, "_examples": None})
    path = tmp_path / "old.pkl"
    with path.open("wb") as handle:
        pickle.dump({"format": 1, "matcher": old}, handle)
    loaded = IntentMatcher.load(path)
    for question in ("top up my phone", "my sim card was stolen", "weather in Paris"):
        assert loaded.rank(question) == operator.rank(question)


def test_load_refuses_a_file_that_is_not_a_matcher(tmp_path: Path) -> None:
    path = tmp_path / "other.pkl"
    path.write_bytes(b"\x80\x05N.")  # a pickled None
    with pytest.raises(ValueError, match="not a matcher file"):
        IntentMatcher.load(path)


# ------------------------------------------------------------------ quality reports


def test_regressions_finds_an_example_that_routes_elsewhere(operator: IntentMatcher) -> None:
    examples = [*as_examples(OPERATOR), Example("roaming", "what is my balance")]
    matcher = IntentMatcher.train(examples, locale="en")
    found = regressions(matcher, examples)
    assert found
    assert all(isinstance(got, Candidate) and got.unit_id != ex.unit_id for ex, got in found)
    assert {ex.text for ex, _ in found} == {"what is my balance"}
    assert regressions(operator, as_examples(OPERATOR)) == []


def test_self_evaluation_reports_a_planted_confusion() -> None:
    units = {unit: list(texts) for unit, texts in OPERATOR.items()}
    planted = [
        "how much money is left on my balance",
        "what is my current balance",
        "check how much balance I have",
        "show my balance please",
    ]
    units["top-up"] += planted  # balance questions filed under top-up by mistake
    report = self_evaluation(as_examples(units), locale="en", folds=5)
    assert report.evaluated == sum(len(texts) for texts in units.values())
    assert 0.0 < report.accuracy < 1.0
    planted_pairs = {("top-up", "check-balance"), ("check-balance", "top-up")}
    assert {(c.expected, c.predicted) for c in report.confusions[:2]} & planted_pairs
    found = next(
        c for c in report.confusions if (c.expected, c.predicted) == ("top-up", "check-balance")
    )
    assert found.count >= 2
    assert set(found.texts) & set(planted)
    assert report.unit_recall["top-up"] < report.unit_recall["roaming"]


def test_self_evaluation_never_holds_out_a_units_only_example() -> None:
    examples = [*as_examples(OPERATOR), Example("only-one", "opening hours of the shop")]
    report = self_evaluation(examples, locale="en", folds=3)
    assert "only-one" not in report.unit_recall
    assert report.evaluated == len(examples) - 1


# ------------------------------------------------------------------ speed


def test_training_two_thousand_units_stays_linear_in_the_examples() -> None:
    # Work done, not seconds (those are benchmarks/matcher_tuning.py's): each example meets its
    # own unit and at most hard + random others, never all 2,000 (one-vs-rest would be 40 M
    # pairs), and the SGD's passes over those pairs stay within the visit budget.
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(6000)]
    common = ["how", "do", "i", "my", "the", "a", "is", "what", "can", "to", "for", "with"]
    examples = []
    for unit in range(2000):
        topic = rng.sample(vocabulary, 3)
        for _ in range(10):
            words = rng.choices(common, k=5) + rng.sample(topic, 2)
            rng.shuffle(words)
            examples.append(Example(f"unit-{unit}", " ".join(words)))
    cfg = MatcherConfig()
    matcher = IntentMatcher.train(examples, locale="en", config=cfg)
    assert len(matcher.unit_ids) == 2000

    texts = sorted({(ex.unit_id, normalize_text(ex.text)) for ex in examples})
    index = {unit: k for k, unit in enumerate(sorted(matcher.unit_ids))}
    labels = np.array([index[unit] for unit, _ in texts])
    vectors = Vectorizer(cfg.word_weight, cfg.char_ngrams).fit_transform([t for _, t in texts])
    membership = sp.csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(len(index), len(labels))
    )
    rows, units = training._pairs(vectors, labels, normalize(membership @ vectors), cfg)
    per_example = np.bincount(rows, minlength=len(labels))
    own = rows[units == labels[rows]]
    assert own.tolist() == list(range(len(labels)))  # every example with its own unit, once
    assert per_example.min() >= 1 + cfg.hard_negatives
    assert per_example.max() <= 1 + cfg.hard_negatives + cfg.random_negatives
    epochs = max(cfg.min_epochs, min(cfg.epochs, cfg.visit_budget // len(rows)))
    assert epochs * len(rows) <= max(cfg.visit_budget, cfg.min_epochs * len(rows))
    # What the matcher learnt from those pairs still routes its own examples.
    sample = rng.sample(examples, 200)
    right = sum(matcher.rank(ex.text, limit=1)[0].unit_id == ex.unit_id for ex in sample)
    assert right >= 190
