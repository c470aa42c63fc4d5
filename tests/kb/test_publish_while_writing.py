"""Publishing checks the drafts without the write lock: other writes go on meanwhile, and what
lands between the check and the write is never released unchecked, nor undone.

Each test's gate (the check publishing runs on exactly what it releases) does another writer's
work through a second `KnowledgeBase` and waits for it to finish: the order of events is forced,
so it is what the tests assert, not durations. A write that had to wait for the publish would
fail there (SQLite gives up after its 30 s busy timeout) and the test with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest

from kb import KnowledgeBase, PublishBlocked, Settings, VersionConflict
from kb.releases.publishing import PUBLISH_ATTEMPTS, GateFinding
from kb.store.snapshot import Snapshot
from tests.conftest import make_unit

UNITS = 200
#: How long a gate waits for the other writer: longer than SQLite's busy timeout (30 s), so a
#: writer the publish blocked fails rather than the wait running out first.
WRITER_LIMIT_S = 60


@dataclass(frozen=True)
class Forbidden:
    """A blocking finding: a unit whose body says FORBIDDEN."""

    unit_id: str
    locale: str | None = "en"
    code: str = "forbidden"
    blocking: bool = True

    @property
    def message(self) -> str:
        return "says FORBIDDEN"


def forbidding(snapshot: Snapshot) -> list[Forbidden]:
    return [
        Forbidden(u.document.id) for u in snapshot.iter_units() if "FORBIDDEN" in u.document.body
    ]


class Writer:
    """Another writer's work, run in its own thread on its own `KnowledgeBase` (opened before
    the publish starts), once per call."""

    def __init__(self, other: KnowledgeBase, work: Callable[[KnowledgeBase], object]) -> None:
        self._other, self._work = other, work
        self.error: BaseException | None = None
        self.runs = 0

    def run_and_wait(self, events: list[str]) -> None:
        done = threading.Event()

        def target() -> None:
            try:
                self._work(self._other)
                events.append("other write committed")
            except BaseException as exc:
                self.error = exc
            finally:
                done.set()

        self.runs += 1
        threading.Thread(target=target, daemon=True).start()
        assert done.wait(WRITER_LIMIT_S), "the other writer never finished"


def gate_running(
    writer: Writer, events: list[str], *, rounds: int = 1
) -> Callable[[Snapshot], Sequence[GateFinding]]:
    """A gate that runs `writer` in its first `rounds` checks, then forbids as `forbidding`."""

    def gate(snapshot: Snapshot) -> Sequence[GateFinding]:
        events.append("check started")
        if writer.runs < rounds:
            writer.run_and_wait(events)
        events.append("check ended")
        return forbidding(snapshot)

    return gate


@pytest.fixture
def other(settings: Settings) -> Iterator[KnowledgeBase]:
    """The same knowledge base opened a second time, as another process would."""
    with KnowledgeBase.open(settings) as knowledge_base:
        yield knowledge_base


def seed(kb: KnowledgeBase) -> None:
    for i in range(UNITS):
        kb.save_unit(make_unit(f"unit-{i:03d}", body=f"First text {i}."), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("unit-000", body="Second text."), author="ann")


def published_body(kb: KnowledgeBase, unit_id: str) -> str:
    return kb.snapshot().unit(unit_id, "en").document.body


def test_an_edit_saved_while_a_publish_checks_commits_before_the_release(
    kb: KnowledgeBase, other: KnowledgeBase
) -> None:
    seed(kb)
    events: list[str] = []
    edited = make_unit("unit-001", body="Edited.")
    edit = Writer(other, lambda o: o.save_unit(edited, author="bo"))

    plan = kb.publish(author="ann", gate=gate_running(edit, events))
    events.append("release written")

    assert edit.error is None, f"the edit failed while the publish checked: {edit.error!r}"
    assert events == ["check started", "other write committed", "check ended", "release written"]
    assert plan.release == 2


def test_a_change_saved_between_check_and_write_stays_a_draft_the_next_check_sees(
    kb: KnowledgeBase, other: KnowledgeBase
) -> None:
    seed(kb)
    events: list[str] = []
    bad = make_unit("unit-001", body="FORBIDDEN text.")
    edit = Writer(other, lambda o: o.save_unit(bad, author="bo"))

    plan = kb.publish(author="ann", gate=gate_running(edit, events))

    assert edit.error is None, f"the edit failed while the publish checked: {edit.error!r}"
    assert plan.release == 2 and plan.changed == (("unit-000", "en"),)
    assert published_body(kb, "unit-000") == "Second text."
    assert published_body(kb, "unit-001") == "First text 1.", "released without being checked"
    assert kb.draft_unit("unit-001", "en").body == "FORBIDDEN text."
    with pytest.raises(PublishBlocked):
        kb.publish(author="ann", gate=forbidding)
    assert kb.current_release().number == 2  # type: ignore[union-attr]


def test_a_release_made_while_a_publish_checks_is_not_undone(
    kb: KnowledgeBase, other: KnowledgeBase
) -> None:
    seed(kb)
    events: list[str] = []

    def publish_then_edit(other: KnowledgeBase) -> None:
        other.save_unit(make_unit("unit-001", body="Newer text."), author="bo")
        other.publish(author="bo")
        other.save_unit(make_unit("unit-002", body="Later text."), author="bo")

    writer = Writer(other, publish_then_edit)
    plan = kb.publish(author="ann", gate=gate_running(writer, events))

    assert writer.error is None, f"the other publish failed: {writer.error!r}"
    assert events == [
        *("check started", "other write committed", "check ended"),
        *("check started", "check ended"),  # the drafts checked again, on the other release
    ]
    assert plan.release == 3 and plan.base_release == 2
    assert plan.changed == (("unit-002", "en"),)
    assert published_body(kb, "unit-001") == "Newer text.", "the other release was undone"
    assert published_body(kb, "unit-002") == "Later text."


def test_a_publish_overtaken_by_other_releases_every_time_refuses_and_writes_nothing(
    kb: KnowledgeBase, other: KnowledgeBase
) -> None:
    seed(kb)
    events: list[str] = []
    rounds = iter(range(PUBLISH_ATTEMPTS))

    def publish_then_edit(other: KnowledgeBase) -> None:
        other.publish(author="bo")  # what the publish checks, released by another
        other.save_unit(make_unit("unit-000", body=f"Edit {next(rounds)}."), author="bo")

    writer = Writer(other, publish_then_edit)
    with pytest.raises(VersionConflict, match="publish again"):
        kb.publish(author="ann", gate=gate_running(writer, events, rounds=PUBLISH_ATTEMPTS))

    assert writer.error is None, f"the other publish failed: {writer.error!r}"
    assert [r.author for r in kb.releases()] == ["bo"] * PUBLISH_ATTEMPTS + ["ann"]
