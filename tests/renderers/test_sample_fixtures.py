"""Channel outputs of the whole sample knowledge base, pinned in one fixture file per channel.

Each case shows the unit's Markdown and what the channel makes of it, side by side. After an
intended change, rewrite the files with `KB_UPDATE_FIXTURES=1 pytest tests/renderers` and
review the diff like any other change. They are rendered as a site with `KB_PUBLIC_URL` set
shows them, so the plain-text channels' links to other units read as absolute addresses.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kb import Snapshot
from renderers import registry
from renderers.base import RenderContext
from renderers.checks import enabled_renderers
from tests.renderers.conftest import TODAY, snapshot_with, stored

FIXTURES = Path(__file__).parent / "fixtures"
#: Every built-in channel: a new one is covered as soon as renderers/__init__.py registers it.
CHANNELS = registry.names()
UPDATE = os.environ.get("KB_UPDATE_FIXTURES") == "1"
PUBLIC_URL = "https://help.aurora-mobile.example"


def _case(snapshot: Snapshot, unit_key: tuple[str, str], channel: str) -> str:
    unit = snapshot.units[unit_key]
    rendering = registry.get(channel).render(
        RenderContext.from_snapshot(snapshot, unit, today=TODAY, public_url=PUBLIC_URL)
    )
    data = json.dumps(dict(rendering.data), ensure_ascii=False, indent=1, sort_keys=True)
    return (
        f"=== {unit_key[0]} {unit_key[1]} ===\n--- input\n{unit.document.body}\n"
        f"--- output\n{rendering.body.rstrip()}\n--- data\n{data}\n"
    )


def _expected_cases(snapshot: Snapshot, channel: str) -> dict[tuple[str, str], str]:
    renderer = registry.get(channel)
    return {
        unit.key: _case(snapshot, unit.key, channel)
        for unit in snapshot.iter_units()
        if enabled_renderers(unit, [renderer])
    }


def _read_cases(path: Path) -> dict[tuple[str, str], str]:
    cases: dict[tuple[str, str], str] = {}
    for chunk in path.read_text(encoding="utf-8").split("\n=== ")[0:]:
        chunk = chunk if chunk.startswith("=== ") else f"=== {chunk}"
        header = chunk.split("\n", 1)[0].strip("= ").split()
        cases[(header[0], header[1])] = chunk if chunk.endswith("\n") else chunk + "\n"
    return cases


@pytest.mark.parametrize("channel", CHANNELS)
def test_sample_outputs_match_the_fixture_file(sample_snapshot: Snapshot, channel: str) -> None:
    path = FIXTURES / f"sample_{channel}.txt"
    expected = _expected_cases(sample_snapshot, channel)
    if UPDATE:
        path.write_text("\n".join(expected.values()), encoding="utf-8")
    pinned = _read_cases(path)
    assert sorted(pinned) == sorted(expected), "units added or removed: update the fixtures"
    for key, case in expected.items():
        assert pinned[key] == case, f"{channel} output of {key} changed"


def _plain_texts() -> str:
    """The kitchen sink's copy-ready text, with and without a public URL: every inline form
    (emphasis, code, web, unit and snippet links, images) as plain text shows it."""
    kitchen_sink = (FIXTURES / "kitchen_sink.md").read_text(encoding="utf-8")
    unit = stored(body=kitchen_sink)
    snapshot = snapshot_with(unit)
    parts = []
    for public_url in (PUBLIC_URL, None):
        context = RenderContext.from_snapshot(snapshot, unit, today=TODAY, public_url=public_url)
        copy_text = registry.get("operator").render(context).data["copy_text"]
        parts.append(f"=== copy_text, KB_PUBLIC_URL={public_url or ''} ===\n{copy_text}\n")
    return "\n".join(parts)


def test_plain_text_of_the_kitchen_sink_matches_the_fixture_file() -> None:
    path = FIXTURES / "kitchen_sink_plain_text.txt"
    expected = _plain_texts()
    if UPDATE:
        path.write_text(expected, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == expected
