"""The Rasa importer refuses broken, hostile and wrong projects whole, naming every problem by
file and line, on the real-text bots of rasa_projects.py (COVID-19 vaccine FAQ, Apache-2.0;
hwu64_ru, MIT / CC BY 4.0) with the broken files added; and a bot the size of a real one (the
clinc150, banking77 and hwu64 intent data sets, CC BY 3.0 / 4.0) imports in seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from importers import rasa
from importers.rasa_yaml import MAX_FILE_BYTES
from kb import InvalidContent, Problem
from kb.store.importing import ContentBatch
from tests.importers.rasa_projects import assistant_bot, faq_bot, intent_rows, russian_requests

CHANNELS = ("web", "chatbot", "operator", "ivr")


def read(path: Path) -> ContentBatch:
    """The Rasa importer on `path`, with every channel."""
    return rasa.read(path, default_locale="en", channels=CHANNELS)


def problems_of(path: Path) -> tuple[Problem, ...]:
    """The problems reading `path` raises (it must raise)."""
    with pytest.raises(InvalidContent) as caught:
        read(path)
    return caught.value.problems


def with_files(root: Path, files: dict[str, str]) -> Path:
    """`root` with `files` written into it (relative path: text)."""
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_every_problem_of_a_broken_project_is_named_at_once(tmp_path: Path) -> None:
    bot = faq_bot(tmp_path / "bot")
    question = next(iter(bot.intents.values())).questions[0]
    root = with_files(
        bot.root,
        {
            "data/broken.yml": f"nlu:\n- intent: x\n  examples: |\n    - {question}\n"
            "  bad: [unclosed\n",
            "data/list.yml": f"- intent: greet\n  examples: |\n    - {question}\n",
            "data/more.yml": (
                "nlu:\n- intent: empty\n  examples: |\n"
                "- something: else\n"
                "responses:\n  utter_out_of_scope:\n  - text: Again\n"
            ),
        },
    )

    problems = {(Path(p.source or "").name, p.line, p.message[:40]) for p in problems_of(root)}
    assert problems == {
        ("broken.yml", 6, "invalid YAML: did not find expected ',' "),
        ("list.yml", 1, "a Rasa file must be a mapping of keys su"),
        ("more.yml", 2, "intent 'empty' has no examples"),
        ("more.yml", 4, "an nlu item needs one of intent, synonym"),
        ("more.yml", 6, "response 'utter_out_of_scope' is defined"),
    }


@pytest.mark.parametrize(
    ("text", "line"), [("nlu:\n  intent: greet\n", 2), ("version: '3.1'\nnlu: greet\n", 2)]
)
def test_nlu_that_is_not_a_list_is_refused(tmp_path: Path, text: str, line: int) -> None:
    root = with_files(assistant_bot(tmp_path / "bot").root, {"data/nlu.yml": text})

    (problem,) = problems_of(root)

    assert problem.line == line
    assert "nlu: must be a list" in problem.message


def test_markdown_nlu_of_rasa_1_is_refused_with_the_command_that_converts_it(
    tmp_path: Path,
) -> None:
    requests = "\n".join(f"- {text}" for text in russian_requests("general__greet", 3))
    root = with_files(
        assistant_bot(tmp_path / "bot").root,
        {"data/old/nlu.md": f"<!-- Rasa 1.x -->\n## intent:greet\n{requests}\n"},
    )

    (problem,) = problems_of(root)

    assert (Path(problem.source or "").name, problem.line) == ("nlu.md", 2)
    assert "rasa data convert nlu" in problem.message


def test_not_a_project_is_refused(tmp_path: Path) -> None:
    bot = faq_bot(tmp_path / "bot")
    domain = (bot.root / "domain.yml").read_text(encoding="utf-8")
    alone = with_files(tmp_path / "alone", {"domain.yml": domain})

    (problem,) = problems_of(alone)
    assert "no data/ folder" in problem.message
    (problem,) = problems_of(bot.root / "domain.yml")
    assert "is a folder" in problem.message


def test_a_project_without_intents_or_with_a_file_not_in_utf8_is_refused(tmp_path: Path) -> None:
    bot = faq_bot(tmp_path / "bot")
    rules = (bot.root / "data" / "rules.yml").read_text(encoding="utf-8")
    domain = (bot.root / "domain.yml").read_text(encoding="utf-8")
    empty = with_files(tmp_path / "empty", {"domain.yml": domain, "data/rules.yml": rules})
    (problem,) = problems_of(empty)
    assert "no intents" in problem.message

    russian = assistant_bot(tmp_path / "ru")
    request = russian_requests("general__greet", 1)[0]
    legacy = russian.root / "data" / "cp1251.yml"
    legacy.write_bytes(f"nlu:\n- intent: greet\n  examples: |\n    - {request}\n".encode("cp1251"))
    (problem,) = problems_of(russian.root)
    assert (problem.source, problem.line) == (str(legacy), 1)
    assert "not UTF-8" in problem.message


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    root = faq_bot(tmp_path / "bot").root
    with (root / "data" / "huge.yml").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, no time

    (problem,) = problems_of(root)

    assert problem.source == str(root / "data" / "huge.yml")
    assert "are refused" in problem.message


def test_aliases_cannot_blow_up_a_project(tmp_path: Path) -> None:
    letters = "abcdefghijkl"
    bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 12):
        earlier = ", ".join([f"*{letters[level - 1]}"] * 9)
        bomb.append(f"{letters[level]}: &{letters[level]} [{earlier}]")
    bomb.append("nlu: [*l]")
    root = with_files(faq_bot(tmp_path / "bot").root, {"data/bomb.yml": "\n".join(bomb) + "\n"})

    (problem,) = problems_of(root)  # refused as it stands: the aliases are never expanded

    assert "nlu item must be a mapping" in problem.message


def test_a_bot_the_size_of_a_real_one_imports_whole(tmp_path: Path) -> None:
    # A real intent data set as one bot's retrieval intents: every request of hwu64_ru under
    # its intent, each with its first word annotated as an entity.
    nlu = ['version: "3.1"', "nlu:"]
    responses = ["responses:"]
    intents = intent_rows("hwu64_ru", "label", "text_ru")
    for intent, texts in intents.items():
        name = f"home/{intent}"
        nlu += [f"- intent: {name}", "  examples: |"]
        nlu += [f"    - [{t.split(' ', 1)[0]}](word) {t.partition(' ')[2]}" for t in texts]
        answer = json.dumps(f"What to do about {intent.replace('_', ' ')}.")
        responses += [f"  utter_{name}:", f"  - text: {answer}"]
    root = with_files(
        tmp_path / "big",
        {"domain.yml": "\n".join(responses), "data/nlu.yml": "\n".join(nlu)},
    )
    assert (root / "data" / "nlu.yml").stat().st_size > 300_000

    batch = read(root)

    assert len(batch.units) == len(intents)
    texts, unit = next(iter(intents.values())), batch.units[0].document
    assert unit.questions[0] == texts[0].strip()
    assert len(unit.questions) == len(dict.fromkeys(t.strip() for t in texts))
