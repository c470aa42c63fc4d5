"""KB_RESPONSE_CACHE_MB: the memory a server worker keeps for responses, read and checked once."""

from __future__ import annotations

import re

import pytest

from kb.errors import ConfigError
from kb.settings import Settings


def test_the_response_cache_keeps_64_megabytes_unless_told_otherwise() -> None:
    assert Settings.from_env({"KB_DATA_DIR": "/tmp/kb"}).response_cache_mb == 64
    env = {"KB_DATA_DIR": "/tmp/kb", "KB_RESPONSE_CACHE_MB": " 16 "}
    assert Settings.from_env(env).response_cache_mb == 16


@pytest.mark.parametrize(
    ("bad", "says"),
    [("lots", "a whole number of megabytes"), ("1.5", "a whole number"), ("-1", "between 0")],
)
def test_a_response_cache_size_that_is_not_a_count_of_megabytes_is_refused(
    bad: str, says: str
) -> None:
    refusal = rf"KB_RESPONSE_CACHE_MB must be {says}.*{re.escape(bad)}"
    with pytest.raises(ConfigError, match=refusal):
        Settings.from_env({"KB_DATA_DIR": "/tmp/kb", "KB_RESPONSE_CACHE_MB": bad})
