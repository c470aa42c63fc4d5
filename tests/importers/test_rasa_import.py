"""The Rasa importer: real projects (2.x and 3.x) become units, what cannot is reported, and
broken or hostile projects are refused whole with every problem named by file and line."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from importers import rasa
from importers.rasa_yaml import MAX_FILE_BYTES, read_project, strip_annotations
from kb import InvalidContent, KnowledgeBase, Problem
from kb.content.document import UnitDocument, UnitSource, parse_unit
from kb.settings import Settings
from kb.store.importing import ContentBatch
from kb.store.revisions import SaveOutcome

DATA = Path(__file__).parent / "data" / "rasa"
CHANNELS = ("web", "chatbot", "operator", "ivr")
WriteTree = Callable[[dict[str, str]], Path]


def read(path: Path, default_locale: str = "en") -> ContentBatch:
    """The Rasa importer on `path`, with every channel."""
    return rasa.read(path, default_locale=default_locale, channels=CHANNELS)


def units_of(batch: ContentBatch) -> dict[str, UnitDocument]:
    """The batch's units by id."""
    return {item.document.id: item.document for item in batch.units}


def problems_of(path: Path) -> tuple[Problem, ...]:
    """The problems reading `path` raises (it must raise)."""
    with pytest.raises(InvalidContent) as caught:
        read(path)
    return caught.value.problems


def no_answer(batch: ContentBatch) -> set[str]:
    """The intents the importer reported as having no answer."""
    return {w.message.split("'")[1] for w in batch.warnings if "has no answer" in w.message}


@pytest.mark.parametrize(
    ("project", "ids"),
    [
        ("helpdesk-assistant", ["greet", "goodbye", "bot-challenge", "help", "out-of-scope"]),
        ("financial-demo", ["goodbye", "greet", "thankyou", "help", "out-of-scope"]),
        (
            "responseselectorbot",
            ["greet", "goodbye", "bot-challenge", "chitchat-ask-name", "chitchat-ask-weather"],
        ),
    ],
)
def test_real_projects_import_every_answered_intent_as_a_valid_unit(
    project: str, ids: list[str]
) -> None:
    batch = read(DATA / project)

    assert [item.document.id for item in batch.units] == ids
    for item in batch.units:
        doc = item.document
        assert doc.source == UnitSource("rasa", doc.source.id if doc.source else "")
        assert doc.questions and doc.body
        # What the importer makes is content as authors write it: it parses back the same.
        assert parse_unit(doc.to_markdown(), channels=CHANNELS) == doc


def test_intents_without_an_answer_are_reported_one_each_with_file_and_line() -> None:
    batch = read(DATA / "helpdesk-assistant")

    assert no_answer(batch) == {
        "thank",
        "password_reset",
        "open_incident",
        "problem_email",
        "inform",
        "incident_status",
        "affirm",
        "deny",
        "human_handoff",
    }
    thank = next(w for w in batch.warnings if "'thank'" in w.message)
    assert thank.source == str(DATA / "helpdesk-assistant" / "data" / "nlu.yml")
    assert thank.line == 77  # `- intent: thank`


def test_a_rule_answering_an_intent_with_responses_is_its_answer() -> None:
    # financial-demo 2.0: `greet` -> utter_greet + utter_help, `thankyou` -> utter_noworries.
    docs = units_of(read(DATA / "financial-demo"))

    assert docs["greet"].body.startswith("Hi! I'm your Financial Assistant!\n\nI can help you")
    assert docs["thankyou"].body == "You're welcome :)"
    # and helpdesk's `bot_challenge` is answered by utter_iamabot through its rule.
    helpdesk = units_of(read(DATA / "helpdesk-assistant"))
    assert helpdesk["bot-challenge"].body == "I am a bot, powered by Rasa."
    assert helpdesk["bot-challenge"].title == "Are you a bot?"


def test_a_rule_for_any_of_several_intents_answers_each(write_tree: WriteTree) -> None:
    rules = (
        "rules:\n- rule: thanks or bye\n  steps:\n  - or:\n    - intent: affirm\n"
        "    - intent: greet\n  - action: utter_cheer\n  - action: action_listen\n"
        "- rule: loops\n  steps:\n  - or: &loop\n    - or: *loop\n  - action: utter_cheer\n"
    )
    extra = "responses:\n  utter_cheer:\n  - text: Cheers!\n"
    docs = units_of(read(project(write_tree, {"data/rules.yml": rules + extra})))

    assert docs["affirm"].body == docs["greet"].body == "Cheers!"


