"""The Rasa importer on bots laid out at test time from real text (see rasa_projects.py): a
Rasa 3.x FAQ bot from the COVID-19 vaccine FAQ of Stanford OVAL's covid-faq (questions, answers
and real user queries; Apache-2.0) and a Rasa 2.x home assistant in Russian from hwu64_ru (real
requests machine-translated by Encodechka; MIT, upstream HWU64 CC BY 4.0), both in
../shared/datasets. Every count is computed from what was laid out. Bad, broken and hostile
projects (tests/importers/test_rasa_hostile.py) are refused whole, every problem named."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from importers import rasa
from importers.rasa_yaml import read_project, strip_annotations
from kb import KnowledgeBase, Problem
from kb.content.document import UnitDocument, UnitSource, parse_unit
from kb.settings import Settings
from kb.store.importing import ContentBatch
from kb.store.revisions import SaveOutcome
from tests.importers.rasa_projects import (
    GREET,
    HELP,
    IMAGE,
    NOWORRIES,
    Bot,
    assistant_bot,
    faq_bot,
    title_of,
)

CHANNELS = ("web", "chatbot", "operator", "ivr")
WriteTree = Callable[[dict[str, str]], Path]
#: The ways to lay out a bot: the FAQ bot with its answers in the NLU file or the domain, and
#: the Russian assistant with a domain/ folder.
BOTS: dict[str, Callable[[Path], Bot]] = {
    "faq-3.x-responses-in-nlu": faq_bot,
    "faq-3.x-responses-in-domain": lambda root: faq_bot(root, responses_in="domain.yml"),
    "assistant-2.x-ru-domain-folder": assistant_bot,
}


def read(path: Path, default_locale: str = "en") -> ContentBatch:
    """The Rasa importer on `path`, with every channel."""
    return rasa.read(path, default_locale=default_locale, channels=CHANNELS)


def units_of(batch: ContentBatch) -> dict[str, UnitDocument]:
    """The batch's units by id."""
    return {item.document.id: item.document for item in batch.units}


def no_answer(batch: ContentBatch) -> dict[str, Problem]:
    """The warnings that an intent has no answer, by intent."""
    return {w.message.split("'")[1]: w for w in batch.warnings if "has no answer" in w.message}


@pytest.mark.parametrize("layout", BOTS)
def test_real_bots_import_every_answered_intent_as_a_valid_unit(
    layout: str, tmp_path: Path
) -> None:
    bot = BOTS[layout](tmp_path / "bot")

    batch = read(bot.root)

    assert [item.document.id for item in batch.units] == [e.unit_id for e in bot.units]
    docs = units_of(batch)
    for expected in bot.units:
        doc = docs[expected.unit_id or ""]
        assert doc.source == UnitSource("rasa", expected.intent)
        assert list(doc.questions) == expected.questions
        assert doc.title == title_of(expected.questions)
        assert doc.body == expected.body
        assert doc.category == ("faq" if "/" in expected.intent else None)
        # What the importer makes is content as authors write it: it parses back the same.
        assert parse_unit(doc.to_markdown(), channels=CHANNELS) == doc


@pytest.mark.parametrize("layout", BOTS)
def test_intents_without_an_answer_are_reported_one_each_with_file_and_line(
    layout: str, tmp_path: Path
) -> None:
    bot = BOTS[layout](tmp_path / "bot")

    warnings = no_answer(read(bot.root))

    assert set(warnings) == {e.intent for e in bot.unanswered}
    assert len([w for w in read(bot.root).warnings if "has no answer" in w.message]) == len(
        bot.unanswered
    )
    for expected in bot.unanswered:
        assert (warnings[expected.intent].source, warnings[expected.intent].line) == (
            str(expected.source),
            expected.line,
        )
        lines = expected.source.read_text(encoding="utf-8").split("\n")
        assert lines[expected.line - 1] == f"- intent: {expected.intent}"


def test_a_rule_answering_an_intent_with_responses_is_its_answer(tmp_path: Path) -> None:
    # greet -> utter_greet + utter_help; affirm or thankyou -> utter_noworries (`- or:`).
    bot = assistant_bot(tmp_path / "bot")

    docs = units_of(read(bot.root))

    assert docs["greet"].body == f"{GREET}\n\n{HELP}"
    assert docs["affirm"].body == docs["thankyou"].body == NOWORRIES
    assert docs["greet"].questions[0] == bot.intents["greet"].questions[0]


