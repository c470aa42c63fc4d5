"""kb.insights.gaps and .fix: unanswered questions grouped by need in the matchers' own
representation, and a cluster's questions added to a unit routing there after the next publish."""

from __future__ import annotations

from dataclasses import replace

import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.answers.decision import Status
from kb.errors import InvalidContent, UnitNotFound
from kb.events.served import Served
from kb.insights import add_gap_questions, content_gaps, period
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT

#: Three needs the sample content does not cover, five paraphrases each, few words shared.
PARAPHRASES = {
    "trade-in": (
        "can I trade in my old phone",
        "how do I get money for my old handset",
        "do you offer a trade-in scheme for used phones",
        "what is my old mobile worth if I send it to you",
        "swap my old smartphone for credit",
    ),
    "delivery": (
        "where is my new phone delivery",
        "track the parcel with my order",
        "my online order has not arrived yet",
        "when will my ordered handset be delivered",
        "tracking number for my shipment",
    ),
    "pets": (
        "is my dog covered by your insurance",
        "do you sell pet insurance",
        "insurance for my cat",
        "how much is cover for a puppy",
        "can I insure my pets with you",
    ),
}
#: The same three needs in words that overlap: what a lexical representation can group.
REWORDINGS = {
    "trade-in": (
        "can I trade in my old phone",
        "trade in an old phone",
        "how do I trade in old phones",
        "old phone trade in value",
        "trade-in for my old phone",
    ),
    "delivery": (
        "track my order",
        "where is my order",
        "order tracking",
        "track the delivery of my order",
        "my order has not arrived",
    ),
    "pets": (
        "pet insurance",
        "insurance for pets",
        "do you sell pet insurance",
        "how much is pet insurance",
        "insurance for my pet",
    ),
}


def _publish_sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    return _publish_sample(kb)


@pytest.fixture
def lexical(settings: Settings) -> KnowledgeBase:
    """The sample content published by matchers without a sentence encoder."""
    with KnowledgeBase.open(replace(settings, encoder="none")) as kb:
        yield _publish_sample(kb)


def _unanswered(kb: KnowledgeBase, groups: dict[str, tuple[str, ...]], status: str) -> None:
    """Each question as an answer event of `status`; a group's first question asked twice."""
    for questions in groups.values():
        for question in (questions[0], *questions):
            served = Served("answer", "chatbot", "en", 1, status=status, confidence=0.2)
            kb.events.record(served, question=question)


def _answered(kb: KnowledgeBase) -> None:
    served = Served("answer", "web", "en", 1, "top-up", 1, status="answered", confidence=0.9)
    kb.events.record(served, question="how do I top up")


def _groups(kb: KnowledgeBase) -> dict[frozenset[str], int]:
    report = content_gaps(kb, period("7d"))
    return {frozenset(c.questions): c.size for c in report.clusters}


def test_three_needs_in_paraphrases_make_three_clusters(sample: KnowledgeBase) -> None:
    _unanswered(sample, PARAPHRASES, "no_answer")
    _answered(sample)
    assert sample.events.flush()
    report = content_gaps(sample, period("7d"))
    assert report.representation == "use-multilingual"
    found = {frozenset(c.questions): c for c in report.clusters}
    assert set(found) == {frozenset(questions) for questions in PARAPHRASES.values()}
    for cluster in report.clusters:
        assert (cluster.size, cluster.locale) == (6, "en")  # 5 questions, one of them twice
        assert 1 <= len(cluster.examples) <= 5 and set(cluster.examples) <= set(cluster.questions)
        assert cluster.nearest is not None
        unit = sample.snapshot().units[cluster.nearest.unit_id, "en"]
        assert cluster.nearest.title == unit.document.title
        assert 0 < cluster.nearest.score < 1
    first = {c.id: c.questions[0] for c in report.clusters}
    assert set(first.values()) == {questions[0] for questions in PARAPHRASES.values()}


def test_without_an_encoder_the_words_group_them(lexical: KnowledgeBase) -> None:
    _unanswered(lexical, REWORDINGS, "no_answer")
    assert lexical.events.flush()
    report = content_gaps(lexical, period("7d"))
    assert report.representation == "lexical"
    assert set(_groups(lexical)) == {frozenset(q) for q in REWORDINGS.values()}
    assert all(c.nearest is not None for c in report.clusters)


