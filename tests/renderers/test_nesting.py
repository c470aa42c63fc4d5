"""Deep nesting loses no text in any channel, `kb check` refuses what the parser cannot hold, and
`:::` blocks nest inside one another with fences of the same length."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from kb import KnowledgeBase
from kb.content.markdown import MAX_NESTING, parse_body
from kb.content.nesting import lost_line
from renderers import registry
from renderers.base import Renderer
from tests.conftest import make_unit
from tests.renderers.conftest import render

CHANNELS = registry.renderers()


def deep_list(levels: int) -> str:
    """A list nested `levels` deep, one item per level, each indented under the one before."""
    return "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(levels))


def everything(renderer: Renderer, body: str) -> str:
    """All a channel gives for `body`: its main body and every extra field."""
    return json.dumps(render(renderer, body).to_json(), ensure_ascii=False)


@pytest.mark.parametrize("renderer", CHANNELS, ids=lambda r: r.name)
def test_text_after_a_list_ten_deep_shows_in_every_channel(renderer: Renderer) -> None:
    # markdown-it's default limit (20 levels, a list counting two) dropped the rest of the body.
    shown = everything(renderer, deep_list(10) + "\nAfter the list.\n")
    assert "After the list." in shown
    if renderer.name in ("web", "operator"):  # the others read the short answer only
        assert "level 10" in shown


@pytest.mark.parametrize("renderer", CHANNELS, ids=lambda r: r.name)
def test_the_deepest_of_twenty_quotes_shows_in_every_channel(renderer: Renderer) -> None:
    deep = ">" * 20 + " The deepest quote."
    shown = everything(renderer, f"{deep}\n\n::: only {renderer.name}\n{deep}\n:::\n")
    assert "The deepest quote." in shown


@pytest.mark.parametrize("channel", ["web", "operator"])
def test_quotes_and_lists_as_deep_as_the_limit_allows_lose_nothing(channel: str) -> None:
    quotes = ">" * (MAX_NESTING - 1) + " The deepest quote."
    lists = deep_list(MAX_NESTING // 2 - 1)
    body = f"{quotes}\n\n{lists}\nAfter the list.\n"
    shown = everything(registry.get(channel), body)
    assert "The deepest quote." in shown
    assert f"level {MAX_NESTING // 2 - 1}" in shown and "After the list." in shown
    assert lost_line(parse_body(body).tokens) is None  # so `kb check` lets it through


def test_kb_check_refuses_a_body_nested_past_the_limit_naming_its_line(
    kb: KnowledgeBase, env: dict[str, str]
) -> None:
    body = "Intro.\n\n" + deep_list(MAX_NESTING // 2) + "\nAfter the list.\n"
    kb.save_unit(make_unit("deep-list", body=body), author="ann")
    kb.save_unit(make_unit("deep-quote", body=">" * MAX_NESTING + " Lost.\n"), author="ann")

    result = CliRunner().invoke(app, ["check", "--json"], env=env)

    assert result.exit_code == 1, result.output
    found = {
        f["unit_id"]: f["message"] for f in json.loads(result.stdout)["findings"]
        if f["code"] == "too-deep" and f["severity"] == "error"
    }  # fmt: skip
    # The list's last item (body line 2 + its depth) and the quote's only line hold the loss.
    assert found["deep-list"].startswith(f"body line {2 + MAX_NESTING // 2}: ")
    assert found["deep-quote"].startswith("body line 1: ")
    assert f"at most {MAX_NESTING - 1} levels" in found["deep-list"]


#: The second block names every channel but the web (and the operator, whose copy reads as it).
SAME_FENCES = """\
Intro.

::: only web
Web text first.

::: internal
Staff note.
:::

Web text after.
:::

::: only {others}
Said first.

::: internal
Staff note.
:::

Said after.
:::

After both.
""".format(others=" ".join(n for n in registry.names() if n not in ("web", "operator")))


@pytest.mark.parametrize("renderer", CHANNELS, ids=lambda r: r.name)
def test_a_block_inside_a_block_with_the_same_fence_leaves_no_stray_colons(
    renderer: Renderer,
) -> None:
    shown = everything(renderer, SAME_FENCES)
    assert ":::" not in shown
    assert "Staff note." not in shown
    # What follows the note belongs to the outer block, as what precedes it does.
    assert "Web text first." in shown or "Said first." in shown
    assert ("Web text after." in shown) == ("Web text first." in shown)
    assert ("Said after." in shown) == ("Said first." in shown)


def test_blocks_of_the_same_fence_nest_inside_a_list_item() -> None:
    body = (
        "::: only web\n"
        "- An item.\n"
        "  ::: internal\n"
        "  Staff note.\n"
        "  :::\n"
        "- Another item.\n"
        ":::\n"
        "\n"
        "For everyone.\n"
    )
    html = render(registry.get("web"), body).body
    assert "Staff note." not in html and ":::" not in html
    assert "Another item." in html and "For everyone." in html
    chat = render(registry.get("chatbot"), body).body
    assert "For everyone." in chat and "Another item." not in chat
