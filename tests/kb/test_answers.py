"""Answers and search served from the current release, updated by publish and rollback."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from importers import read_folder
from kb import KnowledgeBase, ReleaseNotFound, UnitDocument
from kb.answers import services as answers
from kb.answers.matcher import Status
from kb.answers.services import RoutingCheckIncomplete, RoutingRegression, routing_regressions
from kb.content.markdown import body_text, parse_body
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT, make_unit, release_folders, release_name


@pytest.fixture
def sample_kb(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t", message="sample")
    return kb


def test_asking_before_any_release_is_a_clear_error(kb: KnowledgeBase) -> None:
    with pytest.raises(ReleaseNotFound):
        kb.ask("what is my balance")


def test_a_paraphrase_is_answered_with_its_unit(sample_kb: KnowledgeBase) -> None:
    answer = sample_kb.ask("show me my remaining balance", locale="en")
    assert answer.status is Status.ANSWERED
    assert answer.unit_id == "check-balance"
    assert answer.routing == "billing" and answer.release == 1
    assert 0 < answer.confidence <= 1


def test_a_loose_paraphrase_is_offered_as_a_choice_not_guessed(
    sample_kb: KnowledgeBase,
) -> None:
    answer = sample_kb.ask("is there any credit left on my phone", locale="en")
    assert answer.status is Status.CLARIFY and answer.unit_id is None
    # "credit left on my phone" is near top-up's "put credit on my phone" too: both offered.
    assert "check-balance" in [a.unit_id for a in answer.alternatives[:2]]
    assert len(answer.alternatives) >= 2


def test_a_russian_question_is_answered_in_russian(sample_kb: KnowledgeBase) -> None:
    answer = sample_kb.ask("сколько денег у меня на счету", locale="ru")
    assert (answer.status, answer.unit_id, answer.locale) == (
        Status.ANSWERED,
        "check-balance",
        "ru",
    )


def test_an_unrelated_question_gets_an_honest_no_answer(sample_kb: KnowledgeBase) -> None:
    answer = sample_kb.ask("what is the capital of peru and who painted the mona lisa")
    assert answer.status is Status.NO_ANSWER
    assert answer.unit_id is None


def test_internal_units_are_never_answered_for_customers(sample_kb: KnowledgeBase) -> None:
    for question in ("what is the goodwill credit policy", "sim swap fraud procedure"):
        answer = sample_kb.ask(question)
        assert answer.unit_id not in {"goodwill-credit-policy", "sim-swap-fraud-procedure"}
        assert all(
            a.unit_id not in {"goodwill-credit-policy", "sim-swap-fraud-procedure"}
            for a in answer.alternatives
        )


def test_internal_units_are_found_by_staff_search_only(sample_kb: KnowledgeBase) -> None:
    public, _ = sample_kb.search("goodwill credit")
    staff, _ = sample_kb.search("goodwill credit", staff=True)
    assert "goodwill-credit-policy" not in [h.unit_id for h in public.hits]
    assert staff.hits and staff.hits[0].unit_id == "goodwill-credit-policy"


def test_a_refusal_does_not_borrow_the_team_of_an_unrelated_runner_up(
    sample_kb: KnowledgeBase,
) -> None:
    answer = sample_kb.ask("what's the weather in Paris")
    assert answer.status is Status.NO_ANSWER
    assert answer.routing is None


def test_a_refusal_hands_over_to_the_configured_default_team(
    sample_kb: KnowledgeBase,
) -> None:
    kb = KnowledgeBase(replace(sample_kb.settings, default_routing="front-desk"), sample_kb.db)
    weather = kb.ask("what's the weather in Paris")
    assert (weather.status, weather.routing) == (Status.NO_ANSWER, "front-desk")
    on_the_phone = kb.ask("how do I set up an esim", channel="ivr")
    assert on_the_phone.routing == sample_kb.ask("how do I set up an esim").routing != "front-desk"


def test_the_default_team_is_read_from_kb_default_routing() -> None:
    assert Settings.from_env({"KB_DEFAULT_ROUTING": " front-desk "}).default_routing == "front-desk"
    assert Settings.from_env({}).default_routing is None


def test_a_unit_the_channel_does_not_carry_is_not_answered_there(
    sample_kb: KnowledgeBase,
) -> None:
    question = "how do I set up an esim"
    assert sample_kb.ask(question, channel="chatbot").unit_id == "esim-setup"
    on_the_phone = sample_kb.ask(question, channel="ivr")
    assert on_the_phone.status is Status.NO_ANSWER
    assert on_the_phone.routing  # the IVR can still hand over to the right team


def test_publish_updates_answers_and_search_and_rollback_restores_them(
    sample_kb: KnowledgeBase,
) -> None:
    question = "can I pay with bitcoin"
    assert sample_kb.ask(question).status is Status.NO_ANSWER
    sample_kb.save_unit(
        make_unit(
            "pay-with-crypto",
            title="Can I pay with cryptocurrency?",
            category="payments",
            body="No: we accept cards, Direct Debit and top-up vouchers only.",
            questions=(
                "can I pay with bitcoin",
                "do you accept crypto",
                "pay my bill in cryptocurrency",
                "bitcoin payment",
                "ethereum top up",
            ),
        ),
        author="ann",
    )
    assert sample_kb.ask(question).status is Status.NO_ANSWER  # drafts are not served
    sample_kb.publish(author="ann")
    answered = sample_kb.ask(question)
    assert (answered.status, answered.unit_id, answered.release) == (
        Status.ANSWERED,
        "pay-with-crypto",
        2,
    )
    hits, release = sample_kb.search("cryptocurrency")
    assert release == 2 and hits.hits[0].unit_id == "pay-with-crypto"

    sample_kb.rollback(1, author="ann")
    restored = sample_kb.ask(question)
    assert restored.status is Status.NO_ANSWER and restored.release == 3
    assert "pay-with-crypto" not in [h.unit_id for h in sample_kb.search("cryptocurrency")[0].hits]


def test_reindex_from_the_database_gives_the_same_results(
    sample_kb: KnowledgeBase, settings
) -> None:  # type: ignore[no-untyped-def]
    queries = ["balance", "roaming in spain", "lost phone", "топ ап", "баланс"]
    before = [sample_kb.search(q, locale="ru" if q[0] > "z" else "en")[0] for q in queries]
    answers_before = [sample_kb.ask(q).unit_id for q in queries]
    shutil.rmtree(settings.data_dir / "index")
    sample_kb.reindex()
    after = [sample_kb.search(q, locale="ru" if q[0] > "z" else "en")[0] for q in queries]
    assert after == before
    assert [sample_kb.ask(q).unit_id for q in queries] == answers_before
    assert (Path(settings.data_dir) / "index").is_dir()


def test_another_process_reuses_the_built_index(sample_kb: KnowledgeBase, settings) -> None:  # type: ignore[no-untyped-def]
    with KnowledgeBase.open(settings) as other:
        assert other.ask("what is my balance").unit_id == "check-balance"
        assert other.services().release == sample_kb.services().release


def test_publish_reports_example_questions_that_would_stop_routing(
    sample_kb: KnowledgeBase,
) -> None:
    # A new unit that claims the balance questions steals them from check-balance.
    sample_kb.save_unit(_stealer(), author="ann")
    plan = sample_kb.publish(author="ann", dry_run=True)
    stolen = [f for f in plan.findings if isinstance(f, RoutingRegression)]
    assert any(f.unit_id == "check-balance" and f.routes_to == "balance-v2" for f in stolen)
    assert not any(f.blocking for f in stolen)
    assert "routing-regression" in str(stolen[0])


def _stealer() -> UnitDocument:
    """A new unit that claims check-balance's example questions."""
    return make_unit(
        "balance-v2",
        title="What is my balance",
        category="billing",
        questions=(
            "what is my balance",
            "how much money is left on my account",
            "check my credit",
            "balance inquiry",
            "balance enquiry",
        ),
    )


