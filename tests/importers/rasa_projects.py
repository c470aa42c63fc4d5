"""Rasa projects laid out at test time from real text in the shared data sets, with what the
importer must make of each, so the Rasa importer's tests commit nobody else's files.

- `faq_bot`: a Rasa 3.x FAQ bot from `covid_vaccine_faq` (Stanford OVAL covid-faq, Apache-2.0):
  retrieval intents `faq/<category>_<id>` whose examples are each FAQ's real question plus the
  real user queries labelled with it, answered by the real answers; unanswerable real queries
  make `out_of_scope`. Only the out-of-scope reply, the buttons and the image are ours.
- `assistant_bot`: a Rasa 2.x bot in Russian from `hwu64_ru` (HWU64 machine-translated by
  Encodechka: MIT, upstream CC BY 4.0): real requests; the data set has no answers, so the
  responses are written here. Some intents are answered only by a form, a custom action or a
  story, so the importer must report them.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from tests.importers.shared_texts import FaqEntry, covid_faq, dataset

__all__ = [
    "Bot",
    "Expected",
    "assistant_bot",
    "faq_bot",
    "intent_rows",
    "russian_requests",
    "title_of",
]

#: Words given an entity annotation in some real examples, to test that stripping keeps them.
_ENTITY_WORDS = re.compile(r"\b(vaccines?|COVID-19|Pfizer|Moderna|pregnant|dose)\b")
#: The four annotation forms of Rasa, for the word `{w}`.
_FORMS = (
    "[{w}](product)",
    '[{w}]{{"entity": "product"}}',
    "[{w}](product:{w})",
    '[{w}][{{"entity": "product"}}, {{"entity": "topic"}}]',
)
CDC_FAQ = "https://www.cdc.gov/coronavirus/2019-ncov/vaccines/faq.html"
ARCHIVED_FAQ = "https://web.archive.org/web/2021/cdc faq (archived)"
IMAGE = "https://www.cdc.gov/coronavirus/2019-ncov/images/vaccines/vaccine-card.jpg"
OUT_OF_SCOPE = "Sorry, I can only answer questions about COVID-19 vaccines."


@dataclass
class Expected:
    """One intent laid out: where it is, its clean examples, and the unit it must become."""

    intent: str
    source: Path
    line: int
    questions: list[str]
    #: The unit id, or None when the intent has no answer (reported, not imported).
    unit_id: str | None = None
    body: str | None = None


@dataclass
class Bot:
    """A laid-out project: its folder and what each intent must become."""

    root: Path
    intents: dict[str, Expected] = field(default_factory=dict)
    #: Examples laid out with an entity annotation: (as written, as a customer typed it).
    annotated: list[tuple[str, str]] = field(default_factory=list)
    entries: dict[str, FaqEntry] = field(default_factory=dict)

    @property
    def units(self) -> list[Expected]:
        """The intents that must become units, in file order."""
        return [e for e in self.intents.values() if e.unit_id]

    @property
    def unanswered(self) -> list[Expected]:
        """The intents that must be reported as having no answer, in file order."""
        return [e for e in self.intents.values() if not e.unit_id]

    def duplicates(self) -> set[tuple[str, str, str]]:
        """(example, intent, earlier intent) for each example given to two intents."""
        first: dict[str, str] = {}
        found = set()
        for name, expected in self.intents.items():
            for text in expected.questions:
                earlier = first.setdefault(text.casefold(), name)
                if earlier != name:
                    found.add((text, name, earlier))
        return found


def title_of(questions: list[str]) -> str:
    """The title the importer must give: the first question ending in `?`, else the first."""
    title = next((q for q in questions if q.endswith("?")), questions[0])
    return title[:1].upper() + title[1:]


def _clean(text: str) -> str:
    """A real text as one example line: whitespace collapsed."""
    return " ".join(text.split())


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _write(root: Path, files: dict[str, list[str]]) -> None:
    """Write each file's lines under `root`."""
    for relative, lines in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _annotate(text: str, count: int) -> str:
    """`text` with its first entity word annotated in the `count`-th form (cycling)."""
    match = _ENTITY_WORDS.search(text)
    if not match:
        return text
    form = _FORMS[count % len(_FORMS)].format(w=match.group(1))
    return text[: match.start()] + form + text[match.end() :]


def _examples(lines: list[str], bot: Bot, expected: Expected, texts: list[str], every: int) -> None:
    """`examples: |` lines for `texts`, every `every`-th with an annotation where it can."""
    lines.append("  examples: |")
    for text in texts:
        written = text
        if every and len(lines) % every == 0:
            written = _annotate(text, len(bot.annotated))
            if written != text:
                bot.annotated.append((written, text))
        lines.append(f"    - {written}")
        expected.questions.append(text)
    expected.questions = list(dict.fromkeys(expected.questions))


