"""What the report says of small sets of units: which values repeat, which differences are
contradictions and which are not, which units are one question, and which unit to keep."""

from __future__ import annotations

from kb.consistency.report import check_locale
from kb.consistency.text import unit_sentences
from kb.content.document import UnitDocument, UnitSource
from kb.content.snippets import SnippetDocument, SnippetType

SUPPORT = SnippetDocument("support_phone", "en", SnippetType.PHONE, "+44 20 7946 0123")


def unit(
    unit_id: str,
    title: str,
    body: str,
    questions: tuple[str, ...] = (),
    system: str | None = None,
) -> UnitDocument:
    source = UnitSource(system, unit_id) if system else None
    return UnitDocument(
        id=unit_id, locale="en", title=title, body=body, questions=questions, source=source
    )


def refunds(unit_id: str, body: str, system: str | None = None) -> UnitDocument:
    """A unit answering "how do I get a refund" (two silos' copies of it are duplicates)."""
    return unit(
        unit_id,
        "How do I get a refund?",
        body,
        ("can I get my money back", "refund request"),
        system,
    )


def test_snippet_values_are_resolved_and_marked_and_internal_notes_count() -> None:
    doc = unit(
        "contact",
        "Contact",
        "Call {{ support_phone }} today.\n\n::: internal\nOperators: refunds within 30 days.\n:::",
    )
    first, second = unit_sentences(doc, {"support_phone": SUPPORT})
    assert first.text == "Call +44 20 7946 0123 today."
    assert first.snippet_spans == ((5, 21),)
    assert second.text == "Operators: refunds within 30 days."


def test_a_value_typed_into_three_units_is_repeated_and_one_from_a_snippet_is_not() -> None:
    typed = [
        unit(f"typed-{n}", f"Topic {n} {word}", f"For {word}, call +44 20 7946 0123.")
        for n, word in enumerate(("billing", "roaming", "upgrades"))
    ]
    snippets = [
        unit(f"snip-{n}", f"Other {n} {word}", f"About {word}: call {{{{ support_phone }}}}.")
        for n, word in enumerate(("porting", "coverage", "contracts"))
    ]
    report = check_locale([*typed, *snippets], {"support_phone": SUPPORT}, "en")

    (repeated,) = report.repeated
    assert (repeated.kind, repeated.normalized) == ("phone", "+442079460123")
    assert repeated.units == ("typed-0", "typed-1", "typed-2")
    assert (repeated.snippet, repeated.snippet_exists) == ("support_phone", True)


def test_two_units_typing_a_value_is_no_repeat_and_a_new_snippet_is_named_from_its_words() -> None:
    docs = [
        unit(f"u{n}", f"Topic {word}", f"Billing questions: call +44 20 7946 0999 ({word}).")
        for n, word in enumerate(("invoices", "payments", "refunds"))
    ]
    (repeated,) = check_locale(docs, {}, "en").repeated
    assert (repeated.snippet, repeated.snippet_exists) == ("billing_phone", False)
    assert check_locale(docs[:2], {}, "en").repeated == []


def test_two_departments_numbers_are_no_contradiction_but_a_changed_one_is() -> None:
    both = refunds(
        "hc-refunds",
        "Refunds are possible within 14 days. Call support on +44 20 7946 0123.\n\n"
        "Sales: +44 20 7946 0456.",
        "zendesk",
    )
    support_only = refunds(
        "bot-refunds", "Refunds are possible within 14 days. Call support on 020 7946 0123.", "rasa"
    )
    assert check_locale([both, support_only], {}, "en", region="GB").contradictions == []

    changed = refunds(
        "bot-refunds", "Refunds are possible within 14 days. Call support on 020 7946 0999.", "rasa"
    )
    (found,) = check_locale([both, changed], {}, "en", region="GB").contradictions
    assert (found.kind, found.first.normalized, found.second.normalized) == (
        "phone",
        "+442079460123",
        "+442079460999",
    )
    assert (found.first.source, found.second.source) == ("zendesk", "rasa")