def test_a_rule_for_any_of_several_intents_answers_each_and_aliases_cannot_loop(
    tmp_path: Path,
) -> None:
    bot = assistant_bot(tmp_path / "bot")
    (bot.root / "data" / "loops.yml").write_text(
        "rules:\n- rule: loops\n  steps:\n  - or: &loop\n    - or: *loop\n"
        "  - action: utter_goodbye\n",
        encoding="utf-8",
    )

    docs = units_of(read(bot.root))

    assert docs["affirm"].body == docs["thankyou"].body == NOWORRIES
    assert sorted(docs) == sorted(e.unit_id or "" for e in bot.units)


def test_retrieval_intents_become_units_in_their_group_with_other_wordings_kept_internal(
    tmp_path: Path,
) -> None:
    bot = faq_bot(tmp_path / "bot")
    imaged = next(e for e in bot.units if e.body and IMAGE in e.body)
    entry = bot.entries[imaged.intent]

    doc = units_of(read(bot.root))[imaged.unit_id or ""]

    assert doc.category == "faq"
    assert doc.source == UnitSource("rasa", imaged.intent)
    assert doc.title == title_of([" ".join(entry.question.split())])
    assert doc.body == (
        f"{entry.answer.strip()}\n\n![]({IMAGE})\n\n"
        "::: internal\nThe bot also answered this with:\n\n"
        f"- {entry.answer_original.strip()}\n:::"
    )


def test_examples_lose_their_entity_annotations_on_real_sentences(tmp_path: Path) -> None:
    bot = faq_bot(tmp_path / "bot")
    project = read_project(bot.root)
    examples = {text for intent in project.intents.values() for text, _, _ in intent.examples}
    written = (bot.root / "data" / "nlu.yml").read_text(encoding="utf-8")

    assert len(bot.annotated) >= 4
    for annotated, typed in bot.annotated:
        assert f"- {annotated}\n" in written
        assert typed in examples
        assert strip_annotations(annotated) == typed
    assert not [text for text in examples if "[" in text or "{" in text]
    assert strip_annotations('send [100](amount:100) to [Jo]{"entity": "PERSON"}') == (
        "send 100 to Jo"
    )
    assert strip_annotations('I live in [Berlin][{"entity": "city"}, {"entity": "loc"}]') == (
        "I live in Berlin"
    )


def test_an_example_given_to_two_intents_is_a_warning_naming_both(tmp_path: Path) -> None:
    # A real user query labelled with two FAQ entries is an example of both intents.
    bot = faq_bot(tmp_path / "bot")
    duplicates = bot.duplicates()
    assert duplicates

    found = [w for w in read(bot.root).warnings if "also an example" in w.message]

    assert len(found) == len(duplicates)
    lines = (bot.root / "data" / "nlu.yml").read_text(encoding="utf-8").split("\n")
    for (text, later, earlier), warning in zip(sorted(duplicates), found, strict=True):
        assert f"'{text}'" in warning.message
        assert f"'{later}'" in warning.message and f"'{earlier}'" in warning.message
        assert warning.line is not None and warning.line > bot.intents[later].line
        assert strip_annotations(lines[warning.line - 1].strip()[2:]) == text


def test_buttons_become_unit_links_to_imported_intents_else_links_or_quick_replies(
    tmp_path: Path,
) -> None:
    bot = faq_bot(tmp_path / "bot")

    doc = units_of(read(bot.root))["out-of-scope"]

    assert doc.body == bot.intents["out_of_scope"].body
    assert "](unit:faq-" in doc.body and "::: only chatbot" in doc.body
    assert parse_unit(doc.to_markdown(), channels=CHANNELS) == doc


def test_channel_variations_slots_and_orphan_responses_are_reported_not_lost(
    tmp_path: Path,
) -> None:
    bot = faq_bot(tmp_path / "bot")
    slack = next(e for e in bot.units if e.body and "slack" in e.body)
    domain = bot.root / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("Sorry, I", "Sorry {first_name}, {{ name }}"), "utf-8")

    batch = read(bot.root)

    entry = bot.entries[slack.intent]
    assert units_of(batch)[slack.unit_id or ""].body == (
        f"{entry.answer.strip()}\n\n::: internal\nThe bot also answered this with:\n\n"
        f"- (in Rasa's slack channel) {entry.answer_original.strip()}\n:::"
    )
    messages = [w.message for w in batch.warnings]
    assert any("utter_out_of_scope" in m and "{first_name}" in m for m in messages)
    assert any("utter_out_of_scope" in m and "{{ name }}" in m for m in messages)
    (orphan,) = [m for m in messages if "answers no intent" in m]
    assert orphan.startswith("response 'utter_faq/")
    # synonym, regex and lookup items are not intents and not errors
    assert not [m for m in messages if "Pfizer" in m or "zip_code" in m or "Moderna" in m]


