"""KB_PUBLIC_URL: the help pages' public address, read once and checked where it is read."""

from __future__ import annotations

import pytest

from kb.errors import ConfigError
from kb.settings import Settings


def test_public_url_is_read_without_its_trailing_slash() -> None:
    env = {"KB_DATA_DIR": "/tmp/kb", "KB_PUBLIC_URL": " https://help.example.com/kb/ "}
    assert Settings.from_env(env).public_url == "https://help.example.com/kb"


def test_public_url_is_unset_by_default() -> None:
    assert Settings.from_env({"KB_DATA_DIR": "/tmp/kb"}).public_url is None


@pytest.mark.parametrize(
    "bad",
    ["help.example.com", "ftp://help.example.com", "https://help.example.com/?a=1", "https://h/#x"],
)
def test_a_public_url_that_is_not_an_absolute_web_address_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"KB_PUBLIC_URL takes an absolute base URL"):
        Settings.from_env({"KB_DATA_DIR": "/tmp/kb", "KB_PUBLIC_URL": bad})
