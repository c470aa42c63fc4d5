"""The audit log in the store: each write appends one entry in its own transaction (so a
refused write leaves none), entries read back newest first and filtered, and the database
refuses to change or delete them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kb import KnowledgeBase
from kb.content.snippets import SnippetDocument, SnippetType
from kb.errors import VersionConflict
from kb.store.audit import AuditEntry, AuditFilter, audit_entries, entries, record
from kb.store.importing import ContentBatch, ImportOptions, SourcedUnit
from tests.conftest import make_unit


def _log(kb: KnowledgeBase, **wanted: object) -> list[tuple[str, str, str, str | None]]:
    """(actor, action, object_id, locale) of the entries, oldest first."""
    found = audit_entries(kb.db, AuditFilter(**wanted))  # type: ignore[arg-type]
    return [(e.actor, e.action, e.object_id, e.locale) for e in reversed(found)]


def test_saves_record_created_updated_and_archived_but_not_an_unchanged_save(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit(body="v1"), author="ann")
    kb.save_unit(make_unit(body="v1"), author="ann")  # unchanged: no revision, no entry
    kb.save_unit(make_unit(body="v2"), author="bob")
    kb.archive_unit("check-balance", "en", author="cy")
    kb.save_snippet(SnippetDocument("hours", "en", SnippetType.TEXT, "9-5"), author="ann")
    kb.archive_snippet("hours", "en", author="bob")

    assert _log(kb) == [
        ("ann", "unit.created", "check-balance", "en"),
        ("bob", "unit.updated", "check-balance", "en"),
        ("cy", "unit.archived", "check-balance", "en"),
        ("ann", "snippet.created", "hours", "en"),
        ("bob", "snippet.archived", "hours", "en"),
    ]
    newest = audit_entries(kb.db, AuditFilter(object_id="check-balance", limit=1))[0]
    assert newest.detail == {"revision": 3} and newest.object_kind == "unit"


def test_a_refused_save_leaves_no_entry(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="v1"), author="ann")
    kb.save_unit(make_unit(body="v2"), author="ann")

    with pytest.raises(VersionConflict):
        kb.save_unit(make_unit(body="v3"), author="bob", expected_revision=1)

    assert [actor for actor, *_ in _log(kb)] == ["ann", "ann"]


def test_an_entry_rolls_back_with_the_transaction_it_was_written_in(kb: KnowledgeBase) -> None:
    with pytest.raises(RuntimeError), kb.db.write() as session:
        record(session, actor="ann", action="unit.updated", object_kind="unit", object_id="x")
        raise RuntimeError("the write failed after its entry")

    assert _log(kb) == []


def test_publish_rollback_import_and_keys_each_record_who_did_it(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="v1"), author="ann")
    kb.publish(author="pat", message="first")
    kb.save_unit(make_unit(body="v2"), author="ann")
    kb.publish(author="pat")
    kb.rollback(1, author="rob")
    batch = ContentBatch(units=[SourcedUnit(make_unit("lost-card"))])
    kb.import_content(batch, author="imp")
    kb.import_content(batch, author="imp", options=ImportOptions(dry_run=True))
    new = kb.create_key(name="widget", role="reader", author="adm")
    kb.revoke_key(new.key.key_id, author="adm2")

    log = _log(kb)
    assert ("pat", "release.published", "1", None) in log
    assert ("pat", "release.published", "2", None) in log
    assert ("rob", "release.rolled_back", "3", None) in log
    assert ("rob", "unit.updated", "check-balance", "en") in log  # its draft went back too
    assert [e for e in log if e[1] == "content.imported"] == [
        ("imp", "content.imported", "Import", None)  # the dry run wrote nothing
    ]
    assert ("adm", "key.created", new.key.key_id, None) in log
    assert ("adm2", "key.revoked", new.key.key_id, None) in log
    rolled = audit_entries(kb.db, AuditFilter(action="release.rolled_back"))[0]
    assert rolled.detail == {"units": 1, "snippets": 0, "to": 1}
    imported = audit_entries(kb.db, AuditFilter(action="content.imported"))[0]
    assert imported.detail == {
        "units": {"created": 1, "updated": 0},
        "snippets": {"created": 0, "updated": 0},
        "restored": 0,
    }
    created = audit_entries(kb.db, AuditFilter(action="key.created"))[0]
    assert created.detail == {"name": "widget", "role": "reader"}  # never the secret


def test_entries_come_newest_first_filtered_and_a_page_at_a_time(kb: KnowledgeBase) -> None:
    with kb.db.write() as session:
        session.add(
            AuditEntry(
                at=datetime(2020, 1, 1, tzinfo=UTC),
                actor="old",
                action="key.created",
                object_kind="key",
                object_id="k1",
            )
        )
        for n in range(5):
            record(session, actor=f"a{n % 2}", action="unit.updated", object_kind="unit",
                   object_id=f"u{n}", locale="en")  # fmt: skip

    with kb.db.read() as session:
        everything = entries(session)
        first_page = entries(session, AuditFilter(limit=2))
        second_page = entries(session, AuditFilter(limit=2, before=first_page[-1].id))
        by_a1 = entries(session, AuditFilter(actor="a1"))
        recent = entries(session, AuditFilter(since=datetime.now(UTC) - timedelta(days=1)))

    assert [e.object_id for e in everything] == ["u4", "u3", "u2", "u1", "u0", "k1"]
    assert [e.object_id for e in first_page + second_page] == ["u4", "u3", "u2", "u1"]
    assert [e.object_id for e in by_a1] == ["u3", "u1"]
    assert "k1" not in [e.object_id for e in recent] and len(recent) == 5
    assert all(e.at.tzinfo is not None for e in everything)
    assert everything[-1].at == datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"],
)
def test_the_database_refuses_to_change_or_delete_entries(
    kb: KnowledgeBase, statement: str
) -> None:
    kb.save_unit(make_unit(), author="ann")

    with pytest.raises(DBAPIError, match="immutable"), kb.db.write() as session:
        session.execute(text(statement))

    assert _log(kb) == [("ann", "unit.created", "check-balance", "en")]


def test_reading_entries_writes_nothing_back(kb: KnowledgeBase) -> None:
    """Entries are detached before their times are made aware: a read that flushed them would
    be an UPDATE, which the database refuses."""
    kb.save_unit(make_unit(), author="ann")

    with kb.db.write() as session:
        read = entries(session)
        record(session, actor="bob", action="unit.updated", object_kind="unit", object_id="x")

    assert read[0].actor == "ann" and len(_log(kb)) == 2