def test_a_real_publish_reports_the_questions_it_rerouted_once_live(
    sample_kb: KnowledgeBase,
) -> None:
    sample_kb.save_unit(_stealer(), author="ann")
    plan = sample_kb.publish(author="ann")
    stolen = [f for f in plan.findings if isinstance(f, RoutingRegression)]
    assert plan.release == 2 and sample_kb.services().release == 2
    assert any(f.unit_id == "check-balance" and f.routes_to == "balance-v2" for f in stolen)
    # The report describes what is now served.
    question = next(f.question for f in stolen if f.unit_id == "check-balance")
    assert sample_kb.ask(question).unit_id != "check-balance"


def test_a_body_only_edit_has_no_routing_check_to_run(sample_kb: KnowledgeBase) -> None:
    # Same questions and titles: the matcher would be the same, so nothing can reroute,
    # even with a limit of zero questions to check.
    current = sample_kb.drafts().unit("check-balance", "en").document
    sample_kb.save_unit(replace(current, body="A new body."), author="ann")
    assert routing_regressions(sample_kb.drafts(), sample_kb.services(), limit=0) == []


def test_the_first_release_has_nothing_to_regress_from(kb: KnowledgeBase) -> None:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    assert routing_regressions(kb.drafts(), None) == []


def test_a_routing_check_cut_short_says_how_much_it_left_unchecked(
    sample_kb: KnowledgeBase,
) -> None:
    sample_kb.save_unit(_stealer(), author="ann")
    findings = routing_regressions(sample_kb.drafts(), sample_kb.services(), limit=2)
    cut = [f for f in findings if isinstance(f, RoutingCheckIncomplete)]
    assert len(cut) == 1 and cut[0].checked == 2 and cut[0].unchecked > 0
    assert not cut[0].blocking and "kb eval --self" in str(cut[0])
    full = routing_regressions(sample_kb.drafts(), sample_kb.services())
    assert not any(isinstance(f, RoutingCheckIncomplete) for f in full)
    assert any(isinstance(f, RoutingRegression) and f.routes_to == "balance-v2" for f in full)


