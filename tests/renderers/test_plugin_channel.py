"""Adding a channel is one module: register it and the store, checks and API all know it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase, Settings
from renderers import registry
from renderers.checks import check_snapshot
from tests.renderers.pager_channel import PagerRenderer

UNIT = """---
id: check-balance
locale: en
title: Balance
channels: [web, pager]
---
Dial *100# for your balance.

::: only pager
Reply BAL to 12345.
:::
"""


@pytest.fixture
def pager() -> Iterator[PagerRenderer]:
    renderer = PagerRenderer()
    registry.register(renderer)
    try:
        yield renderer
    finally:
        registry.unregister("pager")


def test_a_registered_channel_is_accepted_checked_and_served(
    pager: PagerRenderer, settings: Settings
) -> None:
    with KnowledgeBase.open(settings, channels=registry.names()) as kb:
        kb.save_unit(UNIT, author="ann")
        findings = check_snapshot(kb.drafts())
        assert [str(f) for f in findings if f.blocking] == []
        kb.publish(author="ann")
        client = TestClient(create_app(kb))
        response = client.get("/api/v1/units/check-balance", params={"channel": "pager"})
    assert response.status_code == 200, response.text
    assert response.json()["content"] == "Dial *100# for your balance.\n\nReply BAL to 12345."
    assert response.json()["media_type"] == "text/plain"


def test_an_unregistered_channel_is_refused_in_front_matter(settings: Settings) -> None:
    from kb import InvalidContent

    with (
        KnowledgeBase.open(settings, channels=registry.names()) as kb,
        pytest.raises(InvalidContent, match="unknown channel pager"),
    ):
        kb.save_unit(UNIT, author="ann")


def test_registering_two_renderers_for_one_channel_is_refused(pager: PagerRenderer) -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(PagerRenderer())
