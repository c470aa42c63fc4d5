"""Imported units remember their silo: a newer export updates the same unit, a new item never
takes another unit's id, pruning an export archives only its own silo; drafts stay unpublished."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kb import ContentBatch, ImportOptions, InvalidContent, KnowledgeBase
from kb.content.document import UnitDocument, UnitSource, parse_unit
from kb.store.importing import SourcedUnit
from kb.store.revisions import SaveOutcome
from tests.conftest import make_unit


def zendesk(article: str, **fields: object) -> UnitDocument:
    """A unit as a help-center importer makes it: its id from the title, its source the article."""
    source = UnitSource("zendesk", article, f"https://help.example.com/articles/{article}")
    return make_unit(source=source, **fields)  # type: ignore[arg-type]


def silo_batch(*units: UnitDocument, silo: str = "zendesk") -> ContentBatch:
    return ContentBatch(units=[SourcedUnit(u) for u in units], silo=silo)


def stored_ids(kb: KnowledgeBase) -> dict[str, UnitSource | None]:
    return {u.document.id: u.document.source for u in kb.drafts().iter_units()}


def test_source_and_draft_round_trip_through_the_content_format() -> None:
    unit = make_unit(
        draft=True,
        source=UnitSource(
            "zendesk", "360001234", "https://x.zendesk.com/a", "2024-01-02T03:04:05Z"
        ),
    )
    again = parse_unit(unit.to_markdown())
    assert again == unit
    assert again.content_hash == unit.content_hash
    assert "draft: true" in unit.to_markdown()


def test_a_unit_without_source_or_draft_hashes_as_it_did_before_they_existed() -> None:
    unit = make_unit()
    assert "draft" not in unit.metadata() and "source" not in unit.metadata()
    assert make_unit(draft=True).content_hash != unit.content_hash


def test_a_numeric_article_id_and_a_yaml_timestamp_are_read_as_text() -> None:
    text = (
        "---\nid: a\nlocale: en\ntitle: A\nsource:\n  system: zendesk\n  id: 360001234\n"
        "  updated_at: 2024-01-02T03:04:05Z\n---\nBody\n"
    )
    source = parse_unit(text).source
    assert source == UnitSource("zendesk", "360001234", None, "2024-01-02T03:04:05Z")


def test_a_bad_source_names_each_field_and_its_line() -> None:
    text = "---\nid: a\nlocale: en\ntitle: A\ndraft: maybe\n"
    text += "source:\n  id: 1\n  colour: red\n---\nB\n"
    with pytest.raises(InvalidContent) as caught:
        parse_unit(text, source="a.md")
    said = {(p.field, p.line) for p in caught.value.problems}
    assert said == {("draft", 5), ("source.colour", 8), ("source.system", 6)}


def test_source_and_draft_are_stored_and_read_back(kb: KnowledgeBase) -> None:
    unit = zendesk("1", draft=True)
    kb.import_content(silo_batch(unit), author="ann")
    assert kb.drafts().unit(unit.id, "en").document == unit


def test_importing_the_same_export_twice_changes_nothing(kb: KnowledgeBase) -> None:
    batch = silo_batch(zendesk("1", unit_id="refunds"), zendesk("2", unit_id="delivery"))
    kb.import_content(batch, author="ann")
    again = kb.import_content(batch, author="ann")
    assert again.units[SaveOutcome.UNCHANGED] == 2 and again.units[SaveOutcome.CREATED] == 0


def test_a_newer_export_updates_the_same_unit_though_its_title_and_id_changed(
    kb: KnowledgeBase,
) -> None:
    kb.import_content(silo_batch(zendesk("1", unit_id="refunds", title="Refunds")), author="ann")
    renamed = zendesk("1", unit_id="getting-your-money-back", title="Getting your money back")
    report = kb.import_content(silo_batch(renamed), author="ann")
    assert report.units[SaveOutcome.UPDATED] == 1 and report.units[SaveOutcome.CREATED] == 0
    assert list(stored_ids(kb)) == ["refunds"]
    assert kb.drafts().unit("refunds", "en").document.title == "Getting your money back"
    assert report.renamed == [("getting-your-money-back", "refunds")]


def test_a_translation_joins_the_unit_its_article_already_has(kb: KnowledgeBase) -> None:
    kb.import_content(silo_batch(zendesk("1", unit_id="refunds")), author="ann")
    kb.import_content(silo_batch(zendesk("1", unit_id="vozvrat", locale="ru")), author="ann")
    assert sorted(u.key for u in kb.drafts().iter_units()) == [("refunds", "en"), ("refunds", "ru")]


def test_a_new_item_never_overwrites_a_hand_written_unit_with_its_id(kb: KnowledgeBase) -> None:
    mine = make_unit("refunds", body="Our own answer.")
    kb.import_content(ContentBatch(units=[SourcedUnit(mine)]), author="ann")
    report = kb.import_content(silo_batch(zendesk("7", unit_id="refunds")), author="bob")
    assert kb.drafts().unit("refunds", "en").document == mine
    assert stored_ids(kb)["refunds-2"] == UnitSource(
        "zendesk", "7", "https://help.example.com/articles/7"
    )
    assert report.renamed == [("refunds", "refunds-2")]


def test_a_renamed_item_does_not_take_the_id_another_item_in_the_export_has(
    kb: KnowledgeBase,
) -> None:
    kb.import_content(ContentBatch(units=[SourcedUnit(make_unit("faq"))]), author="ann")
    batch = silo_batch(zendesk("1", unit_id="faq"), zendesk("2", unit_id="faq-2"))
    kb.import_content(batch, author="bob")
    assert {k: v.id for k, v in stored_ids(kb).items() if v} == {"faq-3": "1", "faq-2": "2"}


def test_pruning_an_export_archives_only_what_that_silo_no_longer_has(kb: KnowledgeBase) -> None:
    kb.import_content(ContentBatch(units=[SourcedUnit(make_unit("ours"))]), author="ann")
    bot = UnitSource("rasa", "greet")
    kb.import_content(silo_batch(make_unit("greet", source=bot), silo="rasa"), author="ann")
    kb.import_content(silo_batch(zendesk("1", unit_id="a"), zendesk("2", unit_id="b")), author="a")
    report = kb.import_content(
        silo_batch(zendesk("1", unit_id="a")), author="ann", options=ImportOptions(prune=True)
    )
    assert report.missing_units == [("b", "en")]
    assert sorted(stored_ids(kb)) == ["a", "greet", "ours"]


def test_a_unit_marked_draft_is_kept_out_of_the_release_and_listed(kb: KnowledgeBase) -> None:
    units = [make_unit("ready"), make_unit("wip", draft=True)]
    kb.import_content(ContentBatch(units=[SourcedUnit(u) for u in units]), author="ann")
    plan = kb.publish(author="ann")
    assert plan.held_back == (("wip", "en"),)
    assert [u.document.id for u in kb.snapshot().iter_units()] == ["ready"]
    kb.import_content(
        ContentBatch(units=[SourcedUnit(replace(units[1], draft=False))]), author="ann"
    )
    assert kb.publish(author="ann").added == (("wip", "en"),)


def test_links_to_a_retitled_item_follow_it_to_the_id_its_unit_kept(kb: KnowledgeBase) -> None:
    kb.import_content(silo_batch(zendesk("1", unit_id="refunds")), author="ann")
    retitled = zendesk("1", unit_id="money-back")
    linking = zendesk("2", unit_id="orders", body="See [money back](unit:money-back).")
    kb.import_content(silo_batch(retitled, linking), author="ann")
    body = kb.drafts().unit("orders", "en").document.body
    assert body == "See [money back](unit:refunds)."
