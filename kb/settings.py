"""Typed settings for the service; the only module that reads the environment."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_CHANNELS", "Settings"]

#: The channels a unit may name; the renderer registry provides the real list at run time.
DEFAULT_CHANNELS: tuple[str, ...] = ("web", "chatbot", "operator", "ivr")


def _default_data_dir(env: Mapping[str, str]) -> Path:
    """Follow the XDG convention so the embedded store lives where user data belongs."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kb"


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with; built from the environment or by hand."""

    data_dir: Path
    database_url: str | None = None
    default_locale: str = "en"
    channels: tuple[str, ...] = field(default=DEFAULT_CHANNELS)
    author: str = "kb"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `KB_DATA_DIR`, `KB_DATABASE_URL`, `KB_DEFAULT_LOCALE` and `KB_AUTHOR`."""
        env = os.environ if env is None else env
        data_dir = env.get("KB_DATA_DIR")
        return cls(
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(env),
            database_url=env.get("KB_DATABASE_URL") or None,
            default_locale=env.get("KB_DEFAULT_LOCALE") or "en",
            author=env.get("KB_AUTHOR") or _login_name(),
        )

    @property
    def sqlalchemy_url(self) -> str:
        """The URL the engine connects to: PostgreSQL when configured, else SQLite in data_dir."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'kb.sqlite3'}"


def normalize_database_url(url: str) -> str:
    """Accept the plain `postgresql://` form users copy from their hosting and pick psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _login_name() -> str:
    """Who runs the command line, recorded as the author of what it saves."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "kb"
