"""The event writer process (kb/events/writer.py, started as `kb serve` starts it): it stores a
worker's batches redacted, a batch it cannot store is counted dropped, and while it is gone a
worker writes its own events, none lost."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import pytest
from sqlmodel import select

from cli.event_writer import serving_events
from kb import KnowledgeBase, Settings
from kb.errors import ConfigError
from kb.events.recorder import EventRecorder
from kb.events.served import Served, Wire
from kb.events.store import purge_events
from kb.events.writer import RemoteSink, store_events
from kb.store.db import Database
from kb.store.models import DeliveryEvent

ANSWER = Served("answer", "chatbot", "en", 1, "check-balance", 1, status="answered")


class Counted:
    """`store_events` on `db`, counting the rows this process wrote itself."""

    def __init__(self, db: Database) -> None:
        self.rows = 0
        self._db = db

    def __call__(self, rows: Sequence[Wire]) -> None:
        self.rows += len(rows)
        store_events(self._db, rows)


def recorder_through(path: str, kb: KnowledgeBase, fallback: Counted) -> EventRecorder:
    """A worker's recorder whose sink is the writer process at `path`."""
    sink = RemoteSink(path, fallback=fallback)
    return EventRecorder(kb.settings, sink, partial(purge_events, kb.db))


def questions(kb: KnowledgeBase) -> list[str]:
    """The questions stored, as the database holds them."""
    with kb.db.read() as session:
        return sorted(str(e.question) for e in session.exec(select(DeliveryEvent)))


def test_the_writer_process_stores_a_workers_batches_redacted(kb: KnowledgeBase) -> None:
    here = Counted(kb.db)
    with serving_events(kb.settings) as path:
        assert path is not None
        recorder = recorder_through(path, kb, here)
        for n in range(3):
            recorder.record(ANSWER, question=f"ann{n}@example.com asks: what is my balance")
        assert recorder.flush()
        recorder.close()
    assert recorder.written == 3 and recorder.dropped == 0
    assert here.rows == 0, "the writer process wrote them, not this one"
    assert questions(kb) == ["[email] asks: what is my balance"] * 3


def test_a_batch_the_writer_process_cannot_store_is_counted_dropped(
    kb: KnowledgeBase, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The writer process reaches a database without the event table: it refuses every batch.
    empty = f"sqlite:///{tmp_path_factory.mktemp('empty') / 'none.sqlite3'}"
    here = Counted(kb.db)
    with serving_events(replace(settings, database_url=empty)) as path:
        assert path is not None
        recorder = recorder_through(path, kb, here)
        recorder.record(ANSWER, question="what is my balance")
        assert recorder.flush()
        recorder.close()
    assert recorder.dropped == 1 and recorder.written == 0
    assert here.rows == 0 and questions(kb) == []


def test_while_the_writer_process_is_gone_a_worker_writes_its_own_events(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    here = Counted(kb.db)
    with serving_events(kb.settings) as path:
        assert path is not None
        recorder = recorder_through(path, kb, here)
        recorder.record(ANSWER, question="first, through the process")
        assert recorder.flush()
    # The process has ended (as when it crashed): the next batches are written here.
    with caplog.at_level(logging.WARNING, logger="kb.events"):
        recorder.record(ANSWER, question="second, +359 88 123 4567 calling")
        recorder.record(ANSWER, question="third")
        assert recorder.flush()
    recorder.close()
    assert recorder.written == 3 and recorder.dropped == 0
    assert here.rows == 2
    assert questions(kb) == ["first, through the process", "second, [phone] calling", "third"]
    assert "cannot be reached" in caplog.text


def test_kb_serve_starts_no_writer_process_with_events_off_or_in_threads(
    settings: Settings,
) -> None:
    with serving_events(replace(settings, events=False)) as path:
        assert path is None
    with serving_events(replace(settings, events_writer="thread")) as path:
        assert path is None


def test_a_recorder_uses_the_writer_process_its_settings_name(kb: KnowledgeBase) -> None:
    with serving_events(kb.settings) as path:
        assert path is not None
        named = EventRecorder.on(kb.db, replace(kb.settings, events_writer_socket=path))
        named.record(ANSWER, question="what is my balance")
        assert named.flush()
        named.close()
    assert named.written == 1 and questions(kb) == ["what is my balance"]
    assert not isinstance(EventRecorder.on(kb.db, kb.settings)._sink, RemoteSink)


def test_kb_events_writer_takes_process_or_thread_only() -> None:
    assert Settings.from_env({}).events_writer == "process"
    assert Settings.from_env({"KB_EVENTS_WRITER": "thread"}).events_writer == "thread"
    with pytest.raises(ConfigError, match="KB_EVENTS_WRITER must be one of process, thread"):
        Settings.from_env({"KB_EVENTS_WRITER": "fork"})
