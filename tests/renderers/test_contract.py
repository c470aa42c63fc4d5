"""What every channel promises: a rule for every token, errors for unknown ones, no mutation."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from kb import Snapshot
from kb.content.markdown import KNOWN_TOKEN_TYPES, ParsedBody, iter_tokens, parse_body
from renderers import registry
from renderers.base import RenderContext, UnknownToken
from renderers.checks import enabled_renderers
from tests.renderers.conftest import TODAY, render, snapshot_with, stored

KITCHEN_SINK = (Path(__file__).parent / "fixtures" / "kitchen_sink.md").read_text(encoding="utf-8")
#: Every built-in channel: a new one is covered as soon as renderers/__init__.py registers it.
BUILT_IN = registry.names()


def test_the_first_four_channels_are_registered() -> None:
    assert {"web", "chatbot", "operator", "ivr"} <= set(BUILT_IN)


@pytest.mark.parametrize("channel", BUILT_IN)
def test_every_channel_has_a_rule_for_every_token_type(channel: str) -> None:
    rules = registry.get(channel).rules
    assert set(rules) == KNOWN_TOKEN_TYPES


@pytest.mark.parametrize("channel", BUILT_IN)
def test_rule_tables_are_read_only(channel: str) -> None:
    with pytest.raises(TypeError):
        registry.get(channel).rules["text"] = None  # type: ignore[index]


def test_kitchen_sink_uses_every_token_type() -> None:
    emitted = {t.type for t in iter_tokens(parse_body(KITCHEN_SINK).tokens)}
    assert emitted == KNOWN_TOKEN_TYPES


def test_parser_emits_only_known_types_on_the_sample(sample_snapshot: Snapshot) -> None:
    for unit in sample_snapshot.iter_units():
        emitted = {t.type for t in iter_tokens(parse_body(unit.document.body).tokens)}
        assert emitted <= KNOWN_TOKEN_TYPES, (unit.key, emitted - KNOWN_TOKEN_TYPES)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab \n*_`#>-+1.|:[]()!<&{}~\\=")), max_size=200))
def test_parser_emits_only_known_types_on_any_text(text: str) -> None:
    emitted = {t.type for t in iter_tokens(parse_body(text).tokens)}
    assert emitted <= KNOWN_TOKEN_TYPES, emitted - KNOWN_TOKEN_TYPES


@pytest.mark.parametrize("channel", BUILT_IN)
def test_unknown_token_type_is_an_error_not_silence(channel: str) -> None:
    unit = stored(body="Hello.")
    context = RenderContext.from_snapshot(snapshot_with(unit), unit, today=TODAY)
    mystery = Token("mystery_block", "", 0, content="where did I go?")
    paragraph = (Token("paragraph_open", "p", 1), Token("paragraph_close", "p", -1))
    tokens = (paragraph[0], mystery, paragraph[1])
    strange = RenderContext(**{**context.__dict__, "parsed": ParsedBody(tokens, frozenset(), ())})
    with pytest.raises(UnknownToken, match="mystery_block"):
        registry.get(channel).render(strange)


def _freeze(tokens: tuple[Token, ...]) -> list[dict[str, object]]:
    return [t.as_dict() for t in tokens]


def test_rendering_twice_in_every_channel_gives_identical_output(
    sample_snapshot: Snapshot,
) -> None:
    for unit in sample_snapshot.iter_units():
        context = RenderContext.from_snapshot(sample_snapshot, unit, today=TODAY)
        before = copy.deepcopy(_freeze(context.parsed.tokens))
        channels = enabled_renderers(unit, registry.renderers())
        first = [r.render(context) for r in channels]
        second = [r.render(context) for r in reversed(channels)]
        assert first == list(reversed(second)), unit.key
        assert _freeze(context.parsed.tokens) == before, f"{unit.key}: tokens were changed"


def test_kitchen_sink_renders_in_every_channel_without_mutating_the_parse() -> None:
    before = copy.deepcopy(_freeze(parse_body(KITCHEN_SINK).tokens))
    for renderer in registry.renderers():
        assert render(renderer, KITCHEN_SINK) == render(renderer, KITCHEN_SINK)
    assert _freeze(parse_body(KITCHEN_SINK).tokens) == before
