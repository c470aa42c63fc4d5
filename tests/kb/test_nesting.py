"""No text vanishes without a word: a body nested deeper than the parser goes is refused on
import with its file and line, hostile depths are refused without crashing, and whenever the
parser drops words the check sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers import read_folder
from importers.csv_qa import read_csv
from kb import ContentBatch, InvalidContent, KnowledgeBase
from kb.content.markdown import MAX_NESTING, iter_tokens, parse_body
from kb.content.nesting import lost_line, may_nest_too_deep, too_deep_line
from kb.settings import DEFAULT_CHANNELS
from kb.store.importing import SourcedUnit
from tests.conftest import make_unit


def deep_list(levels: int) -> str:
    return "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(levels))


def test_importing_a_body_nested_past_the_limit_is_refused_naming_file_and_line(
    kb: KnowledgeBase, write_tree
) -> None:  # type: ignore[no-untyped-def]
    front = "---\nid: deep\nlocale: en\ntitle: Deep\n---\n"  # 5 lines
    body = "\n\nIntro.\n\n" + deep_list(MAX_NESTING // 2) + "\nAfter the list.\n"
    root = write_tree(
        {"en/deep.md": front + body, "en/fine.md": front.replace("deep", "fine") + "Fine.\n"}
    )

    with pytest.raises(InvalidContent) as caught:
        kb.import_content(read_folder(root, channels=DEFAULT_CHANNELS), author="ann")

    [problem] = caught.value.problems
    # 5 lines of front matter, 2 blank, "Intro.", a blank, then one line per list level.
    assert (Path(problem.source or "").name, problem.line) == ("deep.md", 9 + MAX_NESTING // 2)
    assert "too deep" in problem.message and f"at most {MAX_NESTING - 1} levels" in problem.message
    assert kb.drafts().units == {}  # all or nothing


def test_a_csv_answer_nested_past_the_limit_is_refused_naming_the_unit(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = tmp_path / "qa.csv"
    deep = ">" * MAX_NESTING + " Lost."
    path.write_text(f"id,question,answer\ndeep,how deep,{deep}\n", encoding="utf-8")

    with pytest.raises(InvalidContent, match="unit 'deep' in locale 'en': body line 1 nests"):
        kb.import_content(read_csv(path, default_locale="en"), author="ann")


HOSTILE = {
    "quotes": ">" * 100_000 + " deep\n\nafter\n",
    "quotes spaced": "> " * 100_000 + "deep\n\nafter\n",
    "bullet list": "- " * 100_000 + "deep\n\nafter\n",
    "starred list": "* " * 100_000 + "deep\n\nafter\n",
    "ordered list": "1. " * 100_000 + "deep\n\nafter\n",
    "quotes and lists": "> - " * 50_000 + "deep\n\nafter\n",
    "blocks": "::: internal\n" * 100_000 + "deep\n" + ":::\n" * 100_000 + "\nafter\n",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_body_nested_100000_deep_is_refused_and_crashes_nothing(
    kb: KnowledgeBase, body: str
) -> None:
    document = make_unit("hostile", body=body)
    batch = ContentBatch(units=[SourcedUnit(document)])

    with pytest.raises(InvalidContent, match="nests lists, quotes and ::: blocks too deep"):
        kb.import_content(batch, author="ann")

    # The limit is met on the first line, or on the line opening the block that meets it.
    assert too_deep_line(body) == (MAX_NESTING if body.startswith(":::") else 1)
    assert kb.drafts().units == {}


def test_sample_units_are_not_parsed_again_by_the_import_check() -> None:
    from tests.conftest import SAMPLE_CONTENT

    batch = read_folder(SAMPLE_CONTENT, channels=DEFAULT_CHANNELS)
    assert not [u.document.id for u in batch.units if may_nest_too_deep(u.document.body)]


_MARKERS = st.sampled_from(["> ", ">", "- ", "* ", "1. ", "  ", "\t", "+ "])
#: A line of text behind indents and markers: one marker many times, then a few mixed ones.
_TEXT_LINE = st.tuples(
    _MARKERS, st.integers(0, MAX_NESTING + 2), st.lists(_MARKERS, max_size=6)
).map(lambda t: t[0] * t[1] + "".join(t[2]) + " w{}x")
#: Many `:::` blocks opened in a row, or one closed.
_BLOCK_LINES = st.one_of(
    st.tuples(
        st.sampled_from(["::: internal", "::: only web", "::: summary", ":::: internal"]),
        st.integers(1, MAX_NESTING + 2),
    ).map(lambda t: "\n".join([t[0]] * t[1])),
    st.sampled_from([":::", "::::", ""]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_TEXT_LINE, _BLOCK_LINES), min_size=1, max_size=12))
def test_whenever_the_parser_drops_words_the_check_reports_it(chunks: list[str]) -> None:
    lines = [chunk.format(number) for number, chunk in enumerate(chunks)]
    body = "\n".join(lines)
    words = {f"w{number}x" for number, chunk in enumerate(chunks) if "{}" in chunk}
    tokens = parse_body(body).tokens
    parsed = " ".join(t.content for t in iter_tokens(tokens))
    missing = {word for word in words if word not in parsed}

    lost = lost_line(tokens)
    if missing:
        assert lost is not None, missing
    if lost is not None:
        assert may_nest_too_deep(body)
        assert too_deep_line(body) == lost
