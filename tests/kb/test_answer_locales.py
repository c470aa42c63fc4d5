"""`KnowledgeBase.ask` without a locale answers in the question's language, and says so."""

from __future__ import annotations

from kb import KnowledgeBase
from kb.answers.matcher import Status
from tests.conftest import make_unit

ROAMING_RU = make_unit(
    "roaming",
    "ru",
    title="Роуминг в Европе",
    body="Роуминг в Европе включён в каждый тариф.",
    questions=("роуминг в европе", "роуминг", "включен ли роуминг", "роуминг за границей"),
)
BALANCE_BG = make_unit(
    "balance",
    "bg",
    title="Баланс",
    body="Наберете *100#, за да чуете баланса си.",
    questions=("баланс", "колко пари имам", "проверка на баланса", "какъв е балансът ми"),
)
BALANCE_RU = make_unit(
    "balance",
    "ru",
    title="Баланс",
    body="Наберите *100#, чтобы узнать баланс.",
    questions=("баланс", "сколько денег на счету", "проверить баланс", "какой у меня баланс"),
)
BALANCE_EN = make_unit(
    "balance",
    "en",
    title="Balance",
    body="Dial *100# to hear your balance.",
    questions=("balance", "how much money is left", "check my balance", "what is my balance"),
)


def _published(kb: KnowledgeBase, *units: object) -> KnowledgeBase:
    for unit in units:
        kb.save_unit(unit, author="t")  # type: ignore[arg-type]
    kb.publish(author="t")
    return kb


def test_a_question_without_a_locale_is_answered_in_its_own_language(kb: KnowledgeBase) -> None:
    _published(kb, BALANCE_EN, BALANCE_RU)
    answer = kb.ask("какой у меня баланс")
    assert (answer.status, answer.unit_id) == (Status.ANSWERED, "balance")
    assert (answer.locale, answer.locale_source) == ("ru", "detected")
    named = kb.ask("какой у меня баланс", locale="en")
    assert (named.locale, named.locale_source) == ("en", "parameter")


def test_when_the_words_do_not_tell_the_more_confident_locale_answers(kb: KnowledgeBase) -> None:
    # "роуминг" is written the same in Russian and Bulgarian: both are asked (Bulgarian, first
    # in order, knows nothing of roaming), and Russian, which does, answers.
    _published(kb, BALANCE_EN, BALANCE_RU, BALANCE_BG, ROAMING_RU)
    answer = kb.ask("роуминг")
    assert (answer.status, answer.unit_id) == (Status.ANSWERED, "roaming")
    assert (answer.locale, answer.locale_source) == ("ru", "detected")
