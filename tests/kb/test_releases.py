"""Releases: atomic, numbered, consistent under concurrency, and restorable by rollback."""

from __future__ import annotations

import itertools
import threading
from datetime import date

import pytest

from kb import (
    ContentBatch,
    KnowledgeBase,
    ReleaseNotFound,
    Settings,
    SnippetDocument,
    SnippetType,
    SourcedUnit,
    VersionConflict,
)
from tests.conftest import make_unit


def phone(value: str) -> SnippetDocument:
    return SnippetDocument("support_phone", "en", SnippetType.PHONE, value)


def test_nothing_is_published_before_the_first_release(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(), author="ann")
    assert kb.current_release() is None
    with pytest.raises(ReleaseNotFound):
        kb.snapshot()


def test_publish_makes_drafts_the_numbered_release(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("a"), author="ann")
    kb.save_unit(make_unit("b"), author="ann")
    plan = kb.publish(author="pat", message="launch")
    assert plan.release == 1 and plan.added == (("a", "en"), ("b", "en"))
    release = kb.current_release()
    assert release is not None
    assert (release.number, release.author, release.message, release.unit_count) == (
        1,
        "pat",
        "launch",
        2,
    )
    assert set(kb.snapshot().units) == {("a", "en"), ("b", "en")}


def test_editing_drafts_never_changes_the_published_release(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(body="Published text."), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit(body="Draft text."), author="ann")
    kb.save_unit(make_unit("new-unit"), author="ann")
    kb.archive_unit("check-balance", "en", author="ann")
    live = kb.snapshot()
    assert live.number == 1
    assert live.unit("check-balance", "en").document.body == "Published text."
    assert ("new-unit", "en") not in live.units


def test_publishing_unchanged_drafts_creates_no_release(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit(), author="ann")
    kb.publish(author="ann")
    plan = kb.publish(author="ann")
    assert (plan.release, plan.has_changes, plan.base_release) == (None, False, 1)
    assert len(kb.releases()) == 1


def test_snippet_change_is_invisible_until_published(kb: KnowledgeBase) -> None:
    kb.save_snippet(phone("+44 20 7946 0000"), author="ann")
    kb.save_unit(make_unit("call-us", body="Call {{ support_phone }}."), author="ann")
    kb.save_unit(make_unit("unrelated", body="No snippets here."), author="ann")
    kb.save_unit(
        make_unit("call-us", locale="ru", body="Звоните {{ support_phone }}."), author="ann"
    )
    kb.publish(author="ann")

    kb.save_snippet(phone("+44 20 7946 0999"), author="ann")
    assert kb.snapshot().snippets[("support_phone", "en")].value == "+44 20 7946 0000"
    assert kb.drafts().snippets[("support_phone", "en")].value == "+44 20 7946 0999"

    plan = kb.publish(author="ann", dry_run=True)
    assert plan.release is None
    assert plan.snippets_changed == (("support_phone", "en"),)
    assert plan.affected_by_snippets == {("call-us", "en"): ("support_phone",)}
    assert plan.units_with_new_output == [("call-us", "en")]
    assert kb.current_release().number == 1  # type: ignore[union-attr]

    kb.publish(author="ann")
    assert kb.snapshot().snippets[("support_phone", "en")].value == "+44 20 7946 0999"


def test_rollback_restores_exactly_the_old_release(kb: KnowledgeBase) -> None:
    kb.save_snippet(phone("+44 20 7946 0000"), author="ann")
    kb.save_unit(make_unit("a", body="A1 {{ support_phone }}"), author="ann")
    kb.save_unit(make_unit("b", body="B1"), author="ann")
    kb.publish(author="ann")
    first = kb.snapshot(1)

    kb.save_snippet(phone("+44 20 7946 0999"), author="ann")
    kb.save_unit(make_unit("a", body="A2 {{ support_phone }}"), author="ann")
    kb.archive_unit("b", "en", author="ann")
    kb.save_unit(make_unit("c"), author="ann")
    kb.publish(author="ann")

    plan = kb.rollback(1, author="rita")
    assert plan.release == 3
    restored = kb.snapshot()
    assert restored.number == 3 and restored.release.rollback_of == 1  # type: ignore[union-attr]
    assert dict(restored.units) == dict(first.units)
    assert dict(restored.snippets) == dict(first.snippets)
    assert [r.number for r in kb.releases()] == [3, 2, 1]
    assert kb.snapshot(2).unit("a", "en").document.body.startswith("A2")


