"""KB_HEADER_TIMEOUT_SECONDS and KB_MAX_CONNECTIONS: what a server worker allows its clients,
with defaults that hold without any setting and clear errors for values that cannot work."""

from __future__ import annotations

import pytest

from kb.errors import ConfigError
from kb.settings import Settings

BASE = {"KB_DATA_DIR": "/tmp/kb"}


def test_without_settings_a_head_has_ten_seconds_and_a_worker_4096_connections() -> None:
    settings = Settings.from_env(BASE)
    assert (settings.header_timeout_seconds, settings.max_connections) == (10.0, 4096)


def test_both_are_read_from_the_environment() -> None:
    env = {**BASE, "KB_HEADER_TIMEOUT_SECONDS": "2.5", "KB_MAX_CONNECTIONS": " 200 "}
    settings = Settings.from_env(env)
    assert (settings.header_timeout_seconds, settings.max_connections) == (2.5, 200)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KB_HEADER_TIMEOUT_SECONDS", "0", "more than 0 and at most 3600 seconds, not 0"),
        ("KB_HEADER_TIMEOUT_SECONDS", "soon", "must be a number of seconds"),
        ("KB_MAX_CONNECTIONS", "0", "between 1 and 1000000, not 0"),
        ("KB_MAX_CONNECTIONS", "1.5", "a whole number of connections, not '1.5'"),
    ],
)
def test_a_value_that_cannot_work_is_refused_naming_the_setting(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=name) as refused:
        Settings.from_env({**BASE, name: value})
    assert message in str(refused.value)