def test_a_routing_regression_quotes_the_question_as_the_editor_wrote_it(
    sample_kb: KnowledgeBase,
) -> None:
    asked = "Where Do I See My Loyalty Points?"
    sample_kb.save_unit(
        make_unit("loyalty", title="Loyalty points", questions=(asked, "my loyalty points")),
        author="ann",
    )
    sample_kb.publish(author="ann")
    sample_kb.save_unit(
        make_unit(
            "loyalty-v2",
            title="Where do I see my loyalty points",
            questions=("where do i see my loyalty points", "loyalty points balance"),
        ),
        author="ann",
    )
    stolen = [
        f
        for f in routing_regressions(sample_kb.drafts(), sample_kb.services())
        if isinstance(f, RoutingRegression) and f.unit_id == "loyalty"
    ]
    assert [f.question for f in stolen if f.routes_to == "loyalty-v2"] == [asked]


def test_an_index_built_in_a_child_process_serves_what_one_built_here_does(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ("how do I top up", "roaming in spain", "goodwill credit", "my phone was stolen")
    monkeypatch.setattr(answers, "PARALLEL_BUILD_UNITS", 1)  # every release: a child process
    monkeypatch.setattr(answers, "CHILD_PARSE_SHARE", 0.5)  # which parses half the bodies
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    in_child = [(kb.search(q, staff=True)[0], kb.ask(q)) for q in questions]
    folder = kb.settings.data_dir / "index" / release_name(kb, 1)
    # The examples travel to the child in a file it reads and removes; nothing else is left.
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    bodies = [unit.document.body for unit in kb.snapshot().iter_units()]
    indexed = [body_text(body) for body in bodies]  # half of them parsed in the child
    parsed = [parse_body.__wrapped__(body) for body in bodies]
    assert indexed == [p.words for p in parsed]
    monkeypatch.setattr(answers, "PARALLEL_BUILD_UNITS", 10**9)
    kb.reindex()
    here = [(kb.search(q, staff=True)[0], kb.ask(q)) for q in questions]
    assert in_child == here
    assert all(results.hits for results, _ in here)


def test_index_folders_of_old_releases_are_pruned_but_the_previous_one_stays(
    sample_kb: KnowledgeBase,
) -> None:
    for n in (2, 3, 4):
        sample_kb.save_unit(make_unit(f"extra-{n}"), author="ann")
        sample_kb.publish(author="ann")
    assert release_folders(sample_kb) == [release_name(sample_kb, n) for n in (3, 4)]
    sample_kb.rollback(1, author="ann")  # a rollback rebuilds release 1's content as 5
    assert sample_kb.ask("what is my balance").unit_id == "check-balance"
    assert release_folders(sample_kb) == [release_name(sample_kb, n) for n in (4, 5)]
