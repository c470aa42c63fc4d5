"""Two `kb publish` processes at once, and imports one after another while `kb publish` runs.

Every unit and snippet names its edition, so a release that took part of one write and part of
another shows: each release must be whole (one edition for everything written together), the
release numbers consecutive, and no command may fail with a traceback. The imports run in the
test process (the same `import_content` as `kb import`, without a second's start-up each), so
many of them commit while the publish reads, checks and writes. The matchers use words
alone (KB_ENCODER=none): the encoder is not what is tested, and it costs each process seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.content_folder import read_folder
from kb import KnowledgeBase
from tests.faults.editions import (
    SNIPPET,
    KbRun,
    kb_process,
    release_editions,
    save_edition,
    unit_ids,
    write_edition,
)

pytestmark = pytest.mark.faults

UNITS = 40


def release_numbers(kb: KnowledgeBase) -> list[int]:
    return sorted(r.number for r in kb.releases())


def ended_cleanly(run: KbRun) -> bool:
    """Succeeded, or refused with a message of its own rather than a traceback."""
    if run.returncode == 0:
        return True
    return bool(run.stderr.strip()) and "Traceback" not in run.stderr


def half_built(kb: KnowledgeBase) -> list[str]:
    """Index folders a build started and nobody finished (they begin with a dot)."""
    return sorted(p.name for p in kb.settings.index_dir.glob(".release-*"))


def test_two_publishes_at_once_end_cleanly_with_whole_consecutive_releases(
    kb: KnowledgeBase, env: dict[str, str]
) -> None:
    ids = unit_ids(UNITS)
    save_edition(kb, ids, 1, snippet=SNIPPET)
    kb.publish(author="faults")
    save_edition(kb, ids, 2, snippet=SNIPPET)

    both = [kb_process(env, "publish", "-m", f"edition 2, {name}") for name in "ab"]
    for run in both:
        assert ended_cleanly(run.finish()), str(run)

    assert sum("Published release" in run.stdout for run in both) == 1, "\n".join(map(str, both))
    assert release_numbers(kb) == [1, 2]
    for number in (1, 2):
        found = release_editions(kb, number)
        assert set(found) == {*ids, SNIPPET}, f"release {number} lacks units"
        assert set(found.values()) == {number}, f"release {number} is not whole: {found}"
    results, served = kb.search("edition", limit=UNITS * 2)
    assert served == 2
    assert sorted(hit.unit_id for hit in results.hits) == ids
    assert all(hit.title.endswith("edition 2") for hit in results.hits)
    assert half_built(kb) == []


def test_imports_during_a_publish_are_in_the_release_whole_or_not_at_all(
    kb: KnowledgeBase, env: dict[str, str], tmp_path: Path
) -> None:
    alpha, beta = unit_ids(UNITS // 2, "alpha"), unit_ids(UNITS // 2, "beta")
    beta_batches = [
        read_folder(
            write_edition(tmp_path / f"b{n}", beta, n, snippet=SNIPPET),
            channels=kb.settings.channels,
        )
        for n in (1, 2)
    ]
    save_edition(kb, alpha, 1)
    kb.import_content(beta_batches[0], author="faults")
    kb.publish(author="faults")
    for edition in (2, 3):
        save_edition(kb, alpha, edition)
        publishing = kb_process(env, "publish", "-m", f"alpha edition {edition}")
        imports = 0
        while publishing.process.poll() is None:  # beta flips edition, one import at a time
            kb.import_content(beta_batches[(imports + 1) % 2], author="faults")
            imports += 1
        assert publishing.finish().returncode == 0, str(publishing)

        found = release_editions(kb, release_numbers(kb)[-1])
        assert {found[u] for u in alpha} == {edition}, f"the publish lost drafts: {found}"
        assert len({found[u] for u in (*beta, SNIPPET)}) == 1, f"part of an import: {found}"
        assert imports >= 2, "the publish ended before a second import: the test proved nothing"
    assert release_numbers(kb) == [1, 2, 3]
