"""`kb publish` names the units it left out by publish_after or expires, as text and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kb import KnowledgeBase
from tests.cli.conftest import Run
from tests.conftest import make_unit


def test_kb_publish_names_the_units_it_left_out(kb: KnowledgeBase, run: Run) -> None:
    kb.save_unit(make_unit("always"), author="ann")
    later = datetime(2099, 1, 1, tzinfo=UTC)
    kb.save_unit(make_unit("price-2099", publish_after=later), author="ann")
    kb.save_unit(make_unit("old-offer", expires=datetime(2020, 1, 1, tzinfo=UTC)), author="ann")
    text = run("publish", "--dry-run").stdout
    assert "Left out (publish_after not reached): price-2099 (en)" in text
    assert "Left out (expired): old-offer (en)" in text
    published = json.loads(run("publish", "--json").stdout)
    assert published["not_yet"] == [{"unit_id": "price-2099", "locale": "en"}]
    assert published["expired"] == [{"unit_id": "old-offer", "locale": "en"}]
    assert set(kb.snapshot().units) == {("always", "en")}
