"""A search in channel C matches, shows, corrects to and completes only what channel C renders.

`::: only` blocks are content for one channel (an operator's script, a web form): a customer's
search in another channel must not find the unit by those words, show them in a snippet, offer
them as "did you mean" or complete a prefix into them. Staff keep the full view. Every test
runs on both engines, on indexes built from Markdown bodies as a release builds them; the
property test takes the renderers as the oracle of what each channel shows.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import Snapshot, StoredUnit
from kb.content.markdown import body_text
from kb.search import (
    SearchEngine,
    SearchIndex,
    SearchQuery,
    SearchResults,
    get_engine,
    indexed_units,
)
from renderers import registry
from tests.conftest import make_unit
from tests.renderers.conftest import render

#: A word per channel, written only inside that channel's `::: only` block. They share a prefix,
#: so completing it shows which of them an asker's vocabulary holds.
MARKERS = {
    "web": "quixoweb",
    "chatbot": "quixochat",
    "operator": "quixotical",
    "ivr": "quixoivr",
}
PREFIX = "quixo"
CUSTOMER_CHANNELS = tuple(r.name for r in registry.renderers() if not r.for_staff)

REFUND = """Refunds reach your card in five days.

::: only operator
Offer the quixotical goodwill credit when the customer insists.
:::

::: only web
Fill in the quixoweb refund form online.
:::