def test_clarified_questions_and_empty_searches_are_gaps_per_locale(
    sample: KnowledgeBase,
) -> None:
    _unanswered(sample, {"pets": PARAPHRASES["pets"]}, "clarify")
    for text in ("Trade in", "trade in", "trade-in offers"):
        sample.events.record(Served("search", "web", "en", 1, hits=0, units=()), question=text)
    sample.events.record(Served("search", "web", "en", 1, hits=3, units=("top-up",)), question="x")
    russian = Served("answer", "ivr", "ru", 1, status="no_answer")
    for text in ("можно ли застраховать собаку", "страховка для кошки"):
        sample.events.record(russian, question=text)
    assert sample.events.flush()
    report = content_gaps(sample, period("7d"))
    by_locale = {(c.locale, frozenset(c.questions)): c.size for c in report.clusters}
    assert by_locale[("en", frozenset(PARAPHRASES["pets"]))] == 6
    # "Trade in" and "trade in" are one question to the matcher: shown once, counted twice.
    trade_in = next(c for c in report.clusters if "trade-in offers" in c.questions)
    assert (trade_in.size, len(trade_in.questions)) == (3, 2)
    assert {q.lower() for q in trade_in.questions} == {"trade in", "trade-in offers"}
    assert (
        by_locale[("ru", frozenset({"можно ли застраховать собаку", "страховка для кошки"}))] == 2
    )
    assert len(report.clusters) == 3
    only_ivr = content_gaps(sample, period("7d"), channel="ivr")
    assert [c.locale for c in only_ivr.clusters] == ["ru"]
    assert content_gaps(sample, period("7d"), locale="de").clusters == ()


def test_a_clusters_questions_added_to_a_unit_route_there_once_published(
    sample: KnowledgeBase,
) -> None:
    _unanswered(sample, PARAPHRASES, "no_answer")
    assert sample.events.flush()
    cluster = next(
        c
        for c in content_gaps(sample, period("7d")).clusters
        if "insurance for my cat" in c.questions
    )
    before = sample.draft_unit("accessibility-support", "en")
    for question in cluster.questions:
        assert sample.ask(question, locale="en").unit_id != "accessibility-support"
    fix = add_gap_questions(
        sample,
        unit_id="accessibility-support",
        locale="en",
        questions=[*cluster.questions, "INSURANCE FOR MY  CAT", before.questions[0].upper()],
        author="editor-anna",
    )
    assert fix.added == cluster.questions  # each once; what the unit had, case aside, left out
    head = sample.draft_unit("accessibility-support", "en")
    assert (head.number, head.author, fix.revision) == (
        before.number + 1,
        "editor-anna",
        head.number,
    )
    assert list(head.questions) == [*before.questions, *cluster.questions]
    assert sample.snapshot().unit("accessibility-support", "en").revision == before.number
    again = add_gap_questions(
        sample,
        unit_id="accessibility-support",
        locale="en",
        questions=["Insurance for my cat"],
        author="editor-anna",
    )
    assert (again.revision, again.added) == (head.number, ())
    sample.publish(author="t")
    for question in cluster.questions:
        answer = sample.ask(question, locale="en")
        assert (answer.status, answer.unit_id) == (Status.ANSWERED, "accessibility-support")


def test_an_unknown_unit_or_locale_or_no_question_is_a_clear_error(sample: KnowledgeBase) -> None:
    with pytest.raises(UnitNotFound, match="'no-such-unit' in locale 'en'"):
        add_gap_questions(sample, unit_id="no-such-unit", locale="en", questions=["q"], author="a")
    with pytest.raises(UnitNotFound, match="'top-up' in locale 'de'"):
        add_gap_questions(sample, unit_id="top-up", locale="de", questions=["q"], author="a")
    with pytest.raises(InvalidContent) as caught:
        add_gap_questions(sample, unit_id="top-up", locale="english", questions=[" "], author="a")
    assert [p.field for p in caught.value.problems] == ["locale", "questions"]
    sample.archive_unit("top-up", "en", author="t")
    with pytest.raises(InvalidContent, match="archived"):
        add_gap_questions(sample, unit_id="top-up", locale="en", questions=["q"], author="a")
