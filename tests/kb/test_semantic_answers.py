"""Answers and search that understand meaning: the default encoder against the words alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from importers import read_folder
from kb import KnowledgeBase
from kb.answers import services
from kb.answers.decision import Status
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT

#: Customers' wordings that share few words with the units' examples (written for this test,
#: not taken from the content or from benchmarks/data): the words alone miss several of them.
PARAPHRASES = [
    ("en", "how much money do I have left", "check-balance"),
    ("en", "my mobile got nicked on the bus", "lost-or-stolen-phone"),
    ("en", "will my mobile work on holiday in italy", "roaming-europe"),
    ("en", "someone pinched my handset", "lost-or-stolen-phone"),
    ("en", "my handset is locked to you, can it work with other carriers", "unlock-phone"),
    ("en", "the bars at the top of my screen have vanished", "no-signal"),
    ("en", "is anything broken in my area right now", "network-status"),
    ("en", "I'd like to end my agreement with you", "cancel-contract"),
    ("ru", "у меня украли телефон в метро", "lost-or-stolen-phone"),
    ("ru", "счёт стал намного больше обычного", "unexpected-charges"),
    ("ru", "хочу перейти к вам со своим старым номером", "keep-your-number"),
]


def _open(settings: Settings, encoder: str) -> KnowledgeBase:
    folder = settings.data_dir / encoder
    kb = KnowledgeBase.open(replace(settings, encoder=encoder, data_dir=folder))
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t", message="sample")
    return kb


@pytest.fixture
def semantic_kb(settings: Settings) -> Iterator[KnowledgeBase]:
    with _open(settings, "use-multilingual") as kb:
        yield kb


@pytest.fixture
def lexical_kb(settings: Settings) -> Iterator[KnowledgeBase]:
    with _open(settings, "none") as kb:
        yield kb


def _ranked_first(kb: KnowledgeBase) -> list[bool]:
    matchers = kb.services().matchers
    out = []
    for locale, question, unit in PARAPHRASES:
        ranked = matchers[locale].rank(question, limit=1)
        out.append(bool(ranked) and ranked[0].unit_id == unit)
    return out


def _served(kb: KnowledgeBase) -> list[bool]:
    out = []
    for locale, question, unit in PARAPHRASES:
        answer = kb.ask(question, locale=locale)
        offered = [answer.unit_id, *(a.unit_id for a in answer.alternatives)]
        out.append(answer.status is not Status.NO_ANSWER and unit in offered)
    return out


def test_paraphrases_rank_their_unit_first_with_the_encoder(
    semantic_kb: KnowledgeBase, lexical_kb: KnowledgeBase
) -> None:
    with_meaning, words_alone = _ranked_first(semantic_kb), _ranked_first(lexical_kb)
    assert all(with_meaning), list(zip(PARAPHRASES, with_meaning, strict=True))
    assert sum(words_alone) < len(PARAPHRASES)


def test_more_paraphrases_are_answered_with_the_encoder_than_without(
    semantic_kb: KnowledgeBase, lexical_kb: KnowledgeBase
) -> None:
    with_meaning, words_alone = _served(semantic_kb), _served(lexical_kb)
    assert sum(with_meaning) >= len(PARAPHRASES) - 2, list(
        zip(PARAPHRASES, with_meaning, strict=True)
    )
    assert sum(with_meaning) > sum(words_alone) + 2


def test_an_unrelated_question_is_still_refused_with_the_encoder(
    semantic_kb: KnowledgeBase,
) -> None:
    for question in ("what's the weather in Paris", "who won the football last night"):
        assert semantic_kb.ask(question, locale="en").status is Status.NO_ANSWER, question


def test_without_an_encoder_the_words_alone_answer_and_search(lexical_kb: KnowledgeBase) -> None:
    services = lexical_kb.services()
    assert services.meaning is None
    assert all(m._semantic is None for m in services.matchers.values())
    answer = lexical_kb.ask("how do I check my balance", locale="en")
    assert (answer.status, answer.unit_id) == (Status.ANSWERED, "check-balance")
    assert not list(lexical_kb.settings.index_dir.glob("embeddings-*.npz"))


def test_a_one_word_prefix_as_you_type_stays_lexical(semantic_kb: KnowledgeBase) -> None:
    typed, _ = semantic_kb.search("rtyu", locale="en", prefix=True)
    assert typed.hits == ()  # a vector of half a word would have "found" something


def test_internal_units_are_never_answered_nor_found_by_meaning_for_customers(
    semantic_kb: KnowledgeBase,
) -> None:
    question = "someone took over my number and moved it to a new sim"
    answer = semantic_kb.ask(question, locale="en")
    offered = {answer.unit_id, *(a.unit_id for a in answer.alternatives)}
    assert "sim-swap-fraud-procedure" not in offered
    public, _ = semantic_kb.search(question, locale="en", prefix=False)
    assert "sim-swap-fraud-procedure" not in [h.unit_id for h in public.hits]
    staff, _ = semantic_kb.search(question, locale="en", prefix=False, staff=True)
    assert "sim-swap-fraud-procedure" in [h.unit_id for h in staff.hits]


def _texts_encoded_for_one_more_question(kb: KnowledgeBase) -> int:
    """How many texts the embedding cache gains when check-balance gets one more question."""
    (cache,) = kb.settings.index_dir.glob("embeddings-*.npz")
    before = len(np.load(cache)["keys"])
    unit = kb.parse_unit(kb.draft_unit("check-balance", "en").source)
    changed = replace(unit, questions=(*unit.questions, "is my wallet on the phone empty"))
    kb.save_unit(changed, author="t")
    kb.publish(author="t", message="one more question")
    return len(np.load(cache)["keys"]) - before


def test_a_publish_encodes_only_the_texts_that_changed(semantic_kb: KnowledgeBase) -> None:
    # The new question, and the unit's own text for search: nothing unchanged again.
    assert _texts_encoded_for_one_more_question(semantic_kb) == 2


def test_a_publish_trained_in_a_child_process_encodes_only_the_texts_that_changed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From PARALLEL_BUILD_UNITS units the matchers train in a child process that writes the
    # same cache file as the publishing process: neither may drop the other's vectors.
    monkeypatch.setattr(services, "PARALLEL_BUILD_UNITS", 1)
    with _open(settings, "use-multilingual") as kb:
        assert _texts_encoded_for_one_more_question(kb) == 2