def test_language_of_config_is_the_locale(tmp_path: Path) -> None:
    faq, russian = faq_bot(tmp_path / "faq"), assistant_bot(tmp_path / "ru")

    assert {item.document.locale for item in read(faq.root, "bg").units} == {"en"}
    assert {item.document.locale for item in read(russian.root).units} == {"ru"}
    (faq.root / "config.yml").write_text("language: pt_BR\npipeline: []\n", encoding="utf-8")
    assert {item.document.locale for item in read(faq.root).units} == {"pt-BR"}
    (faq.root / "config.yml").unlink()
    assert {item.document.locale for item in read(faq.root, "bg").units} == {"bg"}


def test_a_domain_folder_split_in_several_files_is_read_whole(tmp_path: Path) -> None:
    bot = assistant_bot(tmp_path / "bot")
    assert not (bot.root / "domain.yml").exists()
    assert len(list((bot.root / "domain").rglob("*.yml"))) == 3
    assert rasa.looks_like(bot.root)

    docs = units_of(read(bot.root))

    # utter_greet is in domain/responses/general.yml, the intents in domain/intents.yml.
    assert docs["greet"].body.startswith(GREET)
    assert len(docs) == len(bot.units)


def test_looks_like_a_rasa_project_only(write_tree: WriteTree, tmp_path: Path) -> None:
    assert rasa.looks_like(faq_bot(tmp_path / "faq").root)
    assert rasa.looks_like(assistant_bot(tmp_path / "ru").root)
    assert not rasa.looks_like(write_tree({"en/a.md": "---\nid: a\n---\nA.\n"}))
    (tmp_path / "qa.csv").write_text("id\n", encoding="utf-8")
    assert not rasa.looks_like(tmp_path / "qa.csv")
    assert not rasa.looks_like(tmp_path / "missing")


# -- into the store ---------------------------------------------------------------------------


