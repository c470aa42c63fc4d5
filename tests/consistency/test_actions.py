"""Merging duplicates and extracting a snippet: one transaction each, nothing saved when any
unit changed since the report, and a snippet that leaves every channel's output as it was."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kb import KnowledgeBase
from kb.consistency.actions import extract_snippet, merge_units
from kb.content.snippets import SnippetDocument, SnippetType
from kb.errors import InvalidContent, UnitNotFound, VersionConflict
from renderers import registry
from renderers.checks import publish_gate
from renderers.preview import preview_unit
from tests.conftest import make_unit

PHONE = "+44 20 7946 0123"
_OPERATOR_HEADER = re.compile(r'<header class="kb-operator-header">.*?</header>', re.S)


def _save(kb: KnowledgeBase, unit_id: str, body: str, **fields: Any) -> int:
    """Save a unit draft; its revision."""
    return kb.save_unit(make_unit(unit_id, body=body, **fields), author="t").revision


def _revisions(kb: KnowledgeBase) -> dict[tuple[str, str], tuple[int, bool]]:
    """Every unit's newest revision number and whether it is archived."""
    return {
        (row.unit_id, row.locale): (row.number, row.archived)
        for row in (kb.draft_unit(u.document.id, "en") for u in kb.drafts().iter_units())
    }


def _renderings(kb: KnowledgeBase) -> dict[tuple[str, str], str]:
    """What every channel shows for every draft unit (body and extras, as JSON text), but the
    operator header's revision and time, which a new revision changes by design."""
    drafts = kb.drafts()
    shown: dict[tuple[str, str], str] = {}
    for unit in drafts.iter_units():
        for rendering in preview_unit(drafts, unit.document).renderings:
            data = {k: v for k, v in rendering.to_json().items() if k != "revision"}
            data["body"] = _OPERATOR_HEADER.sub("", data["body"])
            shown[(unit.document.id, rendering.channel)] = repr(data)
    return shown


@pytest.fixture
def duplicates(kb: KnowledgeBase) -> KnowledgeBase:
    """Three units answering how refunds work, and one linking to a duplicate."""
    _save(kb, "refunds", "Refunds take 14 days.", title="How do refunds work?",
          questions=("how do refunds work", "refund time"))  # fmt: skip
    _save(kb, "refund-policy", "We refund within 14 days.", title="Refund policy",
          questions=("Refund time?", "when do I get my money back"))  # fmt: skip
    _save(kb, "money-back", "Money back in 14 days.", title="Money back",
          questions=("when do I get my money back", "can I get a refund"))  # fmt: skip
    _save(kb, "orders", "See [the refund policy](unit:refund-policy) first.", title="Orders")
    return kb


def test_merge_folds_titles_and_questions_archives_the_others_and_relinks(
    duplicates: KnowledgeBase,
) -> None:
    kb = duplicates
    result = merge_units(
        kb, locale="en", keep="refunds", others=["refund-policy", "money-back"], author="maria"
    )

    kept = kb.draft_unit("refunds", "en")
    assert list(kept.questions) == [
        "how do refunds work",
        "refund time",
        "Refund policy",
        "when do I get my money back",
        "Money back",
        "can I get a refund",
    ]
    assert result.added_questions == tuple(kept.questions[2:])
    assert kb.draft_unit("refund-policy", "en").archived
    assert kb.draft_unit("money-back", "en").archived
    assert sorted(u.document.id for u in kb.drafts().iter_units()) == ["orders", "refunds"]
    assert [(unit_id, saved.revision) for unit_id, saved in result.relinked] == [("orders", 2)]
    assert "(unit:refunds)" in kb.draft_unit("orders", "en").body
    assert {r.author for r in kb.history("money-back", "en")[-1:]} == {"maria"}


def test_a_stale_revision_refuses_the_whole_merge_naming_the_unit(
    duplicates: KnowledgeBase,
) -> None:
    kb = duplicates
    seen = {unit: 1 for unit in ("refunds", "refund-policy", "money-back")}
    _save(kb, "money-back", "Money back in 30 days.", title="Money back")  # saved since: rev 2
    before = _revisions(kb)

    with pytest.raises(VersionConflict, match=r"unit 'money-back' \(en\) is at revision 2, not 1"):
        merge_units(
            kb,
            locale="en",
            keep="refunds",
            others=["refund-policy", "money-back"],
            author="maria",
            revisions=seen,
        )
    assert _revisions(kb) == before
    assert "(unit:refund-policy)" in kb.draft_unit("orders", "en").body


