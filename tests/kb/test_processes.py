"""Several processes on one database: start-up migrations and publishing do not collide."""

from __future__ import annotations

import multiprocessing as mp

from kb import KnowledgeBase, Settings
from tests.conftest import make_unit


def _open_save_publish(settings: Settings, name: str, start: mp.synchronize.Event) -> None:
    start.wait(30)
    with KnowledgeBase.open(settings) as kb:
        kb.save_unit(make_unit(name), author=name)
        kb.publish(author=name)


def test_processes_starting_together_migrate_once_and_all_publish(settings: Settings) -> None:
    context = mp.get_context("spawn")
    start = context.Event()
    names = [f"proc-{i}" for i in range(3)]
    workers = [
        context.Process(target=_open_save_publish, args=(settings, name, start)) for name in names
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    with KnowledgeBase.open(settings) as kb:
        assert {unit_id for unit_id, _ in kb.snapshot().units} == set(names)
        numbers = sorted(r.number for r in kb.releases())
        assert numbers == list(range(1, len(numbers) + 1))
