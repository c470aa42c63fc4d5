"""Fixtures for the help center's tests: the sample content published, and the app around it.
Kept generic (no page's expectations in them), shared by the page and SEO file tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from importers import read_folder
from kb import KnowledgeBase
from kb.settings import DEFAULT_CHANNELS
from tests.conftest import SAMPLE_CONTENT


@pytest.fixture
def sample(kb: KnowledgeBase) -> KnowledgeBase:
    """The sample knowledge base (English and Russian), imported and published as release 1."""
    kb.import_content(read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS), author="t")
    kb.publish(author="t")
    return kb


@pytest.fixture
def sample_site(sample: KnowledgeBase) -> Iterator[TestClient]:
    """The real app, started, around the published sample; redirects are not followed."""
    with TestClient(create_app(sample), follow_redirects=False) as client:
        yield client
