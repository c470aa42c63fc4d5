"""Fixtures for API tests: the real app around a real knowledge base, and keys of each role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import KnowledgeBase


@pytest.fixture
def key(kb: KnowledgeBase) -> Callable[[str], dict[str, str]]:
    """Create a key with a role and return the Authorization header that carries it."""

    def make(role: str) -> dict[str, str]:
        secret = kb.create_key(name=f"{role} key", role=role, author="tester").secret
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def api(kb: KnowledgeBase) -> Iterator[TestClient]:
    """A client of the real app, started (lifespan run) around `kb`."""
    with TestClient(create_app(kb)) as client:
        yield client
