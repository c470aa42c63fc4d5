"""Delivery bodies are encoded as the routes build them, without validating them again (issue
22): every body must therefore be byte for byte what its documented model would send."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.schemas import AnswerOut, FaqOut, ReleaseOut, SearchOut, UnitOut
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT

#: Requests of every delivery route: every channel, both locales, answered, clarify and refused
#: answers, searches with and without hits and corrections, units with each channel's extras.
REQUESTS: list[tuple[str, dict[str, str], type[BaseModel]]] = [
    *[
        ("/api/v1/answer", {"q": q, "channel": channel}, AnswerOut)
        for q in ("what is my balance", "у меня украли телефон", "roaming", "weather in Lisbon")
        for channel in ("chatbot", "web", "ivr", "operator")
    ],
    ("/api/v1/answer", {"q": "pin", "locale": "xx"}, AnswerOut),
    *[
        ("/api/v1/search", {"q": q, "channel": channel}, SearchOut)
        for q in ("roaming", "roamng", "баланс", "zzzz", "")
        for channel in ("web", "operator")
    ],
    ("/api/v1/search", {"q": "sim", "category": "billing", "limit": "2"}, SearchOut),
    *[
        ("/api/v1/units/check-balance", {"channel": channel, "locale": locale}, UnitOut)
        for channel in ("web", "chatbot", "ivr", "operator")
        for locale in ("en", "ru", "xx")
    ],
    *[("/api/v1/faq", {"locale": locale}, FaqOut) for locale in ("en", "ru", "xx")],
    ("/api/v1/faq", {"category": "billing"}, FaqOut),
    ("/api/v1/releases/current", {}, ReleaseOut),
]


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


def test_every_delivery_body_is_what_its_model_would_send(
    api: TestClient, sample: KnowledgeBase, key: Callable[[str], dict[str, str]]
) -> None:
    operator = key("operator")
    for path, params, model in REQUESTS:
        response = api.get(path, params=params, headers=operator)
        assert response.status_code == 200, (path, params, response.text)
        # Validated and encoded again by the model: the same bytes, so no field is missing,
        # out of order, extra or of another JSON type.
        remade = model.model_validate_json(response.content).model_dump_json().encode()
        assert response.content == remade, (path, params)


def test_a_delivery_body_is_sent_without_validating_it_again(
    api: TestClient, sample: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated again")

    for model in (AnswerOut, SearchOut, UnitOut, FaqOut):
        monkeypatch.setattr(model, "model_validate", classmethod(refused))

    for path, params in (
        ("/api/v1/answer", {"q": "what is my balance"}),
        ("/api/v1/search", {"q": "roaming"}),
        ("/api/v1/units/check-balance", {"channel": "ivr"}),
        ("/api/v1/faq", {}),
    ):
        assert api.get(path, params=params).status_code == 200, path
