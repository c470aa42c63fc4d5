"""Bodies' index words are kept when units are saved, so a release's index build parses none."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from kb import KnowledgeBase
from kb.answers import recipe as recipe_module
from kb.answers import services
from kb.answers.encoding.cache import EmbeddingCache
from kb.answers.hybrid import UnitVectors
from kb.answers.recipe import MatcherRecipe
from kb.content import markdown
from kb.content.markdown import forget_parses, has_body_text, parse_body
from kb.settings import Settings
from kb.store.revisions import stored_body_texts
from renderers.checks import publish_gate
from tests.conftest import make_unit
from tests.kb.test_publish_memory import HashEncoder

BODIES = {
    "top-up": "Dial *111# to top up.\n\n::: internal\nRefund by hand if the code fails.\n:::",
    "roaming": "Turn on **roaming** in Settings before you travel.",
    "esim": "Scan the QR code from the shop.\n\n- Open Settings\n- Add an eSIM",
    "goodwill": "Payments take five days.\n\n::: only operator\nOffer a goodwill credit.\n:::",
}


@pytest.fixture
def cold() -> Iterator[None]:
    """Start with no body parsed in this process (as a freshly started server)."""
    forget_parses()
    yield
    forget_parses()


def save_units(kb: KnowledgeBase) -> None:
    for unit_id, body in BODIES.items():
        kb.save_unit(make_unit(unit_id, body=body, questions=(f"about {unit_id}",)), author="t")


def test_saved_bodies_keep_the_words_a_parse_gives(kb: KnowledgeBase) -> None:
    save_units(kb)
    with kb.db.read() as session:
        stored = stored_body_texts(session, BODIES.values())
    assert set(stored) == set(BODIES.values())
    for body, words in stored.items():
        parsed = parse_body(body)
        assert words == parsed.words
    assert "Refund by hand" in stored[BODIES["top-up"]][1]
    assert "Refund" not in stored[BODIES["top-up"]][0]
    assert stored[BODIES["goodwill"]].only == (("operator", "Offer a goodwill credit."),)
    assert "goodwill" not in stored[BODIES["goodwill"]].public


def another_machine(settings: Settings, tmp_path: Path) -> KnowledgeBase:
    """The same database with an index folder of its own, as a second server would have."""
    return KnowledgeBase.open(replace(settings, data_dir=tmp_path / "elsewhere"))


def test_building_a_release_elsewhere_parses_no_saved_body(
    kb: KnowledgeBase, settings: Settings, tmp_path: Path, cold: None
) -> None:
    save_units(kb)
    kb.publish(author="t")
    forget_parses()
    with another_machine(settings, tmp_path) as other:
        results, _ = other.search("roaming", locale="en")
        internal, _ = other.search("refund", locale="en")
        staff, _ = other.search("refund", locale="en", staff=True)
    assert parse_body.cache_info().misses == 0
    assert [h.unit_id for h in results.hits] == ["roaming"]
    assert internal.hits == ()
    assert [h.unit_id for h in staff.hits] == ["top-up"]


def test_words_kept_under_another_extraction_version_are_parsed_again(
    kb: KnowledgeBase,
    settings: Settings,
    tmp_path: Path,
    cold: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_units(kb)
    kb.publish(author="t")
    forget_parses()
    monkeypatch.setattr(markdown, "BODY_TEXT_VERSION", markdown.BODY_TEXT_VERSION + 1)
    with another_machine(settings, tmp_path) as other:
        results, _ = other.search("roaming", locale="en")
    assert parse_body.cache_info().misses == len(BODIES)
    assert [h.unit_id for h in results.hits] == ["roaming"]


def test_saving_the_same_body_twice_keeps_one_row(kb: KnowledgeBase) -> None:
    body = BODIES["roaming"]
    kb.save_unit(make_unit("a", body=body), author="t")
    kb.save_unit(make_unit("b", body=body), author="t")
    kb.save_unit(make_unit("a", body=body, title="Renamed"), author="t")
    with kb.db.read() as session:
        count = session.execute(text("SELECT count(*) FROM body_text")).scalar_one()
    assert count == 1


def test_a_publish_keeps_neither_tokens_nor_words_of_its_bodies_once_built(
    kb: KnowledgeBase, cold: None
) -> None:
    # Issue 22: at 40,000 units the rendering check's tokens and the index's words stayed in
    # the publishing process while it opened the new release (1.31 GB at its peak, 0.83 after).
    save_units(kb)
    kb.publish(author="t", gate=publish_gate())  # renders every unit in every channel
    assert parse_body.cache_info().currsize == 0
    assert not any(has_body_text(body) for body in BODIES.values())
    results, _ = kb.search("roaming", locale="en")  # what a search shows is parsed again
    assert [h.unit_id for h in results.hits] == ["roaming"]


class _Probing(HashEncoder):
    """The stand-in model, noting how many of the bodies' words are held when it encodes."""

    def __init__(self) -> None:
        self.held: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.held.append(sum(has_body_text(body) for body in BODIES.values()))
        return super().encode(texts)


def test_units_are_encoded_for_search_once_their_bodies_words_are_let_go(
    kb: KnowledgeBase, cold: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 22: at 40,000 units the index's words and the encoder's model were held together.
    save_units(kb)
    snapshot = kb.drafts()
    for body in BODIES.values():
        markdown.body_text(body)  # as the index build leaves them
    probing = _Probing()
    monkeypatch.setattr(recipe_module, "get_encoder", lambda name: probing)
    services._save_meaning(snapshot, MatcherRecipe("probe", tmp_path), tmp_path)
    assert probing.held and set(probing.held) == {0}
    saved = UnitVectors.load(tmp_path)
    assert saved is not None and sorted(saved.ids["en"]) == sorted(BODIES)
    expected = UnitVectors.build(snapshot, EmbeddingCache(None, HashEncoder()))
    assert np.array_equal(saved.vectors["en"], expected.vectors["en"])