def test_retrieval_intents_become_units_in_their_group_with_other_wordings_kept_internal() -> None:
    docs = units_of(read(DATA / "responseselectorbot"))

    name = docs["chitchat-ask-name"]
    assert name.category == "chitchat"
    assert name.source == UnitSource("rasa", "chitchat/ask_name")
    assert name.title == "What is your name?"
    assert name.body == (
        "hello, my name is retrieval bot.\n\n"
        "![](https://i.imgur.com/zTvA58i.jpeg)\n\n"
        "::: internal\nThe bot also answered this with:\n\n"
        "- Oh yeah, I am called the retrieval bot.\n:::"
    )
    assert docs["greet"].category is None


def test_examples_lose_their_entity_annotations() -> None:
    project = read_project(DATA / "helpdesk-assistant")
    examples = [text for text, _, _ in project.intents["open_incident"].examples]

    assert "open an urgent issue" in examples
    assert "I want to open an incident, but it's low priority" in examples
    assert not [text for text in examples if "[" in text or "{" in text]
    assert strip_annotations('send [100](amount:100) to [Jo]{"entity": "PERSON"}') == (
        "send 100 to Jo"
    )
    assert strip_annotations('I live in [Berlin][{"entity": "city"}, {"entity": "loc"}]') == (
        "I live in Berlin"
    )


def test_an_example_given_to_two_intents_is_a_warning_naming_both() -> None:
    batch = read(DATA / "responseselectorbot")

    (duplicate,) = [w for w in batch.warnings if "also an example" in w.message]
    assert "'good afternoon'" in duplicate.message
    assert "'goodbye'" in duplicate.message and "'greet'" in duplicate.message
    assert duplicate.line == 22


# -- made-up projects for what the real ones lack ---------------------------------------------

DOMAIN_V3 = """\
version: "3.1"
intents: [greet, faq, affirm]
responses:
  utter_greet:
  - text: Hello! What can I do for you?
    buttons:
    - title: Refunds
      payload: /faq/refunds
    - title: "Opening hours"
      payload: '/faq/opening_hours{"store": "main"}'
    - title: Our terms
      payload: https://example.com/terms
    - title: "[Old] terms"
      payload: https://example.com/old terms (2019)
    - title: "Yes"
      payload: /affirm
"""

NLU_V3 = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
- intent: faq/refunds
  examples: |
    - can I get my [money](thing) back?
    - how do refunds work
- intent: faq/opening_hours
  examples:
  - text: when are you open
  - text: |
      what are the opening hours of the [main]{"entity": "store"} store?
- intent: affirm
  examples: |
    - yes
- synonym: main
  examples: |
    - central
- regex: account_number
  examples: |
    - \\d{10}
- lookup: city
  examples: |
    - Berlin
responses:
  utter_faq/refunds:
  - text: Refunds reach your card within {days} days, {{ name }}.
  utter_faq/opening_hours:
  - text: We are open 9 to 5.
  - channel: slack
    text: "*9 to 5*, weekdays."
  utter_faq/orphan:
  - text: Nobody asks this.