def test_a_rolled_back_change_is_not_in_the_next_release_after_an_unrelated_fix(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("a", body="Good answer."), author="ann")
    kb.save_unit(make_unit("b", body="Typo hree."), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("a", body="Bad answer."), author="ann")
    kb.publish(author="ann")

    kb.rollback(1, author="rita")
    kb.save_unit(make_unit("b", body="Typo here."), author="ann")
    plan = kb.publish(author="ann")

    assert plan.release == 4 and plan.changed == (("b", "en"),)
    assert kb.snapshot(4).unit("a", "en").document.body == "Good answer."
    assert plan.findings == ()


def test_rollback_reverts_the_drafts_it_changed_as_new_revisions(kb: KnowledgeBase) -> None:
    kb.save_snippet(phone("+44 20 7946 0000"), author="ann")
    kb.save_unit(make_unit("a", body="A1 {{ support_phone }}"), author="ann")
    kb.save_unit(make_unit("b", body="B1"), author="ann")
    kb.save_unit(make_unit("untouched", body="U1"), author="ann")
    kb.publish(author="ann")
    kb.save_snippet(phone("+44 20 7946 0999"), author="ann")
    kb.save_unit(make_unit("a", body="A2 {{ support_phone }}"), author="ann")
    kb.archive_unit("b", "en", author="ann")
    kb.save_unit(make_unit("c"), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("untouched", body="U2, not published"), author="ann")

    plan = kb.rollback(1, author="rita")

    drafts = {(d.kind, d.name): (d.revision, d.in_release) for d in plan.drafts}
    assert drafts == {
        ("unit", "a"): (3, True),
        ("unit", "b"): (3, True),
        ("unit", "c"): (2, False),
        ("snippet", "support_phone"): (3, True),
    }
    a = kb.history("a", "en")
    assert [r.number for r in a] == [1, 2, 3]  # history kept
    assert (a[-1].body, a[-1].message, a[-1].author) == (
        "A1 {{ support_phone }}",
        "reverted by rollback to 1 (release 3)",
        "rita",
    )
    assert not kb.draft_unit("b", "en").archived
    assert kb.draft_unit("c", "en").archived  # release 1 had no unit c
    assert kb.draft_snippet("support_phone", "en").value == "+44 20 7946 0000"
    assert kb.draft_unit("untouched", "en").body == "U2, not published"  # not rolled back
    assert kb.publish(author="ann", dry_run=True).changed == (("untouched", "en"),)


def test_rollback_keeping_the_drafts_lists_them_and_the_next_publish_names_the_change(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("a", body="Good answer."), author="ann")
    kb.save_snippet(phone("+44 20 7946 0000"), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("a", body="Bad answer."), author="ann")
    kb.save_unit(make_unit("c"), author="ann")
    kb.archive_snippet("support_phone", "en", author="ann")
    kb.publish(author="ann")

    plan = kb.rollback(1, author="rita", keep_drafts=True)

    assert {(d.kind, d.name, d.revision, d.in_release) for d in plan.drafts} == {
        ("unit", "a", None, True),
        ("unit", "c", None, False),
        ("snippet", "support_phone", None, True),
    }
    assert kb.draft_unit("a", "en").body == "Bad answer."
    dry = kb.publish(author="ann", dry_run=True)
    assert [str(f) for f in dry.findings if f.code == "rolled-back"] == [
        "warning: a en: this change was rolled back in release 3 (rollback to 1); "
        "publishing brings it back [rolled-back]",
        "warning: c en: this change was rolled back in release 3 (rollback to 1); "
        "publishing brings it back [rolled-back]",
        "warning: snippet support_phone en: removing it was rolled back in release 3 "
        "(rollback to 1); publishing brings it back [rolled-back]",
    ]
    assert not any(f.blocking for f in dry.findings)