def test_merge_with_an_archived_unit_or_itself_changes_nothing(
    duplicates: KnowledgeBase,
) -> None:
    kb = duplicates
    kb.archive_unit("money-back", "en", author="t")
    before = _revisions(kb)
    with pytest.raises(InvalidContent) as raised:
        merge_units(
            kb, locale="en", keep="refunds", others=["money-back", "refunds"], author="maria"
        )
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("others[0]", "unit 'money-back' (en) is archived"),
        ("others[1]", "unit 'refunds' is named twice"),
    ]
    assert _revisions(kb) == before


def test_merge_naming_units_that_never_existed_is_not_found_naming_them(
    duplicates: KnowledgeBase,
) -> None:
    before = _revisions(duplicates)
    with pytest.raises(UnitNotFound, match="no unit 'no-such', 'gone' in locale 'en'"):
        merge_units(
            duplicates,
            locale="en",
            keep="no-such",
            others=["refunds", "gone"],
            author="maria",
        )
    assert _revisions(duplicates) == before


def test_extract_snippet_replaces_the_value_and_every_channel_reads_the_same(
    kb: KnowledgeBase,
) -> None:
    _save(kb, "contact", f"Call us on {PHONE}.\n\n::: internal\nTransfers: {PHONE}\n:::")
    _save(kb, "lost-card", f"Block your card: **{PHONE}**, day and night.")
    _save(kb, "complaints", f"- Write to us\n- Or call {PHONE}")
    _save(kb, "roaming", f"Abroad, dial {PHONE}! It is free.", channels=("web", "ivr"))
    before = _renderings(kb)

    result = extract_snippet(
        kb,
        locale="en",
        name="support_phone",
        value=PHONE,
        units=["contact", "lost-card", "complaints", "roaming"],
        author="maria",
    )

    assert [(unit_id, count) for unit_id, _, count in result.units] == [
        ("contact", 2),
        ("lost-card", 1),
        ("complaints", 1),
        ("roaming", 1),
    ]
    drafts = kb.drafts()
    assert drafts.snippets[("support_phone", "en")] == SnippetDocument(
        "support_phone", "en", SnippetType.MARKDOWN, PHONE
    )
    for unit in drafts.iter_units():
        assert PHONE not in unit.document.body
        assert "support_phone" in unit.document.snippet_names
    assert _renderings(kb) == before
    assert len(before) == 3 * len(registry.names()) + 2  # every channel of three, two of one


def test_extract_snippet_refuses_a_unit_without_the_value_or_with_it_in_code(
    kb: KnowledgeBase,
) -> None:
    _save(kb, "contact", f"Call us on {PHONE}.")
    _save(kb, "longer", f"Call {PHONE}4 instead.")  # another, longer number
    _save(kb, "coded", f"Type `{PHONE}` into the app.")
    before = _renderings(kb), _revisions(kb)

    with pytest.raises(InvalidContent) as raised:
        extract_snippet(
            kb,
            locale="en",
            name="support_phone",
            value=PHONE,
            units=["contact", "longer", "coded"],
            author="maria",
        )
    problems = [(p.field, p.message) for p in raised.value.problems]
    assert problems[0] == (
        "units[1]",
        f"unit 'longer' (en) has '{PHONE}' only inside a longer value or address",
    )
    assert problems[1][0] == "units[2]"
    assert "unit 'coded' (en) uses" in problems[1][1]
    assert (_renderings(kb), _revisions(kb)) == before
    assert kb.drafts().snippets == {}