@lru_cache(maxsize=1)
def _queries() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """covid_vaccine_faq's dev queries: (text, relevant FAQ ids; empty when none answers)."""
    path = dataset("covid_vaccine_faq") / "dev_queries.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        (
            _clean(row["query"]),
            tuple(int(i) for i in row["relevant_faq_ids"].split(",") if i != "-1"),
        )
        for row in rows
    )


def _faq_slug(entry: FaqEntry) -> str:
    """`side effect`, 17 -> `side_effect_17`."""
    return "_".join([*re.findall(r"[a-z0-9]+", entry.category.lower()), str(entry.faq_id)])


def _two_intents() -> tuple[str, tuple[int, ...]]:
    """The first dev query labelled with two FAQ entries: laid out under both of them."""
    return next((query, ids) for query, ids in _queries() if len(ids) >= 2)


def _chosen_entries() -> list[FaqEntry]:
    """The FAQ entries some dev query is labelled with first, the second of `_two_intents`, and
    the first three others."""
    wanted = {ids[0] for _, ids in _queries() if ids} | {_two_intents()[1][1]}
    entries = covid_faq()
    others = [e for e in entries if e.faq_id not in wanted][:3]
    return [e for e in entries if e.faq_id in wanted or e in others]


def _with_variations(entries: list[FaqEntry]) -> tuple[FaqEntry, FaqEntry]:
    """Two entries whose original answer is one line and differs: a second variation each."""
    fit = [e for e in entries if e.answer_original and "\n" not in e.answer_original]
    fit = [e for e in fit if e.answer_original.strip() != e.answer.strip()]
    return fit[0], fit[1]


def faq_bot(
    root: Path, *, responses_in: Literal["data/nlu.yml", "domain.yml"] = "data/nlu.yml"
) -> Bot:
    """The Rasa 3.x COVID-19 vaccine FAQ bot at `root`; FAQ answers in `responses_in`
    (`data/nlu.yml` or `domain.yml`)."""
    bot = Bot(root)
    entries = _chosen_entries()
    imaged, slack = _with_variations(entries)
    nlu = ['version: "3.1"', "nlu:"]
    answers = ["responses:"]
    nlu_path = root / "data" / "nlu.yml"
    two_intents, (_, second_id, *_) = _two_intents()
    for number, entry in enumerate(entries):
        name = f"faq/{_faq_slug(entry)}"
        bot.entries[name] = entry
        expected = Expected(
            name, nlu_path, len(nlu) + 1, [], name.replace("/", "-").replace("_", "-")
        )
        nlu.append(f"- intent: {name}")
        texts = [_clean(entry.question)]
        texts += [
            q
            for q, ids in _queries()
            if ids and (ids[0] == entry.faq_id or (q == two_intents and second_id == entry.faq_id))
        ]
        if number == 1:  # Rasa 3.1's list of mappings
            nlu.append("  examples:")
            nlu.extend(f"  - text: {_q(text)}" for text in texts)
            expected.questions = list(dict.fromkeys(texts))
        else:
            _examples(nlu, bot, expected, texts, every=3)
        bot.intents[name] = expected
        answers += _faq_answer(entry, expected, imaged=entry is imaged, slack=entry is slack)
    orphan = next(e for e in covid_faq() if e not in entries)
    answers += [f"  utter_faq/{_faq_slug(orphan)}:", f"  - text: {_q(orphan.answer.strip())}"]
    _out_of_scope(bot, nlu, nlu_path)
    nlu += [
        "- synonym: Pfizer",
        "  examples: |",
        "    - Pfizer-BioNTech",
        "- regex: zip_code",
        "  examples: |",
        "    - \\b\\d{5}\\b",
        "- lookup: manufacturer",
        "  examples: |",
        "    - Moderna",
        "    - Johnson & Johnson",
    ]
    domain = [
        'version: "3.1"',
        "intents:",
        "- faq",
        "- out_of_scope",
        "- find_vaccination_site",
        *_out_of_scope_response(bot, entries),
    ]
    if responses_in == "domain.yml":
        domain += answers[1:]
    else:
        nlu += answers
    _write(
        root,
        {
            "config.yml": ["recipe: default.v1", "language: en", "pipeline: []", "policies: []"],
            "domain.yml": domain,
            "data/nlu.yml": nlu,
            "data/rules.yml": [
                'version: "3.1"',
                "rules:",
                "- rule: answer a FAQ",
                "  steps:",
                "  - intent: faq",
                "  - action: utter_faq",
                "- rule: out of scope",
                "  steps:",
                "  - intent: out_of_scope",
                "  - action: utter_out_of_scope",
                "- rule: find a vaccination site",
                "  steps:",
                "  - intent: find_vaccination_site",
                "  - action: action_find_vaccination_site",
            ],
        },
    )
    return bot


