"""Bidi overrides, embeddings and isolates written into a unit never reach a channel's output,
and `kb check` warns about each one; the implicit direction marks stay.

The fixture shows every invisible format character as <U+XXXX>: the input has the controls,
the web and IVR outputs must not. Rewrite it with `KB_UPDATE_FIXTURES=1` after an intended
change and review the diff.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

from renderers import registry
from renderers.base import RenderContext
from renderers.bidi import BIDI_CONTROLS
from renderers.checks import check_unit
from tests.renderers.conftest import TODAY, snapshot_with, stored

FIXTURES = Path(__file__).parent / "fixtures"
UPDATE = os.environ.get("KB_UPDATE_FIXTURES") == "1"
TITLE = "Calling \u202eus from abroad\u202c"


def visible(text: str) -> str:
    """`text` with each invisible format character (Unicode category Cf) spelled out."""
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) == "Cf" else c for c in text)


def _context() -> RenderContext:
    body = (FIXTURES / "bidi_controls.md").read_text(encoding="utf-8")
    unit = stored("calling-abroad", title=TITLE, body=body)
    return RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)


def _outputs(context: RenderContext) -> str:
    parts = [f"=== input\n--- title\n{TITLE}\n--- body\n{context.unit.document.body}"]
    for channel in ("web", "ivr"):
        rendering = registry.get(channel).render(context)
        data = json.dumps(dict(rendering.data), ensure_ascii=False, indent=1, sort_keys=True)
        parts.append(f"=== {channel}\n--- output\n{rendering.body.rstrip()}\n--- data\n{data}\n")
    return visible("\n".join(parts))


def test_web_and_ivr_output_of_a_unit_with_bidi_controls_matches_the_fixture_file() -> None:
    path = FIXTURES / "bidi_controls.txt"
    expected = _outputs(_context())
    if UPDATE:
        path.write_text(expected, encoding="utf-8")

    assert path.read_text(encoding="utf-8") == expected
    # The fixture was reviewed to show the controls in the input only, and the LRM kept.
    _, _, outputs = expected.partition("=== web")
    assert "<U+202E>" in expected and "<U+202E>" not in outputs
    assert "<U+200E>" in outputs.partition("=== ivr")[0]  # the web keeps the implicit mark


def test_no_channel_outputs_a_bidi_control_anywhere_in_its_rendering() -> None:
    context = _context()
    for renderer in registry.renderers():
        rendering = renderer.render(context)
        everything = rendering.body + json.dumps(dict(rendering.data), ensure_ascii=False)
        assert not BIDI_CONTROLS.search(everything), (renderer.name, visible(everything))
        # The text itself stays (a MarkdownV2 body escapes its "+" with a backslash).
        assert "0000 6497 02 44+" in rendering.body.replace("\\", ""), renderer.name


def test_kb_check_warns_about_each_bidi_control_with_where_it_is() -> None:
    _, findings = check_unit(_context(), registry.renderers())

    warnings = [f for f in findings if f.code == "bidi-control"]

    assert [f.message.split(" can show")[0] for f in warnings] == [
        "title: U+202E RIGHT-TO-LEFT OVERRIDE",
        "title: U+202C POP DIRECTIONAL FORMATTING",
        "body line 1: U+202E RIGHT-TO-LEFT OVERRIDE",
        "body line 1: U+202C POP DIRECTIONAL FORMATTING",
        "body line 3: U+2067 RIGHT-TO-LEFT ISOLATE",
        "body line 3: U+2069 POP DIRECTIONAL ISOLATE",
        "body line 3: U+202B RIGHT-TO-LEFT EMBEDDING",
        "body line 3: U+202C POP DIRECTIONAL FORMATTING",
        "body line 6: U+202D LEFT-TO-RIGHT OVERRIDE",
        "body line 6: U+202C POP DIRECTIONAL FORMATTING",
    ]
    assert all(not f.blocking and f.channel is None for f in warnings)