def test_extract_snippet_with_a_stale_revision_saves_nothing(kb: KnowledgeBase) -> None:
    _save(kb, "contact", f"Call us on {PHONE}.")
    _save(kb, "lost-card", f"Block your card: {PHONE}.")
    _save(kb, "lost-card", f"Block your card at once: {PHONE}.")
    with pytest.raises(VersionConflict, match=r"unit 'lost-card' \(en\) is at revision 2, not 1"):
        extract_snippet(
            kb,
            locale="en",
            name="support_phone",
            value=PHONE,
            units=["contact", "lost-card"],
            author="maria",
            revisions={"contact": 1, "lost-card": 1},
        )
    assert kb.drafts().snippets == {}
    assert kb.draft_unit("contact", "en").number == 1


def test_extract_snippet_keeps_a_link_to_a_url_working(kb: KnowledgeBase) -> None:
    url = "https://example.com/help/refunds"
    _save(kb, "refunds", f"Read [the policy]({url}) or open {url} directly.")
    before = _renderings(kb)
    extract_snippet(
        kb, locale="en", name="refund_url", value=url, units=["refunds"], author="maria"
    )
    body = kb.draft_unit("refunds", "en").body
    assert body == "Read [the policy]({{ refund_url }}) or open {{ refund_url }} directly."
    assert _renderings(kb) == before


def test_a_snippet_name_holding_another_value_is_a_conflict(kb: KnowledgeBase) -> None:
    _save(kb, "contact", f"Call us on {PHONE}.")
    kb.save_snippet(
        SnippetDocument("support_phone", "en", SnippetType.PHONE, "+44 20 7946 0999"), author="t"
    )
    with pytest.raises(VersionConflict, match="exists already"):
        extract_snippet(
            kb, locale="en", name="support_phone", value=PHONE, units=["contact"], author="m"
        )
    assert kb.draft_unit("contact", "en").number == 1


def test_the_authors_source_keeps_its_comments_where_only_the_body_changes(
    kb: KnowledgeBase,
) -> None:
    def written(unit_id: str, body: str) -> str:
        return (
            f"---\n# Checked with the call centre in May\nid: {unit_id}\nlocale: en\n"
            f"title: About {unit_id}\n---\n{body}\n"
        )

    orders, lost = written("orders", "See [us](unit:old-contact)."), written("lost", PHONE)
    kb.save_unit(orders, author="t")
    kb.save_unit(lost, author="t")
    _save(kb, "contact", "Call us.")
    _save(kb, "old-contact", "Old page.")

    merge_units(kb, locale="en", keep="contact", others=["old-contact"], author="m")
    extract_snippet(kb, locale="en", name="support_phone", value=PHONE, units=["lost"], author="m")

    assert kb.draft_unit("orders", "en").source == orders.replace("old-contact", "contact")
    assert kb.draft_unit("lost", "en").source == lost.replace(PHONE, "{{ support_phone }}")


def test_a_snippet_already_holding_the_value_is_used_as_it_is(kb: KnowledgeBase) -> None:
    _save(kb, "contact", f"Call us on {PHONE}.")
    phone = SnippetDocument("support_phone", "en", SnippetType.PHONE, PHONE)
    kb.save_snippet(phone, author="t")

    result = extract_snippet(
        kb, locale="en", name="support_phone", value=PHONE, units=["contact"], author="m"
    )

    assert (result.type, result.snippet.outcome.value, result.snippet.revision) == (
        SnippetType.PHONE,
        "unchanged",
        1,
    )
    assert kb.drafts().snippets[("support_phone", "en")] == phone
    assert kb.draft_unit("contact", "en").body == "Call us on {{ support_phone }}."


def test_after_a_merge_the_release_passes_the_publish_checks(duplicates: KnowledgeBase) -> None:
    """Archiving a unit others link to alone is refused at publish (broken-unit-link); the
    merge points those links at the kept unit."""
    kb = duplicates
    kb.save_unit(
        make_unit("faq", body="[Refunds](unit:money-back) and [policy](unit:refund-policy)."),
        author="t",
    )
    merge_units(kb, locale="en", keep="refunds", others=["refund-policy", "money-back"], author="m")

    plan = kb.publish(author="t", message="merged", gate=publish_gate())
    assert plan.release is not None
    assert [f for f in plan.findings if getattr(f, "blocking", False)] == []
    assert kb.draft_unit("faq", "en").body == "[Refunds](unit:refunds) and [policy](unit:refunds)."
