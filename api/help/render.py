"""The help center's templates (api/templates/help, Jinja2 with autoescaping on): one
environment for every page, loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["TEMPLATES", "render"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _environment() -> Environment:
    """Autoescaping everywhere (content is escaped unless a renderer made it safe HTML), and an
    undefined name is an error rather than an empty string on a customer's page."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> str:
    """Template `help/<name>` filled with `context`."""
    return _environment().get_template(f"help/{name}").render(**context)