def test_importing_twice_changes_nothing_and_a_changed_answer_updates_the_same_unit(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    bot = faq_bot(tmp_path / "bot")
    count = len(bot.units)
    first = kb.import_content(read(bot.root), author="tester", message="rasa")
    assert first.units[SaveOutcome.CREATED] == count

    again = kb.import_content(read(bot.root), author="tester", message="rasa again")
    assert again.units[SaveOutcome.UNCHANGED] == count
    assert again.units[SaveOutcome.CREATED] == again.units[SaveOutcome.UPDATED] == 0

    nlu = bot.root / "data" / "nlu.yml"
    changed_intent, answer = _unique_answer(bot, nlu)
    nlu.write_text(
        nlu.read_text(encoding="utf-8").replace(answer, "Ask your doctor. " + answer), "utf-8"
    )
    changed = kb.import_content(read(bot.root), author="tester", message="rasa newer")
    assert changed.units[SaveOutcome.UPDATED] == 1
    assert changed.units[SaveOutcome.UNCHANGED] == count - 1
    unit = kb.drafts().unit(bot.intents[changed_intent].unit_id or "", "en")
    assert unit.document.body.startswith("Ask your doctor. ")
    assert unit.document.source == UnitSource("rasa", changed_intent)


def _unique_answer(bot: Bot, path: Path) -> tuple[str, str]:
    """A FAQ intent whose answer's text occurs once in `path`, and that text."""
    text = path.read_text(encoding="utf-8")
    for name, entry in bot.entries.items():
        answer = entry.answer.strip().split("\n")[0]
        if text.count(answer) == 1:
            return name, answer
    raise AssertionError("every answer is repeated")


def test_intents_whose_ids_collide_keep_their_units_when_the_export_reorders_them(
    kb: KnowledgeBase, write_tree: WriteTree, tmp_path: Path
) -> None:
    entries = list(faq_bot(tmp_path / "faq").entries.values())[:2]
    first, second = (
        f"- intent: {name}\n  examples: |\n    - {' '.join(e.question.split())}\n"
        for name, e in zip(("faq/a_b", "faq_a/b"), entries, strict=True)
    )
    answers = [json.dumps(e.answer.strip(), ensure_ascii=False) for e in entries]
    domain = f"responses:\n  utter_faq/a_b:\n  - text: {answers[0]}\n"
    domain += f"  utter_faq_a/b:\n  - text: {answers[1]}\n"
    root = write_tree({"domain.yml": domain, "data/nlu.yml": "nlu:\n" + first + second})
    assert sorted(units_of(read(root))) == ["faq-a-b", "faq-a-b-2"]
    kb.import_content(read(root), author="tester", message="rasa")

    (root / "data" / "nlu.yml").write_text("nlu:\n" + second + first, encoding="utf-8")
    report = kb.import_content(read(root), author="tester", message="rasa reordered")

    assert report.units[SaveOutcome.UNCHANGED] == 2
    drafts = kb.drafts()
    assert drafts.unit("faq-a-b", "en").document.body == entries[0].answer.strip()
    assert drafts.unit("faq-a-b-2", "en").document.body == entries[1].answer.strip()


# -- the command line -------------------------------------------------------------------------


def kb_run(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`kb ARGS... --json` against the test database, its output as JSON."""
    result = CliRunner().invoke(app, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_kb_import_twice_changes_nothing_then_a_changed_response_updates_the_same_unit(
    env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    bot = faq_bot(tmp_path / "bot", responses_in="domain.yml")
    count = len(bot.units)
    first = kb_run(env, "import", str(bot.root), "--from", "rasa")
    second = kb_run(env, "import", str(bot.root))  # the format guessed from domain.yml and data/
    domain = bot.root / "domain.yml"
    name, answer = _unique_answer(bot, domain)
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace(answer, answer + " Ask your doctor."), encoding="utf-8")
    third = kb_run(env, "import", str(bot.root), "--from", "rasa")

    assert first["units"] == {"created": count, "updated": 0, "unchanged": 0}
    assert second["units"] == {"created": 0, "updated": 0, "unchanged": count}
    assert third["units"] == {"created": 0, "updated": 1, "unchanged": count - 1}
    unanswered = [w for w in first["warnings"] if "has no answer" in w["message"]]
    assert len(unanswered) == len(bot.unanswered)
    assert (unanswered[0]["source"], unanswered[0]["line"]) == (
        str(bot.root / "data" / "nlu.yml"),
        bot.unanswered[0].line,
    )
    unit_id = bot.intents[name].unit_id or ""
    with KnowledgeBase.open(settings) as kb:
        doc = kb.drafts().unit(unit_id, "en").document
        assert answer + " Ask your doctor." in doc.body
        assert doc.source == UnitSource("rasa", name)
        assert len(kb.history(unit_id, "en")) == 2


def test_kb_import_prune_archives_only_the_bots_units_it_no_longer_has(
    env: dict[str, str], settings: Settings, tmp_path: Path, write_tree: WriteTree
) -> None:
    own = write_tree({"en/help.md": "---\nid: tariffs\nlocale: en\ntitle: Tariffs\n---\nCheap.\n"})
    kb_run(env, "import", str(own))
    bot = faq_bot(tmp_path / "bot", responses_in="domain.yml")
    kb_run(env, "import", str(bot.root), "--from", "rasa")
    faqs = [e for e in bot.units if "/" in e.intent]
    gone, after = faqs[-1], faqs[-1].line  # the last FAQ: no button points at it
    nlu = bot.root / "data" / "nlu.yml"
    lines = nlu.read_text(encoding="utf-8").split("\n")
    end = next(n for n in range(after, len(lines)) if lines[n].startswith("- "))
    nlu.write_text("\n".join(lines[: gone.line - 1] + lines[end:]), encoding="utf-8")

    pruned = kb_run(env, "import", str(bot.root), "--from", "rasa", "--prune", "--yes")

    assert pruned["pruned"] == [{"kind": "unit", "id": gone.unit_id, "locale": "en"}]
    with KnowledgeBase.open(settings) as kb:
        assert {u.document.id for u in kb.drafts().iter_units()} == {"tariffs"} | {
            e.unit_id for e in bot.units if e is not gone
        }
