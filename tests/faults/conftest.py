"""Fault tests run on words alone (`KB_ENCODER=none`): what they prove does not depend on the
sentence encoder, and loading it in every process they start would cost minutes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kb import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test database's settings, matching on words alone."""
    return replace(settings, encoder="none")


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    """The environment of the commands and servers a test starts, on words alone."""
    return {**env, "KB_ENCODER": "none"}