def _faq_answer(entry: FaqEntry, expected: Expected, *, imaged: bool, slack: bool) -> list[str]:
    """The response lines of a FAQ intent, its real answer; with an image and the original
    answer as a second variation (`imaged`), or the original for Slack (`slack`)."""
    name, original = expected.intent, entry.answer_original.strip()
    lines = [f"  utter_{name}:", f"  - text: {_q(entry.answer.strip())}"]
    expected.body = entry.answer.strip()
    if imaged:
        lines += [f"    image: {IMAGE}", f"  - text: {_q(original)}"]
        expected.body += f"\n\n![]({IMAGE})\n\n" + _internal(original)
    if slack:
        lines += ["  - channel: slack", f"    text: {_q(original)}"]
        expected.body += "\n\n" + _internal(f"(in Rasa's slack channel) {original}")
    return lines


def _internal(text: str) -> str:
    """The operators' note of other wordings, with one wording."""
    return f"::: internal\nThe bot also answered this with:\n\n- {text}\n:::"


def _out_of_scope(bot: Bot, nlu: list[str], nlu_path: Path) -> None:
    """`out_of_scope` (answered) and `find_vaccination_site` (a custom action's): real queries
    that no FAQ entry answers."""
    unanswerable = [q for q, ids in _queries() if not ids]
    for name, texts in (
        ("out_of_scope", unanswerable[:12]),
        ("find_vaccination_site", unanswerable[12:15]),
    ):
        expected = Expected(name, nlu_path, len(nlu) + 1, [])
        nlu.append(f"- intent: {name}")
        _examples(nlu, bot, expected, texts, every=0)
        bot.intents[name] = expected
    bot.intents["out_of_scope"].unit_id = "out-of-scope"


def _out_of_scope_response(bot: Bot, entries: list[FaqEntry]) -> list[str]:
    """Our out-of-scope reply: buttons to two FAQ intents (one with an entity), two URLs (one
    with spaces and brackets) and a quick reply to an intent that is not imported."""
    first, second = entries[0], entries[2]
    one, two = f"faq/{_faq_slug(first)}", f"faq/{_faq_slug(second)}"
    bot.intents["out_of_scope"].body = (
        f"{OUT_OF_SCOPE}\n\n"
        f"- [{first.question}](unit:{bot.intents[one].unit_id})\n"
        f"- [{second.question}](unit:{bot.intents[two].unit_id})\n"
        f"- [CDC vaccine FAQ]({CDC_FAQ})\n"
        f"- [\\[Archived\\] CDC FAQ](<{ARCHIVED_FAQ}>)\n\n"
        "::: only chatbot\n- Find a vaccination site\n:::"
    )
    return [
        "responses:",
        "  utter_out_of_scope:",
        f"  - text: {_q(OUT_OF_SCOPE)}",
        "    buttons:",
        f"    - title: {_q(first.question)}",
        f"      payload: /{one}",
        f"    - title: {_q(second.question)}",
        f'      payload: \'/{two}{{"manufacturer": "Moderna"}}\'',
        "    - title: CDC vaccine FAQ",
        f"      payload: {CDC_FAQ}",
        '    - title: "[Archived]  CDC FAQ"',
        f"      payload: {ARCHIVED_FAQ}",
        "    - title: Find a vaccination site",
        "      payload: /find_vaccination_site",
    ]


# -- the Rasa 2.x assistant in Russian --------------------------------------------------------

#: hwu64_ru label -> (our intent name, how the bot answers it).
_ASSISTANT = {
    "general__greet": ("greet", "rule: utter_greet, utter_help"),
    "general__commandstop": ("goodbye", "utter_goodbye"),
    "general__affirm": ("affirm", "rule: or"),
    "general__praise": ("thankyou", "rule: or"),
    "general__joke": ("tell_joke", "utter_tell_joke, two variations"),
    "alarm__set": ("set_alarm", "a form"),
    "weather__query": ("ask_weather", "a custom action"),
    "takeaway__order": ("order_takeaway", "a story"),
}
GREET = "Здравствуйте! Я ваш домашний помощник."
HELP = "Я могу ставить будильники, рассказывать о погоде и заказывать еду."
GOODBYE = "До свидания!"
NOWORRIES = "Пожалуйста, обращайтесь!"
JOKES = ("Колобок повесился.", "Штирлиц долго смотрел в одну точку. Потом в другую.")


