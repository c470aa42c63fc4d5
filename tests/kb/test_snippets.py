"""Typed snippets: what each type accepts, and the snippets file format."""

from __future__ import annotations

import pytest

from kb import InvalidContent, SnippetDocument, SnippetType
from kb.content.snippets import dump_snippet_file, parse_snippet_file, validate_snippet


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("text", "*100#"),
        ("phone", "+44 20 7946 0000"),
        ("money", "12.99 GBP"),
        ("money", "300 RUB"),
        ("date", "2027-01-31"),
        ("url", "https://aurora-mobile.example/help"),
        ("markdown", "Line one\n\n- a\n- b"),
    ],
)
def test_valid_values_of_every_type_are_accepted(kind: str, value: str) -> None:
    assert validate_snippet("name", "en", kind, value) == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "call us"),
        ("phone", "020 7946 0000"),
        ("money", "12,99 GBP"),
        ("money", "£12.99"),
        ("date", "31/01/2027"),
        ("url", "javascript:alert(1)"),
        ("url", "aurora-mobile.example"),
        ("text", "two\nlines"),
        ("text", "   "),
    ],
)
def test_invalid_values_are_refused_with_the_value_field(kind: str, value: str) -> None:
    [problem] = validate_snippet("name", "en", kind, value)
    assert problem.field == "value"


def test_unknown_type_is_refused_naming_the_known_ones() -> None:
    [problem] = validate_snippet("name", "en", "colour", "red")
    assert problem.field == "type"
    assert "phone" in problem.message


def test_file_problems_carry_file_and_line() -> None:
    text = 'ok:\n  type: text\n  value: "x"\nbad:\n  type: colour\n  value: red\n'
    with pytest.raises(InvalidContent) as caught:
        parse_snippet_file(text, locale="en", source="snippets/en.yaml")
    [problem] = caught.value.problems
    assert (problem.source, problem.line, problem.field) == ("snippets/en.yaml", 5, "bad.type")


def test_bare_value_is_a_text_snippet() -> None:
    [snippet] = parse_snippet_file("greeting: Hello\n", locale="en", source="x")
    assert (snippet.type, snippet.value) == (SnippetType.TEXT, "Hello")


def test_dump_then_parse_gives_the_same_snippets() -> None:
    snippets = [
        SnippetDocument("hours", "ru", SnippetType.MARKDOWN, "Пн–Пт: 9–18\n\n**Сб**: 10–16  "),
        SnippetDocument("phone", "ru", SnippetType.PHONE, "+7 800 555 35 35"),
        SnippetDocument("price", "ru", SnippetType.MONEY, "300 RUB"),
        SnippetDocument("since", "ru", SnippetType.DATE, "2027-01-01"),
        SnippetDocument("ussd", "ru", SnippetType.TEXT, "*100#"),
    ]
    again = parse_snippet_file(dump_snippet_file(snippets), locale="ru", source="x")
    assert sorted(again, key=lambda s: s.name) == sorted(snippets, key=lambda s: s.name)
    assert [s.content_hash for s in again] == [s.content_hash for s in snippets]
