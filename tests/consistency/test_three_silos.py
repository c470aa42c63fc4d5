"""One company's three silos, imported side by side in their own formats: a help center (a
Zendesk articles export), a bot (a Rasa project) and the operators' wiki (an HTML FAQ page).
They contradict each other on the support phone number and the refund period, agree on the
opening hours, and hold look-alike answers (how long a delivery or a refund takes, cancelling a
contract or an order, roaming inside or outside the EU, the sales line next to the support line).
`kb consistency --json` must find exactly the two contradictions (both values, both sources,
both sentences), the three pairs that answer the same question (the two that contradict and the
one that agrees), and nothing else; `kb publish` says so in one line and publishes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Run


def _article(number: int, title: str, body: str) -> dict[str, object]:
    """A Help Center article as the Zendesk articles API returns it."""
    return {
        "id": number,
        "html_url": f"https://help.northwind.example/hc/en-us/articles/{number}",
        "title": title,
        "body": body,
        "locale": "en-us",
        "source_locale": "en-us",
        "draft": False,
        "promoted": False,
        "label_names": [],
        "section_id": 1,
        "updated_at": "2026-11-02T10:00:00Z",
    }


HELP_CENTER = {
    "articles.json": json.dumps(
        {
            "articles": [
                _article(
                    1001,
                    "How do I get a refund?",
                    "<p>You can ask for a refund within 14 days of purchase. Open the order in "
                    "your account and choose <strong>Refund</strong>.</p>",
                ),
                _article(
                    1002,
                    "How do I contact customer support?",
                    "<p>Call our support team on +44 20 7946 0123, Monday to Friday "
                    "9:00-18:00.</p><p>Sales questions: +44 20 7946 0456.</p>",
                ),
                _article(
                    1003,
                    "How long does delivery take?",
                    "<p>Delivery takes 3-5 business days after your order is confirmed.</p>",
                ),
                _article(
                    1004,
                    "How do I cancel my contract?",
                    "<p>You can cancel your contract with 30 days notice from your account "
                    "page.</p>",
                ),
                _article(
                    1005,
                    "Roaming in the EU",
                    "<p>Use your minutes, texts and data in the EU at no extra cost.</p>",
                ),
            ]
        }
    ),
    "sections.json": json.dumps(
        {"sections": [{"id": 1, "name": "Help", "locale": "en-us", "category_id": 1}]}
    ),
}

BOT = {
    "config.yml": "language: en\npipeline: []\n",
    "domain.yml": """version: "3.1"
intents:
  - refund
  - refund_status
  - cancel_order
  - opening_hours
responses:
  utter_refund:
  - text: >-
      Refunds are possible within 30 days of purchase: open the order in your account and
      choose Refund.
  utter_refund_status:
  - text: "Once a refund is approved, the money is back on your card in 5-10 business days."
  utter_cancel_order:
  - text: "An order can be cancelled until it ships: open it in your account and choose Cancel."
  utter_opening_hours:
  - text: "Our team is available Monday to Friday from 9am to 6pm."
""",
    "data/nlu.yml": """version: "3.1"
nlu:
- intent: refund
  examples: |
    - how do I get a refund?
    - I want my money back
    - refund request
- intent: refund_status
  examples: |
    - how long does a refund take?
    - where is my refund
- intent: cancel_order
  examples: |
    - how do I cancel an order?
    - cancel my order
- intent: opening_hours
  examples: |
    - what are your opening hours?
    - when are you open
""",
}

WIKI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Operators' FAQ</title></head>
<body><h1>Operators' FAQ</h1>
<h2>Contact</h2>
<details id="support-phone"><summary>How do customers contact support?</summary>
<p>Customers can call our support team on 020 7946 0999, Monday to Friday.</p>
<p>Check the caller's identity before discussing an account.</p></details>
<details id="sales"><summary>How do customers reach sales?</summary>
<p>Sales take calls on +44 20 7946 0456.</p></details>
<h2>Service</h2>
<details id="hours"><summary>What are the opening hours?</summary>
<p>The team is available Monday to Friday, 09:00-18:00.</p></details>
<details id="roaming"><summary>How much does roaming outside the EU cost?</summary>
<p>Outside the EU, roaming costs £5 a day for your usual allowance.</p></details>
</body></html>
"""


def _import_silos(run: Run, write_tree: Callable[[dict[str, str]], Path]) -> None:
    wiki = write_tree({"faq.html": WIKI}) / "faq.html"
    for path, silo in (
        (write_tree(HELP_CENTER), "zendesk"),
        (write_tree(BOT), "rasa"),
        (wiki, "html"),
    ):
        result = run("import", str(path), "--from", silo)
        assert result.exit_code == 0, result.output


def _contradiction(found: dict) -> tuple:
    """A contradiction's kind and its two mentions (unit, source, value, normalized, sentence),
    the help center's first."""
    sides = sorted(
        (found[side] for side in ("first", "second")), key=lambda m: m["source"] != "zendesk"
    )
    return (
        found["kind"],
        *((m["unit_id"], m["source"], m["value"], m["normalized"], m["sentence"]) for m in sides),
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
            (
                "how-do-i-get-a-refund",
                "zendesk",
                "14 days",
                "P14D",
                "You can ask for a refund within 14 days of purchase.",
            ),
            (
                "refund",
                "rasa",
                "30 days",
                "P30D",
                "Refunds are possible within 30 days of purchase: open the order in your account "
                "and choose Refund.",
            ),
        ),
        (
            "phone",
            (
                "how-do-i-contact-customer-support",
                "zendesk",
                "+44 20 7946 0123",
                "+442079460123",
                "Call our support team on +44 20 7946 0123, Monday to Friday 9:00-18:00.",
            ),
            (
                "how-do-customers-contact-support",
                "html",
                "020 7946 0999",
                "+442079460999",
                "Customers can call our support team on 020 7946 0999, Monday to Friday.",
            ),
        ),
    ]
    assert sorted(tuple(sorted(d["units"])) for d in report["duplicates"]) == [
        ("how-do-customers-contact-support", "how-do-i-contact-customer-support"),
        ("how-do-i-get-a-refund", "refund"),
        ("opening-hours", "what-are-the-opening-hours"),
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
    clean = run("consistency", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["release"] == 1


def test_the_text_report_names_both_values_and_sources_and_a_bad_locale_is_refused(
    run: Run, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    _import_silos(run, write_tree)

    text = run("consistency", "--drafts")
    refused = run("consistency", "--drafts", "--locale", "fr")

    assert text.exit_code == 0, text.output
    assert "  phone (en): +442079460999 vs +442079460123" in text.stdout
    assert (
        "    how-do-customers-contact-support (html): '020 7946 0999' in \"Customers can call our "
        'support team on 020 7946 0999, Monday to Friday."' in text.stdout
    )
    assert text.stdout.endswith(
        "13 units of the drafts checked: 2 contradictions, 3 duplicates, 0 repeated values\n"
    )
    assert refused.exit_code == 2 and "unknown locale 'fr'; known: en" in refused.stderr


def test_fixing_the_wiki_and_importing_it_again_leaves_only_the_refund_period(
    run: Run, write_tree: Callable[[dict[str, str]], Path]
) -> None:
    _import_silos(run, write_tree)
    fixed = write_tree({"faq.html": WIKI.replace("020 7946 0999", "020 7946 0123")})
    assert run("import", str(fixed / "faq.html"), "--from", "html").exit_code == 0

    report = json.loads(run("consistency", "--drafts", "--json").stdout)

    assert [c["kind"] for c in report["contradictions"]] == ["duration"]
    assert len(report["duplicates"]) == 3