@lru_cache(maxsize=1)
def _hwu_rows() -> tuple[tuple[str, str], ...]:
    """hwu64_ru's (Russian text, label) rows the annotators kept, without brackets."""
    path = dataset("hwu64_ru") / "train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            (_clean(row["text_ru"]), row["label"])
            for row in csv.DictReader(handle)
            if not row["status"] and not re.search(r"[\[\]{}]", row["text_ru"])
        )


def russian_requests(label: str, count: int) -> list[str]:
    """The first `count` real Russian requests labelled `label` in hwu64_ru."""
    return [text for text, found in _hwu_rows() if found == label][:count]


def assistant_bot(root: Path) -> Bot:
    """The Rasa 2.x home assistant in Russian at `root`, its domain split in a domain/ folder."""
    bot = Bot(root)
    nlu = ['version: "2.0"', "nlu:"]
    nlu_path = root / "data" / "nlu.yml"
    for label, (name, answer) in _ASSISTANT.items():
        expected = Expected(name, nlu_path, len(nlu) + 1, [])
        nlu.append(f"- intent: {name}")
        _examples(nlu, bot, expected, russian_requests(label, 8), every=0)
        if "form" not in answer and "action" not in answer and "story" not in answer:
            expected.unit_id = name.replace("_", "-")
        bot.intents[name] = expected
    bodies = {
        "greet": f"{GREET}\n\n{HELP}",
        "goodbye": GOODBYE,
        "affirm": NOWORRIES,
        "thankyou": NOWORRIES,
        "tell_joke": f"{JOKES[0]}\n\n" + _internal(JOKES[1]),
    }
    for name, body in bodies.items():
        bot.intents[name].body = body
    _write(root, _assistant_files())
    _write(root, {"data/nlu.yml": nlu})
    return bot


def _assistant_files() -> dict[str, list[str]]:
    """The assistant's config, split domain, rules and stories."""
    intents = [name for name, _ in _ASSISTANT.values()]
    return {
        "config.yml": ["language: ru", "pipeline:", "- name: WhitespaceTokenizer", "policies: []"],
        "domain/intents.yml": ['version: "2.0"', "intents:", *(f"- {n}" for n in intents)],
        "domain/responses/general.yml": [
            'version: "2.0"',
            "responses:",
            *_texts("utter_greet", GREET),
            *_texts("utter_help", HELP),
            *_texts("utter_goodbye", GOODBYE),
            *_texts("utter_noworries", NOWORRIES),
            *_texts("utter_tell_joke", *JOKES),
        ],
        "domain/forms.yml": [
            'version: "2.0"',
            "forms:",
            "  alarm_form:",
            "    time:",
            "    - type: from_entity",
            "      entity: time",
            "responses:",
            *_texts("utter_ask_time", "На какое время поставить будильник?"),
            *_texts("utter_ask_address", "Куда доставить заказ?"),
        ],
        "data/rules.yml": [
            'version: "2.0"',
            "rules:",
            *_rule("greet", "intent: greet", "action: utter_greet", "action: utter_help"),
            *_rule(
                "thanks",
                "or:\n    - intent: affirm\n    - intent: thankyou",
                "action: utter_noworries",
            ),
            *_rule("alarm", "intent: set_alarm", "action: alarm_form", "active_loop: alarm_form"),
            *_rule("weather", "intent: ask_weather", "action: action_weather"),
        ],
        "data/stories.yml": [
            'version: "2.0"',
            "stories:",
            "- story: order food",
            "  steps:",
            "  - intent: order_takeaway",
            "  - action: utter_ask_address",
        ],
    }


def _texts(name: str, *texts: str) -> Iterator[str]:
    """A response's lines: one text variation per text."""
    yield f"  {name}:"
    for text in texts:
        yield f"  - text: {_q(text)}"


def _rule(title: str, *steps: str) -> list[str]:
    """A rule's lines: its steps as written (`intent: greet`, `action: utter_greet`)."""
    return [f"- rule: {title}", "  steps:", *(f"  - {step}" for step in steps)]


def intent_rows(name: str, column: str = "intent", text: str = "text") -> dict[str, list[str]]:
    """An intent data set's train.csv (`hwu64_ru`): its texts by intent."""
    by_intent: dict[str, list[str]] = {}
    with (dataset(name) / "train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_intent.setdefault(row[column], []).append(_clean(row[text]))
    return by_intent
