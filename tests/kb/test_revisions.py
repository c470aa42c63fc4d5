"""Revisions: every save adds one, nothing is changed in place, and lost updates are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kb import KnowledgeBase, SaveOutcome, SnippetDocument, SnippetType, VersionConflict
from kb.errors import RevisionNotFound, UnitNotFound
from tests.conftest import make_unit


def test_each_save_adds_a_revision_and_keeps_the_old_one(kb: KnowledgeBase) -> None:
    first = kb.save_unit(make_unit(body="Old text."), author="ann", message="first")
    second = kb.save_unit(make_unit(body="New text."), author="bob", message="second")
    assert (first.outcome, second.outcome) == (SaveOutcome.CREATED, SaveOutcome.UPDATED)
    old, new = kb.history("check-balance", "en")
    assert (old.number, old.body, old.author, old.message) == (1, "Old text.", "ann", "first")
    assert (new.number, new.body, new.author, new.message) == (2, "New text.", "bob", "second")
    assert old.content_hash != new.content_hash
    assert old.created_at <= new.created_at


def test_saving_identical_content_creates_no_revision(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(), author="ann")
    again = kb.save_unit(make_unit(), author="bob")
    assert again.outcome is SaveOutcome.UNCHANGED
    assert len(kb.history("check-balance", "en")) == 1


def test_source_text_is_kept_as_written(kb: KnowledgeBase) -> None:
    source = "---\nid: a\nlocale: en\ntitle: T   # a comment\n---\nBody\n"
    kb.save_unit(source, author="ann")
    assert kb.revision("a", "en", 1).source == source


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE unit_revision SET body = 'changed'",
        "DELETE FROM unit_revision",
        "UPDATE snippet_revision SET value = 'changed'",
        "DELETE FROM release_unit",
        "UPDATE release SET message = 'changed'",
    ],
)
def test_database_refuses_to_change_history(kb: KnowledgeBase, statement: str) -> None:
    kb.save_unit(make_unit(), author="ann")
    kb.save_snippet(SnippetDocument("s", "en", SnippetType.TEXT, "v"), author="ann")
    kb.publish(author="ann")
    with pytest.raises(DBAPIError, match="immutable"), kb.db.write() as session:
        session.execute(text(statement))
    assert kb.revision("check-balance", "en", 1).body == "Answer for check-balance."
    assert kb.snapshot().snippets[("s", "en")].value == "v"


def test_stale_expected_revision_is_a_conflict_and_writes_nothing(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="v1"), author="ann")
    kb.save_unit(make_unit(body="v2 by ann"), author="ann", expected_revision=1)
    with pytest.raises(VersionConflict, match="revision 2, not 1"):
        kb.save_unit(make_unit(body="v2 by bob"), author="bob", expected_revision=1)
    assert [r.body for r in kb.history("check-balance", "en")] == ["v1", "v2 by ann"]


def test_expected_revision_zero_means_create_only(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(), author="ann", expected_revision=0)
    with pytest.raises(VersionConflict):
        kb.save_unit(make_unit(body="other"), author="bob", expected_revision=0)


def test_translations_have_their_own_history(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(locale="en"), author="ann")
    kb.save_unit(make_unit(locale="ru", body="Ответ."), author="ann")
    kb.save_unit(make_unit(locale="ru", body="Новый ответ."), author="ann")
    assert len(kb.history("check-balance", "en")) == 1
    assert len(kb.history("check-balance", "ru")) == 2


def test_archiving_adds_a_revision_and_a_save_restores(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(), author="ann")
    archived = kb.archive_unit("check-balance", "en", author="ann")
    assert archived.revision == 2
    assert kb.drafts().units == {}
    kb.save_unit(make_unit(), author="ann")
    assert list(kb.drafts().units) == [("check-balance", "en")]
    assert [r.archived for r in kb.history("check-balance", "en")] == [False, True, False]


def test_missing_units_and_revisions_are_reported(kb: KnowledgeBase) -> None:
    with pytest.raises(UnitNotFound):
        kb.history("nope", "en")
    kb.save_unit(make_unit(), author="ann")
    with pytest.raises(RevisionNotFound):
        kb.revision("check-balance", "en", 9)
    with pytest.raises(UnitNotFound):
        kb.archive_unit("nope", "en", author="ann")


def test_diff_shows_published_against_draft(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="Dial 100."), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit(body="Dial 101."), author="ann")
    diff = kb.diff("check-balance", "en")
    assert "-Dial 100." in diff and "+Dial 101." in diff
    assert "check-balance.en.md@1" in diff and "check-balance.en.md@2" in diff
    assert kb.diff("check-balance", "en", 2, 2) == ""
