"""One company's three silos, brought in side by side: a help center (Zendesk), a bot's replies
(Rasa) and the operators' wiki (an HTML FAQ page). They contradict each other on the support
phone number and the refund period, agree on the opening hours, and hold look-alike answers
(how long a delivery or a refund takes, cancelling a contract or an order, roaming inside or
outside the EU, the sales line). `kb consistency --json` must find exactly the two
contradictions (both values, both sources, both sentences), the three pairs that answer the
same question (the two that contradict and the one that agrees), and nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Run


def _unit(unit_id: str, system: str, title: str, questions: list[str], body: str) -> str:
    """A unit file in the content format, with the silo it came from."""
    asked = "".join(f"  - {q}\n" for q in questions)
    return (
        f"---\nid: {unit_id}\nlocale: en\ntitle: {title}\n"
        + (f"questions:\n{asked}" if questions else "")
        + f'source:\n  system: {system}\n  id: "{unit_id}"\n---\n{body}\n'
    )


#: file name -> (silo, title, example questions, body)
SILOS = {
    # The help center.
    "hc-refunds": (
        "zendesk",
        "How do I get a refund?",
        ["can I get my money back"],
        "You can ask for a refund within 14 days of purchase. Open the order in your account "
        "and choose Refund.",
    ),
    "hc-contact": (
        "zendesk",
        "How do I contact customer support?",
        ["what is the support phone number"],
        "Call our support team on +44 20 7946 0123, Monday to Friday 9:00-18:00.\n\n"
        "Sales questions: +44 20 7946 0456.",
    ),
    "hc-delivery": (
        "zendesk",
        "How long does delivery take?",
        [],
        "Delivery takes 3-5 business days after your order is confirmed.",
    ),
    "hc-cancel-contract": (
        "zendesk",
        "How do I cancel my contract?",
        [],
        "You can cancel your contract with 30 days notice from your account page.",
    ),
    "hc-roaming-eu": (
        "zendesk",
        "Roaming in the EU",
        [],
        "Use your minutes, texts and data in the EU at no extra cost.",
    ),
    # The bot's replies.
    "bot-refund": (
        "rasa",
        "Refund",
        ["I want my money back", "how do I get a refund", "refund request"],
        "Refunds are possible within 30 days of purchase: open the order in your account and "
        "choose Refund.",
    ),
    "bot-refund-status": (
        "rasa",
        "Refund status",
        ["how long does a refund take", "where is my refund"],
        "Once a refund is approved, the money is back on your card in 5-10 business days.",
    ),
    "bot-cancel-order": (
        "rasa",
        "Cancel an order",
        ["how do I cancel an order", "cancel my order"],
        "An order can be cancelled until it ships: open it in your account and choose Cancel.",
    ),
    "bot-opening-hours": (
        "rasa",
        "Opening hours",
        ["when are you open", "what are your opening hours"],
        "Our team is available Monday to Friday from 9am to 6pm.",
    ),
    # The operators' wiki.
    "wiki-contact": (
        "html",
        "Customer support phone number",
        ["how do customers contact support"],
        "Customers can call support on 020 7946 0999 from Monday to Friday.\n\n"
        "::: internal\nCheck the caller's identity before discussing an account.\n:::",
    ),
    "wiki-opening-hours": (
        "html",
        "What are the opening hours?",
        ["when is the team available"],
        "The team is available Monday to Friday, 09:00-18:00.",
    ),
    "wiki-roaming-outside-eu": (
        "html",
        "Roaming outside the EU",
        [],
        "Outside the EU, roaming costs £5 a day for your usual allowance.",
    ),
    "wiki-sales": (
        "html",
        "How do customers reach sales?",
        [],
        "Sales take calls on +44 20 7946 0456.",
    ),
}


def _import_silos(run: Run, write_tree: Callable[[dict[str, str]], Path]) -> None:
    files = {f"en/{name}.md": _unit(name, *spec) for name, spec in SILOS.items()}
    result = run("import", str(write_tree(files)))
    assert result.exit_code == 0, result.output


def _contradiction(found: dict) -> tuple:
    """A contradiction's kind and its two mentions (unit, source, value, normalized), the
    help center's first."""
    sides = sorted(
        (found[side] for side in ("first", "second")), key=lambda m: m["source"] != "zendesk"
    )
    return (
        found["kind"],
        *((m["unit_id"], m["source"], m["value"], m["normalized"]) for m in sides),
    )


def test_consistency_finds_the_two_contradictions_and_the_agreeing_duplicate_only(
    run: Run, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    _import_silos(run, write_tree)

    result = run("consistency", "--drafts", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(_contradiction(c) for c in report["contradictions"]) == [
        (
            "duration",
            ("hc-refunds", "zendesk", "14 days", "P14D"),
            ("bot-refund", "rasa", "30 days", "P30D"),
        ),
        (
            "phone",
            ("hc-contact", "zendesk", "+44 20 7946 0123", "+442079460123"),
            ("wiki-contact", "html", "020 7946 0999", "+442079460999"),
        ),
    ]
    sentences = {
        (c["kind"], m["unit_id"]): m["sentence"]
        for c in report["contradictions"]
        for m in (c["first"], c["second"])
    }
    assert sentences == {
        ("duration", "hc-refunds"): "You can ask for a refund within 14 days of purchase.",
        ("duration", "bot-refund"): "Refunds are possible within 30 days of purchase: open the "
        "order in your account and choose Refund.",
        ("phone", "hc-contact"): "Call our support team on +44 20 7946 0123, Monday to Friday "
        "9:00-18:00.",
        ("phone", "wiki-contact"): "Customers can call support on 020 7946 0999 from Monday to "
        "Friday.",
    }
    assert sorted(tuple(d["units"]) for d in report["duplicates"]) == [
        ("bot-opening-hours", "wiki-opening-hours"),
        ("bot-refund", "hc-refunds"),
        ("hc-contact", "wiki-contact"),
    ]
    assert report["repeated_values"] == []


def test_publish_warns_of_the_contradictions_without_refusing(
    run: Run, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    _import_silos(run, write_tree)

    result = run("publish", "-m", "three silos")

    assert result.exit_code == 0, result.output
    assert "Published release 1" in result.stdout
    assert (
        "consistency: 2 contradictions, 3 duplicates; see kb consistency --drafts" in result.stderr
    )
