"""The content format: parsing, the problems it reports with their lines, and hashing."""

from __future__ import annotations

from datetime import date
from unittest.mock import patch

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import InvalidContent, UnitDocument, parse_unit
from kb.content import document

VALID = """---
id: check-balance
locale: en
title: How do I check my balance?
questions:            # how customers ask
  - what is my balance
  - how much money is left on my account
category: billing
tags: [balance, account]
audience: public
channels: [web, chatbot, operator, ivr]
routing: billing
owner: billing-team
review_by: 2027-03-01
---
Dial {{ balance_ussd }} or open the app.

::: internal
Verify the caller first.
:::
"""


def problems_of(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InvalidContent) as caught:
        parse_unit(text, source="unit.md")
    assert all(p.source == "unit.md" for p in caught.value.problems)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_every_front_matter_field_is_read() -> None:
    doc = parse_unit(VALID)
    assert doc.key == ("check-balance", "en")
    assert doc.questions == ("what is my balance", "how much money is left on my account")
    assert doc.tags == ("balance", "account")
    assert doc.channels == ("web", "chatbot", "operator", "ivr")
    assert (doc.category, doc.routing, doc.owner) == ("billing", "billing", "billing-team")
    assert doc.review_by == date(2027, 3, 1)
    assert doc.body.startswith("Dial {{ balance_ussd }}")
    assert doc.snippet_names == {"balance_ussd"}


def test_defaults_apply_when_optional_fields_are_missing() -> None:
    doc = parse_unit("---\nid: a\nlocale: ru\ntitle: T\n---\nText\n")
    assert (doc.audience, doc.channels, doc.questions, doc.tags) == ("public", None, (), ())


def test_missing_id_is_reported() -> None:
    assert (2, "id", "is required") in problems_of("---\nlocale: en\ntitle: T\n---\nText\n")


def test_bad_yaml_is_reported_at_its_line() -> None:
    found = problems_of("---\nid: a\nlocale: en\ntitle: [unclosed\nowner: x\n---\nText\n")
    assert len(found) == 1
    line, _field, message = found[0]
    assert message.startswith("invalid YAML")
    assert line in (4, 5, 6)


def test_unknown_channel_is_reported_with_the_line_of_channels() -> None:
    text = "---\nid: a\nlocale: en\ntitle: T\nchannels: [web, fax]\n---\nText\n"
    [(line, field, message)] = problems_of(text)
    assert (line, field) == (5, "channels")
    assert "fax" in message


def test_every_problem_is_reported_at_once() -> None:
    text = "---\nid: Not A Slug\nlocale: english\ntitle: T\ncolour: red\naudience: all\n---\n"
    fields = {field for _line, field, _message in problems_of(text)}
    assert {"id", "locale", "colour", "audience"} <= fields
    assert None in fields  # the empty body


def test_key_given_twice_is_reported() -> None:
    text = "---\nid: a\nlocale: en\ntitle: T\ntitle: U\n---\nText\n"
    assert any(line == 5 and "twice" in msg for line, _f, msg in problems_of(text))


def test_missing_or_unclosed_front_matter_is_reported() -> None:
    assert "front matter" in problems_of("Just text\n")[0][2]
    assert "not closed" in problems_of("---\nid: a\n")[0][2]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("review_by", "next week", "YYYY-MM-DD"),
        ("questions", "just one string", "must be a list"),
        ("tags", "[a, '']", "non-empty"),
        ("channels", "[]", "at least one channel"),
        ("title", "[a, b]", "single line"),
    ],
)
def test_bad_field_values_name_the_field(field: str, value: str, expected: str) -> None:
    base = {"id": "a", "locale": "en", "title": "T"}
    base[field] = value
    header = "".join(f"{k}: {v}\n" for k, v in base.items())
    found = problems_of(f"---\n{header}---\nText\n")
    assert any(f == field and expected in msg for _line, f, msg in found), found


def test_hash_ignores_formatting_but_not_meaning() -> None:
    reordered = VALID.replace("category: billing\n", "").replace(
        "locale: en\n", "locale: en\ncategory: billing\n"
    )
    with_crlf = VALID.replace("\n", "\r\n")
    assert parse_unit(reordered).content_hash == parse_unit(VALID).content_hash
    assert parse_unit(with_crlf).content_hash == parse_unit(VALID).content_hash
    edited = VALID.replace("open the app", "open the application")
    assert parse_unit(edited).content_hash != parse_unit(VALID).content_hash


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())
_slug = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    unit_id=_slug,
    title=_text,
    questions=st.lists(_text, max_size=4),
    tags=st.lists(_text, max_size=3),
    category=st.none() | _text,
    review_by=st.none() | st.dates(),
    body=st.text(min_size=1, max_size=200).filter(lambda s: s.strip()),
)
def test_to_markdown_round_trips_any_unit(
    unit_id: str,
    title: str,
    questions: list[str],
    tags: list[str],
    category: str | None,
    review_by: date | None,
    body: str,
) -> None:
    doc = UnitDocument(
        id=unit_id,
        locale="en",
        title=title,
        body=body,
        questions=tuple(questions),
        tags=tuple(tags),
        category=category,
        review_by=review_by,
    )
    source = doc.to_markdown()
    again = parse_unit(source)
    assert again == doc
    assert again.content_hash == doc.content_hash
    # Without libyaml the pure-Python emitter writes the same unit (libyaml escapes characters
    # beyond the BMP, such as emoji, which the pure-Python one writes as they are).
    with patch.object(document, "YAML_DUMPER", yaml.SafeDumper):
        pure = doc.to_markdown()
    assert parse_unit(pure) == doc
    assert pure == source or any(ord(c) > 0xFFFF for c in pure)