def test_a_change_made_anew_after_its_rollback_is_named_but_a_different_fix_is_not(
    kb: KnowledgeBase,
) -> None:
    kb.save_unit(make_unit("a", body="Good answer."), author="ann")
    kb.publish(author="ann")
    kb.save_unit(make_unit("a", body="Bad answer."), author="ann")
    kb.publish(author="ann")
    kb.rollback(1, author="rita")

    kb.save_unit(make_unit("a", body="Bad answer."), author="ann")
    (again,) = kb.publish(author="ann", dry_run=True).findings
    assert (again.code, again.release, again.rollback_of) == ("rolled-back", 3, 1)  # type: ignore[attr-defined]
    kb.save_unit(make_unit("a", body="Better answer."), author="ann")
    assert kb.publish(author="ann", dry_run=True).findings == ()


def test_rollback_refuses_unknown_or_current_release(kb: KnowledgeBase) -> None:
    with pytest.raises(ReleaseNotFound):
        kb.rollback(1, author="ann")
    kb.save_unit(make_unit(), author="ann")
    kb.publish(author="ann")
    with pytest.raises(ReleaseNotFound):
        kb.rollback(7, author="ann")
    with pytest.raises(VersionConflict):
        kb.rollback(1, author="ann")


def test_stale_units_are_reported(kb: KnowledgeBase) -> None:
    kb.save_unit(make_unit("old", review_by=date(2026, 1, 1)), author="ann")
    kb.save_unit(make_unit("fresh", review_by=date(2027, 1, 1)), author="ann")
    kb.save_unit(make_unit("never"), author="ann")
    today = date(2026, 6, 1)
    assert [u.key for u in kb.stale_units(today=today)] == [("old", "en")]
    plan = kb.publish(author="ann", today=today)
    assert plan.stale == (("old", "en"),)
    assert [u.key for u in kb.stale_units(today=date(2027, 2, 1))] == [
        ("fresh", "en"),
        ("old", "en"),
    ]


def _batch(version: int, count: int) -> ContentBatch:
    return ContentBatch(
        units=[SourcedUnit(make_unit(f"u{i:04d}", body=f"version {version}")) for i in range(count)]
    )


def test_a_reader_during_publishes_always_sees_one_whole_release(settings: Settings) -> None:
    """Each publish rewrites every unit; a reader must never see two versions side by side."""
    count, rounds = 150, 6
    seen: list[tuple[int, int, set[str]]] = []
    failures: list[BaseException] = []
    done = threading.Event()
    with KnowledgeBase.open(settings) as writer, KnowledgeBase.open(settings) as reader:
        writer.import_content(_batch(0, count), author="w")
        writer.publish(author="w")

        def read_continuously() -> None:
            try:
                while not done.is_set():
                    snap = reader.snapshot()
                    bodies = {u.document.body for u in snap.units.values()}
                    seen.append((snap.number or 0, len(snap.units), bodies))
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

        thread = threading.Thread(target=read_continuously)
        thread.start()
        try:
            for version in range(1, rounds + 1):
                writer.import_content(_batch(version, count), author="w")
                writer.publish(author="w")
        finally:
            done.set()
            thread.join(timeout=60)
    assert not failures
    assert len({number for number, _n, _b in seen}) >= 2, "the reader saw only one release"
    for number, units, bodies in seen:
        assert units == count, f"release {number} read with {units} of {count} units"
        assert bodies == {f"version {number - 1}"}, f"release {number} mixed {bodies}"


def test_concurrent_publishes_give_consecutive_releases_and_lose_nothing(
    settings: Settings,
) -> None:
    rounds = 8
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def editor(unit_id: str) -> None:
        try:
            with KnowledgeBase.open(settings) as kb:
                for version in range(1, rounds + 1):
                    barrier.wait(timeout=30)
                    kb.save_unit(make_unit(unit_id, body=f"{unit_id} v{version}"), author=unit_id)
                    kb.publish(author=unit_id, message=f"{unit_id} v{version}")
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=editor, args=(name,)) for name in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    with KnowledgeBase.open(settings) as kb:
        numbers = [r.number for r in reversed(kb.releases())]
        assert numbers == list(range(1, len(numbers) + 1))
        assert rounds <= len(numbers) <= 2 * rounds
        final = kb.snapshot()
        assert final.unit("alpha", "en").document.body == f"alpha v{rounds}"
        assert final.unit("beta", "en").document.body == f"beta v{rounds}"
        for older, newer in itertools.pairwise(numbers):
            assert dict(kb.snapshot(older).units) != dict(kb.snapshot(newer).units)
            newest = kb.snapshot(newer)
            assert newest.release is not None
            assert newest.release.unit_count == len(newest.units)
