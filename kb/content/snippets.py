"""Snippets: named values shared by many units, typed so each channel can render them right."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

import yaml

from kb.content.document import Origin, canonical_hash, validate_locale
from kb.content.yamlsource import load_yaml
from kb.errors import InvalidContent, Problem

__all__ = [
    "SnippetDocument",
    "SnippetType",
    "dump_snippet_file",
    "parse_snippet_file",
    "validate_snippet",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PHONE = re.compile(r"^\+\d[\d ]{2,22}\d$")
_MONEY = re.compile(r"^\d+(?:\.\d{1,2})? [A-Z]{3}$")


class SnippetType(StrEnum):
    """What a snippet holds; the type decides how each channel renders it."""

    TEXT = "text"
    PHONE = "phone"
    MONEY = "money"
    DATE = "date"
    URL = "url"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class SnippetDocument:
    """One snippet in one locale, as written in `snippets/<locale>.yaml`."""

    name: str
    locale: str
    type: SnippetType
    value: str
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """A snippet's identity: its name within a locale."""
        return (self.name, self.locale)

    @property
    def content_hash(self) -> str:
        """Hash of the snippet's meaning, so an unchanged re-import stores nothing."""
        return canonical_hash(
            {"name": self.name, "locale": self.locale, "type": str(self.type), "value": self.value}
        )


def _value_problem(kind: SnippetType, value: str) -> str | None:
    """Why `value` is not a valid snippet of type `kind`, or None."""
    if kind is SnippetType.TEXT and "\n" in value.strip():
        return "a text snippet is one line; use type markdown for longer fragments"
    if kind is SnippetType.PHONE and not _PHONE.match(value):
        return "a phone number is '+' and digits, spaces allowed between groups: +44 20 7946 0000"
    if kind is SnippetType.MONEY and not _MONEY.match(value):
        return "money is an amount and an ISO currency code: 12.99 GBP"
    if kind is SnippetType.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return "a date is written YYYY-MM-DD"
    if kind is SnippetType.URL:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "a url starts with https:// (or http://) and names a host"
    if not value.strip():
        return "the value is empty"
    return None


def validate_snippet(
    name: object, locale: object, kind: object, value: object, *, where: Problem | None = None
) -> list[Problem]:
    """Every reason these fields do not make a snippet; located like `where`."""
    base = where or Problem("")
    problems: list[Problem] = []

    def report(message: str, at: str) -> None:
        problems.append(Problem(message, base.source, base.line, at))

    if not isinstance(name, str) or not _NAME.match(name):
        report("a snippet name is lowercase letters, digits and _, starting with a letter", "name")
    if (msg := validate_locale(locale)) is not None:
        report(msg, "locale")
    types = ", ".join(t.value for t in SnippetType)
    if kind not in {t.value for t in SnippetType}:
        report(f"unknown snippet type {kind!r}; known: {types}", "type")
    elif not isinstance(value, str):
        report("the value must be text (quote numbers and dates)", "value")
    elif (msg := _value_problem(SnippetType(kind), value)) is not None:
        report(msg, "value")
    return problems


def parse_snippet_file(text: str, *, locale: str, source: str) -> list[SnippetDocument]:
    """Parse a `name: {type, value}` mapping (a bare `name: value` is a text snippet)."""
    loaded, problems = load_yaml(text, source=source)
    if loaded is None:
        raise InvalidContent(problems)
    data = loaded.data or {}
    if not isinstance(data, dict):
        raise InvalidContent(
            [loaded.problem("a snippets file is a mapping of name: {type, value}")]
        )
    snippets: list[SnippetDocument] = []
    for name, spec in data.items():
        line = loaded.line_of(str(name))
        if not isinstance(spec, dict):
            spec = {"type": "text", "value": spec}
        unknown = set(spec) - {"type", "value"}
        if unknown:
            problems.append(
                Problem(
                    f"unknown keys {sorted(unknown)}; a snippet has type and value",
                    source,
                    line,
                    str(name),
                )
            )
            continue
        kind, value = spec.get("type", "text"), spec.get("value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, date):
            value = value.isoformat()
        found = validate_snippet(name, locale, kind, value, where=Problem("", source, line))
        problems.extend(
            Problem(
                p.message, source, loaded.line_of(str(name), p.field or ""), f"{name}.{p.field}"
            )
            for p in found
        )
        if not found:
            snippets.append(
                SnippetDocument(
                    str(name), locale, SnippetType(kind), value, Origin(source, line=line or 1)
                )
            )
    if problems:
        raise InvalidContent(problems)
    return snippets


def dump_snippet_file(snippets: Iterable[SnippetDocument]) -> str:
    """Write snippets of one locale in the format `parse_snippet_file` reads, sorted by name."""
    data = {s.name: {"type": s.type.value, "value": s.value} for s in sorted(snippets, key=_name)}
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=1000)


def _name(snippet: SnippetDocument) -> str:
    return snippet.name


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line values as `|` blocks so Markdown snippets stay readable on disk."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _represent_str)
