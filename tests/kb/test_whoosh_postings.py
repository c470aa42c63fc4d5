"""The Whoosh build's posting pool: the postings Whoosh's own pool gives, in a tenth of the
memory (issue 22: at 40,000 units the postings were the largest part of a publish's memory)."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

import kb.search.whoosh_engine as whoosh_engine
from importers import read_folder
from kb import KnowledgeBase
from kb.search import indexed_units
from kb.search.whoosh_postings import Postings
from kb.settings import DEFAULT_CHANNELS, Settings
from tests.conftest import SAMPLE_CONTENT


def test_postings_come_back_sorted_by_field_term_and_document() -> None:
    rng = random.Random(7)
    fields = ("headline", "tags", "text", "title")
    stems = (b"", b"a", b"ab", b"b", "ё".encode(), b"\xff")
    postings: dict[tuple[str, bytes, int], tuple[float, bytes]] = {}
    while len(postings) < 5_000:
        key = (
            rng.choice(fields),
            rng.choice(stems) + bytes([rng.randrange(256)]),
            rng.randrange(3_000),
        )
        postings[key] = (rng.random() * 5, pack_uint(rng.randrange(1, 4)))
    given = [(*key, *rest) for key, rest in postings.items()]
    pool = Postings()
    for posting in given:
        pool.add(posting)

    assert len(pool) == len(given)
    assert list(pool.iter_postings()) == sorted(given)
    pool.cleanup()
    assert len(pool) == 0
    assert list(pool.iter_postings()) == []


def test_a_posting_costs_the_pool_under_thirty_bytes() -> None:
    # As Whoosh adds them: a new tuple and value per posting, terms shared by many documents.
    terms = [f"word{i}".encode() for i in range(2_000)]
    count = 200_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pool = Postings()
        for n in range(count):
            doc, k = divmod(n, 10)
            pool.add(("text", terms[(doc * 7 + k) % len(terms)], doc, 1.5 * k, pack_uint(k + 1)))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(pool) == count
    # Tuples kept as they came took about 150 bytes each (tuple, float, value bytes, list slot).
    assert held / count < 30


@pytest.fixture
def sample_units(tmp_path: Path) -> list[Any]:
    """The sample content's units as the index build is given them (SQLite: the database
    plays no part in what the index holds)."""
    with KnowledgeBase.open(Settings(data_dir=tmp_path / "data", author="t")) as kb:
        kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
        kb.publish(author="t", message="sample")
        return list(indexed_units(kb.snapshot()))


def _contents(folder: Path) -> dict[str, Any]:
    """Everything a Whoosh index holds: each field's terms with their postings (documents,
    weights, values), field lengths and stored fields."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        postings = {
            (field, term): [
                (doc, weight, reader.postings(field, term).value())
                for doc, weight in reader.postings(field, term).items_as("weight")
            ]
            for field, term in reader.all_terms()
        }
        lengths = {
            field: [reader.doc_field_length(d, field) for d in range(reader.doc_count_all())]
            for field in ix.schema.scorable_names()
        }
        return {
            "postings": postings,
            "lengths": lengths,
            "stored": list(reader.all_stored_fields()),
        }


def test_the_index_holds_what_whooshs_own_writer_writes(
    sample_units: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    whoosh_engine.WhooshEngine().build(sample_units, ours)
    monkeypatch.setattr(whoosh_engine, "_SegmentWriter", SegmentWriter)  # Whoosh's pool
    whoosh_engine.WhooshEngine().build(sample_units, theirs)

    locales = sorted(p.name for p in ours.iterdir() if p.is_dir())
    assert locales == sorted(p.name for p in theirs.iterdir() if p.is_dir())
    assert len(locales) >= 2  # the sample has English and Russian units
    for locale in locales:
        mine = _contents(ours / locale)
        assert mine["postings"]
        assert mine == _contents(theirs / locale)