::: only chatbot ivr
Say quixochat when asked for a refund code.
:::
"""


def snapshot_of(*bodies: tuple[str, str]) -> Snapshot:
    """A release of units with the given (id, body)."""
    units = {}
    for number, (unit_id, body) in enumerate(bodies, start=1):
        doc = make_unit(unit_id, body=body, title=f"About {unit_id}")
        units[doc.key] = StoredUnit(doc, 1, number, "t", datetime(2026, 12, 1, tzinfo=UTC), "", "")
    return Snapshot(release=None, units=units, snippets={})


def build(engine: SearchEngine, folder: Path, snapshot: Snapshot) -> SearchIndex:
    engine.build(indexed_units(snapshot), folder)
    return engine.open(folder)


@pytest.fixture(scope="module", params=("whoosh", "tantivy"))
def engine(request: pytest.FixtureRequest) -> SearchEngine:
    return get_engine(request.param)


@pytest.fixture
def refund_index(engine: SearchEngine, tmp_path: Path) -> Iterator[SearchIndex]:
    index = build(engine, tmp_path / "index", snapshot_of(("refund", REFUND)))
    yield index
    index.close()


def search(index: SearchIndex, text: str, **options: object) -> SearchResults:
    return index.search(SearchQuery(text=text, locale="en", **options))  # type: ignore[arg-type]


def shown(results: SearchResults) -> str:
    """Everything a caller reads in the results: titles, snippets and the suggestion."""
    return " ".join([*(f"{h.title} {h.snippet}" for h in results.hits), results.did_you_mean or ""])


def test_body_words_are_split_by_the_channels_that_show_them() -> None:
    words = body_text(REFUND)
    assert "quixo" not in words.public
    assert dict(words.only) == {
        "chatbot": "Say quixochat when asked for a refund code.",
        "ivr": "Say quixochat when asked for a refund code.",
        "operator": "Offer the quixotical goodwill credit when the customer insists.",
        "web": "Fill in the quixoweb refund form online.",
    }


def test_nested_only_blocks_belong_to_the_channels_both_name() -> None:
    body = "Hi.\n\n::::: only web chatbot\nBoth.\n\n::: only chatbot ivr\nInner.\n:::\n:::::\n"
    words = body_text(body)
    assert dict(words.only) == {"chatbot": "Both.\nInner.", "web": "Both."}


@pytest.mark.parametrize("channel", ["web", "chatbot", "ivr", None])
def test_an_operator_only_word_is_not_matched_shown_corrected_or_completed_for_customers(
    refund_index: SearchIndex, channel: str | None
) -> None:
    operator = MARKERS["operator"]
    for typed, prefix in [(operator, False), (operator, True), ("quixoticl", False)]:
        results = search(refund_index, typed, channel=channel, prefix=prefix)
        assert results.hits == () and results.total == 0, typed
        assert results.did_you_mean is None, typed
    assert operator not in shown(search(refund_index, PREFIX, channel=channel))
    assert operator not in shown(search(refund_index, "refund goodwill", channel=channel))
    assert "goodwill" not in shown(search(refund_index, "refunds", channel=channel))


def test_a_channels_own_block_is_matched_shown_corrected_and_completed_in_that_channel(
    refund_index: SearchIndex,
) -> None:
    web = search(refund_index, MARKERS["web"], channel="web", prefix=False)
    assert [h.unit_id for h in web.hits] == ["refund"]
    assert f"<mark>{MARKERS['web']}</mark>" in web.hits[0].snippet
    assert search(refund_index, "quixowbe", channel="web", prefix=False).did_you_mean == "quixoweb"
    completed = search(refund_index, PREFIX, channel="web")
    assert MARKERS["web"] in shown(completed)
    assert MARKERS["chatbot"] not in shown(completed)
    for channel in ("chatbot", "ivr"):
        found = search(refund_index, MARKERS["chatbot"], channel=channel, prefix=False)
        assert [h.unit_id for h in found.hits] == ["refund"], channel
        assert search(refund_index, MARKERS["web"], channel=channel).total == 0, channel


def test_staff_keep_the_full_view(refund_index: SearchIndex) -> None:
    for marker in (MARKERS["web"], MARKERS["chatbot"], MARKERS["operator"]):
        found = search(refund_index, marker, staff=True, channel="operator", prefix=False)
        assert [h.unit_id for h in found.hits] == ["refund"], marker
        assert f"<mark>{marker}</mark>" in found.hits[0].snippet, marker
    assert search(refund_index, "quixoticl", staff=True, prefix=False).did_you_mean == "quixotical"


# --- the property: nothing a channel does not render reaches its searches ------------------

_word = st.sampled_from(["balance", "top", "up", "refund", "card", "the", "app", "now"])
_words = st.lists(_word, min_size=1, max_size=6).map(" ".join)
_channels = st.lists(st.sampled_from(list(MARKERS)), min_size=1, max_size=2, unique=True)


@st.composite
def _only_block(draw: st.DrawFn) -> str:
    """An `::: only` block (sometimes holding another) whose words include channel markers."""
    channels = draw(_channels)
    marker = MARKERS[draw(st.sampled_from(list(MARKERS)))]
    inner = f"{draw(_words)} {marker} {draw(_words)}"
    shape = draw(st.sampled_from(["paragraph", "list", "heading", "quote", "nested"]))
    if shape == "list":
        inner = f"- {draw(_words)}\n- {inner}"
    elif shape == "heading":
        inner = f"## {inner}"
    elif shape == "quote":
        inner = f"> {inner}"
    elif shape == "nested":
        deeper = " ".join(draw(_channels))
        inner = f"{draw(_words)}\n\n::: only {deeper}\n{inner}\n:::"
        return "::::: only {}\n{}\n:::::".format(" ".join(channels), inner)
    return "::: only {}\n{}\n:::".format(" ".join(channels), inner)


@st.composite
def _body(draw: st.DrawFn) -> str:
    blocks = [draw(_words) + "."]
    for _ in range(draw(st.integers(1, 4))):
        blocks.append(draw(_only_block()) if draw(st.booleans()) else draw(_words))
    if all("::: only" not in b for b in blocks):
        blocks.append(draw(_only_block()))
    return "\n\n".join(blocks)


def _rendered_words(body: str, channel: str) -> set[str]:
    renderer = registry.get(channel)
    return set(re.findall(r"quixo\w+", str(render(renderer, body).to_json())))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_body())
def test_no_search_in_a_channel_reaches_words_the_channel_does_not_render(body: str) -> None:
    for engine_name in ("whoosh", "tantivy"):
        with _TemporaryIndex(engine_name, body) as index:
            for channel in CUSTOMER_CHANNELS:
                seen = _rendered_words(body, channel)
                for marker in set(MARKERS.values()) - seen:
                    typo = marker[:-1] + "q"
                    for typed in (marker, marker[:-2], typo, PREFIX, "refund card", "the"):
                        results = search(index, typed, channel=channel)
                        assert marker not in shown(results), (engine_name, channel, typed, body)
                    assert search(index, marker, channel=channel, prefix=False).total == 0
                for marker in seen:  # honest generator: what the channel shows, it finds
                    found = search(index, marker, channel=channel, prefix=False)
                    assert found.total == 1, (engine_name, channel, marker, body)


class _TemporaryIndex:
    """An index of one unit with `body`, in a folder removed afterwards."""

    def __init__(self, engine_name: str, body: str) -> None:
        self._folder = tempfile.TemporaryDirectory()
        self._engine = get_engine(engine_name)
        self._snapshot = snapshot_of(("unit", body))

    def __enter__(self) -> SearchIndex:
        self._index = build(self._engine, Path(self._folder.name) / "index", self._snapshot)
        return self._index

    def __exit__(self, *_exc: object) -> None:
        self._index.close()
        self._folder.cleanup()
