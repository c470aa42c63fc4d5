"""The consistency tests run `kb` as the command-line tests do (the `run` fixture)."""

from tests.cli.conftest import run

__all__ = ["run"]
