"""A release's index written by an older kb (another format) is rebuilt, not a server that
cannot start: the index is derived data, and the database holds all it was made from."""

from __future__ import annotations

import json
from pathlib import Path

from kb import KnowledgeBase, Settings
from tests.conftest import make_unit

BODY = "Refunds reach your card in five days.\n\n::: only operator\nOffer goodwill credit.\n:::"


def test_an_index_in_an_older_format_is_rebuilt_when_the_release_is_opened(
    settings: Settings,
) -> None:
    with KnowledgeBase.open(settings) as kb:
        kb.save_unit(make_unit("refunds", body=BODY, questions=("where is my refund",)), author="t")
        kb.publish(author="t")
    manifests = list(Path(settings.data_dir).rglob("manifest.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    current = manifest["format"]
    manifests[0].write_text(json.dumps({**manifest, "format": current - 1}))

    with KnowledgeBase.open(settings) as kb:
        results, release = kb.search("goodwill", staff=True)
        public, _ = kb.search("goodwill", channel="web")
    assert release == 1 and [h.unit_id for h in results.hits] == ["refunds"]
    assert public.total == 0
    rebuilt = [json.loads(p.read_text()) for p in Path(settings.data_dir).rglob("manifest.json")]
    assert [m["format"] for m in rebuilt] == [current]