def test_an_operators_note_contradicting_the_public_answer_is_found() -> None:
    public = refunds(
        "hc-refunds", "You can ask for a refund within 14 days of purchase.", "zendesk"
    )
    wiki = refunds(
        "wiki-refunds",
        "Customers ask for refunds in their account.\n\n"
        "::: internal\nWe accept refunds within 30 days of purchase.\n:::",
        "html",
    )
    (found,) = check_locale([public, wiki], {}, "en").contradictions
    assert (found.first.value, found.second.value) == ("14 days", "30 days")
    assert found.second.sentence == "We accept refunds within 30 days of purchase."


def test_a_reply_time_is_not_compared_with_a_refund_period_nor_a_date_without_a_year() -> None:
    hc = refunds(
        "hc-refunds",
        "Refunds are possible within 14 days. Prices changed on 1 March 2024.",
        "zendesk",
    )
    bot = refunds(
        "bot-refunds",
        "We answer refund requests within 24 hours. Prices changed on 1 March.",
        "rasa",
    )
    assert check_locale([hc, bot], {}, "en").contradictions == []


def test_look_alike_questions_are_not_duplicates() -> None:
    docs = [
        unit(
            "cancel-contract",
            "How do I cancel my contract?",
            "Give 30 days notice in your account.",
        ),
        unit(
            "cancel-order",
            "How do I cancel an order?",
            "Open the order and choose Cancel before it ships.",
        ),
        unit("roaming-eu", "Roaming in the EU", "Use your allowance in the EU at no extra cost."),
        unit("roaming-world", "Roaming outside the EU", "Outside the EU roaming costs £5 a day."),
    ]
    report = check_locale(docs, {}, "en")
    assert report.duplicates == [] and report.contradictions == []


def test_the_unit_written_here_is_kept_over_imported_copies() -> None:
    body = "Refunds are possible within 14 days of purchase: open the order and choose Refund."
    docs = [
        refunds("bot-refunds", body, "rasa"),
        refunds("refunds", body),
        refunds("hc-refunds", body, "zendesk"),
    ]
    (group,) = check_locale(docs, {}, "en").duplicates
    assert group.units == ("bot-refunds", "refunds", "hc-refunds")
    assert group.keep == "refunds"
    assert 0.9 <= group.score <= 1.0


def test_prices_differ_only_in_one_currency() -> None:
    hc = refunds("hc-refunds", "A refund costs a fee of £5 per order.", "zendesk")
    euro = refunds("bot-refunds", "A refund costs a fee of €6 per order.", "rasa")
    pound = refunds("wiki-refunds", "A refund costs a fee of £7 per order.", "html")
    found = check_locale([hc, euro, pound], {}, "en").contradictions
    assert [(c.first.normalized, c.second.normalized) for c in found] == [("GBP 5.00", "GBP 7.00")]


def test_only_units_whose_answers_come_close_are_judged_as_a_pair() -> None:
    from kb.consistency.duplicates import pair_scores

    documents = [
        refunds("refunds", "Ask for a refund within 14 days in your account."),
        refunds("refunds-bot", "Our shop opens at nine and the café on the corner sells tea."),
        unit("money-back", "Money back", "Ask for a refund within 30 days in your account."),
    ]
    judged = [(p.first, p.second) for p in pair_scores(documents, "en")]
    assert judged == [(0, 2)]  # alike questions with unlike answers are never duplicates


def test_how_alike_two_sentences_are_does_not_depend_on_set_order() -> None:
    import math

    from kb.consistency.contradictions import _overlap

    small = [f"rare{i}" for i in range(30)]
    weights = {"common": 1.0, **dict.fromkeys(small, 1e-16)}
    shared = frozenset(["common", *small])
    first, second = shared | {"only-first"}, shared | {"only-second"}
    weights.update({"only-first": 1.0, "only-second": 1.0})

    def weight(term: str) -> float:
        return weights[term]

    lighter = math.fsum(weights[t] for t in first)
    # Summed naively, the result depends on where "common" falls in the set's order, which
    # changes from one process to the next; the report must not.
    assert _overlap(first, second, weight) == math.fsum(weights[t] for t in shared) / lighter