"""


def project(write_tree: WriteTree, files: dict[str, str] | None = None) -> Path:
    """A Rasa project with the made-up domain and NLU, and `files` added or replaced (an empty
    text leaves a file out)."""
    tree = {"domain.yml": DOMAIN_V3, "data/nlu.yml": NLU_V3, **(files or {})}
    return write_tree({name: text for name, text in tree.items() if text})


def test_buttons_become_unit_links_to_imported_intents_else_links_or_quick_replies(
    write_tree: WriteTree,
) -> None:
    docs = units_of(read(project(write_tree)))

    assert sorted(docs) == ["faq-opening-hours", "faq-refunds", "greet"]
    assert docs["greet"].body == (
        "Hello! What can I do for you?\n\n"
        "- [Refunds](unit:faq-refunds)\n"
        "- [Opening hours](unit:faq-opening-hours)\n"
        "- [Our terms](https://example.com/terms)\n"
        "- [\\[Old\\] terms](<https://example.com/old terms (2019)>)\n\n"
        "::: only chatbot\n- Yes\n:::"
    )
    assert parse_unit(docs["greet"].to_markdown(), channels=CHANNELS) == docs["greet"]


def test_titles_prefer_an_example_question_and_questions_are_clean(
    write_tree: WriteTree,
) -> None:
    docs = units_of(read(project(write_tree)))

    assert docs["faq-refunds"].questions == ("can I get my money back?", "how do refunds work")
    assert docs["faq-refunds"].title == "Can I get my money back?"
    hours = docs["faq-opening-hours"]
    assert hours.questions[1] == "what are the opening hours of the main store?"
    assert hours.title == "What are the opening hours of the main store?"
    assert docs["greet"].title == "Hello"


def test_channel_variations_slots_and_orphan_responses_are_reported_not_lost(
    write_tree: WriteTree,
) -> None:
    batch = read(project(write_tree))
    docs = units_of(batch)

    assert docs["faq-opening-hours"].body == (
        "We are open 9 to 5.\n\n::: internal\nThe bot also answered this with:\n\n"
        "- (in Rasa's slack channel) *9 to 5*, weekdays.\n:::"
    )
    messages = [w.message for w in batch.warnings]
    assert any("utter_faq/refunds" in m and "{days}" in m for m in messages)
    assert any("utter_faq/refunds" in m and "{{ name }}" in m for m in messages)
    assert any("utter_faq/orphan" in m and "answers no intent" in m for m in messages)
    assert no_answer(batch) == {"affirm"}
    # synonym, regex and lookup items are not intents and not errors
    assert not [m for m in messages if "main" in m or "account_number" in m]


def test_language_of_config_is_the_locale(write_tree: WriteTree) -> None:
    batch = read(project(write_tree, {"config.yml": "language: pt_BR\npipeline: []\n"}))

    assert {item.document.locale for item in batch.units} == {"pt-BR"}
    assert {item.document.locale for item in read(project(write_tree)).units} == {"en"}


def test_a_domain_folder_split_in_several_files_is_read_whole(write_tree: WriteTree) -> None:
    root = project(
        write_tree,
        {
            "domain.yml": "",
            "domain/greet.yml": 'version: "3.1"\nresponses:\n  utter_greet:\n  - text: Hi!\n',
            "domain/more/affirm.yml": "responses:\n  utter_affirm:\n  - text: Great.\n",
        },
    )
    assert not (root / "domain.yml").exists()
    assert rasa.looks_like(root)

    docs = units_of(read(root))
    assert docs["greet"].body == "Hi!"
    assert docs["affirm"].body == "Great."
    assert docs["faq-opening-hours"].body.startswith("We are open 9 to 5.")


def test_looks_like_a_rasa_project_only(write_tree: WriteTree, tmp_path: Path) -> None:
    assert all(rasa.looks_like(DATA / name) for name in ("financial-demo", "responseselectorbot"))
    assert not rasa.looks_like(write_tree({"en/a.md": "---\nid: a\n---\nA.\n"}))
    (tmp_path / "qa.csv").write_text("id\n", encoding="utf-8")
    assert not rasa.looks_like(tmp_path / "qa.csv")
    assert not rasa.looks_like(tmp_path / "missing")


# -- broken and hostile projects ------------------------------------------------------------


def test_every_problem_of_a_broken_project_is_named_at_once(write_tree: WriteTree) -> None:
    root = project(
        write_tree,
        {
            "data/broken.yml": "nlu:\n- intent: x\n  examples: |\n    - a\n  bad: [unclosed\n",
            "data/list.yml": "- intent: greet\n  examples: |\n    - hi\n",
            "data/more.yml": (
                "nlu:\n- intent: empty\n  examples: |\n"
                "- something: else\n"
                "responses:\n  utter_greet:\n  - text: Again\n"
            ),
        },
    )

    problems = {(Path(p.source or "").name, p.line, p.message[:40]) for p in problems_of(root)}
    assert problems == {
        ("broken.yml", 6, "invalid YAML: did not find expected ',' "),
        ("list.yml", 1, "a Rasa file must be a mapping of keys su"),
        ("more.yml", 2, "intent 'empty' has no examples"),
        ("more.yml", 4, "an nlu item needs one of intent, synonym"),
        ("more.yml", 6, "response 'utter_greet' is defined twice "),
    }


@pytest.mark.parametrize(
    ("text", "line"), [("nlu:\n  intent: greet\n", 2), ("version: '3.1'\nnlu: greet\n", 2)]
)
def test_nlu_that_is_not_a_list_is_refused(write_tree: WriteTree, text: str, line: int) -> None:
    (problem,) = problems_of(project(write_tree, {"data/nlu.yml": text}))

    assert problem.line == line
    assert "nlu: must be a list" in problem.message


def test_markdown_nlu_of_rasa_1_is_refused_with_the_command_that_converts_it(
    write_tree: WriteTree,
) -> None:
    root = project(write_tree, {"data/old/nlu.md": "<!-- old -->\n## intent:greet\n- hi\n"})

    (problem,) = problems_of(root)
    assert (Path(problem.source or "").name, problem.line) == ("nlu.md", 2)
    assert "rasa data convert nlu" in problem.message


def test_not_a_project_is_refused(write_tree: WriteTree, tmp_path: Path) -> None:
    (problem,) = problems_of(write_tree({"domain.yml": DOMAIN_V3}))
    assert "no data/ folder" in problem.message
    (tmp_path / "domain.yml").write_text(DOMAIN_V3, encoding="utf-8")
    (problem,) = problems_of(tmp_path / "domain.yml")
    assert "is a folder" in problem.message


def test_a_project_without_intents_or_with_a_file_not_in_utf8_is_refused(
    write_tree: WriteTree,
) -> None:
    (empty,) = problems_of(write_tree({"domain.yml": DOMAIN_V3, "data/rules.yml": "rules:\n"}))
    assert "no intents" in empty.message
    root = project(write_tree)
    (root / "data" / "latin.yml").write_bytes("nlu:\n- intent: caf\xe9\n".encode("latin-1"))
    (problem,) = problems_of(root)
    assert (problem.source, problem.line) == (str(root / "data" / "latin.yml"), 1)
    assert "not UTF-8" in problem.message


def test_a_file_over_the_size_limit_is_refused_unread(write_tree: WriteTree) -> None:
    root = project(write_tree)
    with (root / "data" / "huge.yml").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, no time

    (problem,) = problems_of(root)
    assert problem.source == str(root / "data" / "huge.yml")
    assert "are refused" in problem.message


def test_a_big_real_sized_project_imports_quickly(write_tree: WriteTree) -> None:
    intents = 2_000
    nlu = ['version: "3.1"', "nlu:"]
    responses = ["responses:"]
    for number in range(intents):
        nlu += [f"- intent: faq/q{number}", "  examples: |"]
        nlu += [f"    - how do I do [thing {number}](item) variant {v}?" for v in range(30)]
        responses += [f"  utter_faq/q{number}:", f"  - text: Do thing {number} like this."]
    root = write_tree({"domain.yml": "\n".join(responses), "data/nlu.yml": "\n".join(nlu)})
    assert (root / "data" / "nlu.yml").stat().st_size > 2_500_000

    started = time.perf_counter()
    batch = read(root)
    elapsed = time.perf_counter() - started

    assert len(batch.units) == intents
    assert batch.units[5].document.questions[0] == "how do I do thing 5 variant 0?"
    assert elapsed < 20, elapsed


def test_aliases_cannot_blow_up_a_project(write_tree: WriteTree) -> None:
    bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 12):
        bomb.append(
            f"{'abcdefghijkl'[level]}: &{'abcdefghijkl'[level]} ["
            + ", ".join([f"*{'abcdefghijkl'[level - 1]}"] * 9)
            + "]"
        )
    bomb.append("nlu: [*l]")
    root = project(write_tree, {"data/bomb.yml": "\n".join(bomb) + "\n"})

    started = time.perf_counter()
    (problem,) = problems_of(root)
    assert "nlu item must be a mapping" in problem.message
    assert time.perf_counter() - started < 10


# -- into the store ---------------------------------------------------------------------------


def test_importing_twice_changes_nothing_and_a_changed_answer_updates_the_same_unit(
    kb: KnowledgeBase, write_tree: WriteTree
) -> None:
    root = project(write_tree)
    first = kb.import_content(read(root), author="tester", message="rasa")
    assert first.units[SaveOutcome.CREATED] == 3

    again = kb.import_content(read(root), author="tester", message="rasa again")
    assert again.units[SaveOutcome.UNCHANGED] == 3
    assert again.units[SaveOutcome.CREATED] == again.units[SaveOutcome.UPDATED] == 0

    nlu = (root / "data" / "nlu.yml").read_text(encoding="utf-8")
    (root / "data" / "nlu.yml").write_text(
        nlu.replace("We are open 9 to 5.", "We are open 8 to 6."), encoding="utf-8"
    )
    changed = kb.import_content(read(root), author="tester", message="rasa newer")
    assert changed.units[SaveOutcome.UPDATED] == 1
    assert changed.units[SaveOutcome.UNCHANGED] == 2
    hours = kb.drafts().unit("faq-opening-hours", "en")
    assert hours.document.body.startswith("We are open 8 to 6.")
    assert hours.document.source == UnitSource("rasa", "faq/opening_hours")


def test_intents_whose_ids_collide_keep_their_units_when_the_export_reorders_them(
    kb: KnowledgeBase, write_tree: WriteTree
) -> None:
    first, second = (
        "- intent: faq/a_b\n  examples: |\n    - first question\n",
        "- intent: faq_a/b\n  examples: |\n    - second question\n",
    )
    domain = "responses:\n  utter_faq/a_b:\n  - text: First.\n  utter_faq_a/b:\n  - text: Second.\n"
    root = write_tree({"domain.yml": domain, "data/nlu.yml": "nlu:\n" + first + second})
    assert sorted(units_of(read(root))) == ["faq-a-b", "faq-a-b-2"]
    kb.import_content(read(root), author="tester", message="rasa")

    (root / "data" / "nlu.yml").write_text("nlu:\n" + second + first, encoding="utf-8")
    report = kb.import_content(read(root), author="tester", message="rasa reordered")

    assert report.units[SaveOutcome.UNCHANGED] == 2
    drafts = kb.drafts()
    assert drafts.unit("faq-a-b", "en").document.body == "First."
    assert drafts.unit("faq-a-b-2", "en").document.body == "Second."


# -- the command line -------------------------------------------------------------------------


def kb_run(env: dict[str, str], *args: str) -> dict[str, Any]:
    """`kb ARGS... --json` against the test database, its output as JSON."""
    result = CliRunner().invoke(app, [*args, "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_kb_import_twice_changes_nothing_then_a_changed_response_updates_the_same_unit(
    env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    bot = tmp_path / "helpdesk"
    shutil.copytree(DATA / "helpdesk-assistant", bot)
    first = kb_run(env, "import", str(bot), "--from", "rasa")
    second = kb_run(env, "import", str(bot))  # the format guessed from domain.yml and data/
    domain = bot / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    domain.write_text(text.replace("Goodbye!", "Goodbye, and thanks!"), encoding="utf-8")
    third = kb_run(env, "import", str(bot), "--from", "rasa")

    assert first["units"] == {"created": 5, "updated": 0, "unchanged": 0}
    assert second["units"] == {"created": 0, "updated": 0, "unchanged": 5}
    assert third["units"] == {"created": 0, "updated": 1, "unchanged": 4}
    unanswered = [w for w in first["warnings"] if "has no answer" in w["message"]]
    assert len(unanswered) == 9
    assert unanswered[0]["source"] == str(bot / "data" / "nlu.yml")
    with KnowledgeBase.open(settings) as kb:
        goodbye = kb.drafts().unit("goodbye", "en").document
        assert goodbye.body == "Goodbye, and thanks!"
        assert goodbye.source == UnitSource("rasa", "goodbye")
        assert len(kb.history("goodbye", "en")) == 2


def test_kb_import_prune_archives_only_the_bots_units_it_no_longer_has(
    env: dict[str, str], settings: Settings, tmp_path: Path, write_tree: WriteTree
) -> None:
    own = write_tree({"en/help.md": "---\nid: tariffs\nlocale: en\ntitle: Tariffs\n---\nCheap.\n"})
    kb_run(env, "import", str(own))
    bot = tmp_path / "helpdesk"
    shutil.copytree(DATA / "helpdesk-assistant", bot)
    kb_run(env, "import", str(bot), "--from", "rasa")
    nlu = bot / "data" / "nlu.yml"
    text = nlu.read_text(encoding="utf-8")
    start, end = text.index("- intent: help\n"), text.index("- intent: problem_email\n")
    nlu.write_text(text[:start] + text[end:], encoding="utf-8")

    pruned = kb_run(env, "import", str(bot), "--from", "rasa", "--prune", "--yes")

    assert pruned["pruned"] == [{"kind": "unit", "id": "help", "locale": "en"}]
    with KnowledgeBase.open(settings) as kb:
        assert {u.document.id for u in kb.drafts().iter_units()} == {
            "tariffs",
            "greet",
            "goodbye",
            "bot-challenge",
            "out-of-scope",
        }
