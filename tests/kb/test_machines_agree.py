"""Two machines serving one database build a release each from it, and serve the same answers.

A release's index and matchers are derived data: every machine (a data folder of its own)
rebuilds them from the database instead of fetching another's files, which is only right if
the build is deterministic. Here release 1 of the sample content is built twice, in two data
folders, and every example question and its words as a search give the same results in both.
"""

from __future__ import annotations

from pathlib import Path

from importers import read_folder
from kb import KnowledgeBase
from kb.answers.build_journal import builds
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT


def served(kb: KnowledgeBase, questions: list[tuple[str, str]]) -> list[object]:
    """Every question's answer (status, unit, confidence) and search hits (id, score, snippet)."""
    results: list[object] = []
    for locale, question in questions:
        answer = kb.ask(question, locale=locale)
        found, _ = kb.search(question, locale=locale)
        results.append((answer.status, answer.unit_id, answer.confidence, answer.alternatives))
        hits = [(h.unit_id, round(h.score, 6), h.snippet) for h in found.hits]
        results.append((found.total, found.did_you_mean, hits))
    return results


def test_a_release_built_on_two_machines_serves_the_same_answers(
    kb: KnowledgeBase, settings: Settings, tmp_path: Path
) -> None:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t", message="sample")
    questions = [
        (unit.document.locale, question)
        for unit in kb.snapshot().iter_units()
        for question in unit.document.questions
    ]
    other_machine = Settings(
        data_dir=tmp_path / "other-machine", database_url=settings.database_url, author="t"
    )

    with KnowledgeBase.open(other_machine) as other:
        theirs = served(other, questions)  # built there, from the database

    assert len(builds(other_machine.index_dir)) == 1  # a build of its own, not a copy
    assert len(questions) > 50
    assert served(kb, questions) == theirs
