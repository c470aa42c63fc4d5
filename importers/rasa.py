"""Read a Rasa project (2.x and 3.x YAML): intents that have an answer become units.

What becomes what, and why:
- An intent becomes a unit when the bot answers it with a response: the responses a rule
  answers it with (`- intent: X` then only `utter_` actions: what the bot really says), else
  `utter_<intent>` (also `utter_faq/refunds` for the retrieval intent `faq/refunds`). Intents
  answered only by stories, forms or custom actions are reported in `warnings`, one per intent.
- Unit id: the intent name as a slug (`faq/refunds` -> `faq-refunds`), stable across exports;
  category: the retrieval intent's group (`faq`); source: `UnitSource("rasa", intent name)`.
- Questions: the intent's examples with entity annotations removed (`[order](item)` -> `order`);
  title: the first example that ends with `?` (else the first), capitalised: what customers
  typed is what they look for.
- Body: the first variation's text (variations for one Rasa channel or with a condition come
  after the plain ones), its image as a Markdown image, its buttons as `unit:` links when their
  payload `/intent` is an imported intent, as links when it is a URL, else as quick replies in a
  `::: only chatbot` block. Other variations go to a `::: internal` note for operators, so no
  wording is lost; `custom` payloads cannot be shown by any channel and are reported.
- Locale: `language` of config.yml, else the default locale.
- `synonym`, `regex` and `lookup` items, stories, slots and forms are ignored; Rasa 1.x Markdown
  NLU files are refused with the command that converts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from importers.ids import slugify
from importers.rasa_yaml import (
    MarkdownNlu,
    Project,
    Response,
    Variation,
    read_project,
    strip_annotations,
)
from kb.content.document import (
    SNIPPET_REF,
    UnitDocument,
    UnitSource,
    validate_locale,
    validate_slug,
)
from kb.errors import InvalidContent, Problem
from kb.store.importing import ContentBatch, SourcedUnit

__all__ = ["FORMAT", "looks_like", "read", "strip_annotations"]

FORMAT = "rasa"

_DATA_DIR = "data"
_DOMAIN_NAMES = ("domain.yml", "domain.yaml", "domain")
#: A slot filled in by the bot: `{name}` but not a snippet's `{{ name }}`.
_SLOT = re.compile(r"(?<!\{)\{([A-Za-z_][\w-]*)\}(?!\})")
_MAX_ID = 200


def looks_like(path: Path) -> bool:
    """A folder with a `data/` folder and a domain (file or folder): a Rasa project."""
    path = Path(path)
    return (
        path.is_dir()
        and (path / _DATA_DIR).is_dir()
        and any((path / name).exists() for name in _DOMAIN_NAMES)
    )


@dataclass
class _Unit:
    """An intent that will become a unit, with what it is answered by."""

    intent: str
    id: str
    responses: list[Response]
    questions: list[str] = field(default_factory=list)


def read(
    path: Path,
    *,
    default_locale: str,
    channels: tuple[str, ...],
    progress: Callable[[int], None] | None = None,
) -> ContentBatch:
    """Read the Rasa project at `path`; raise InvalidContent listing every problem at once."""
    root = Path(path)
    if not root.is_dir():
        raise InvalidContent(
            [Problem("a Rasa project is a folder (with data/ and domain.yml)", str(root))]
        )
    if not (root / _DATA_DIR).is_dir():
        raise InvalidContent([Problem("not a Rasa project: there is no data/ folder", str(root))])
    project = read_project(root)
    problems = list(project.problems)
    problems.extend(_markdown_problem(md) for md in project.markdown_nlu)
    if not project.intents and not problems:
        problems.append(Problem("no intents in data/: nothing to import", str(root / _DATA_DIR)))
    locale = _locale(project, default_locale, problems)
    warnings = list(project.warnings)
    units = _plan_units(project, warnings)
    _warn_duplicate_examples(project, warnings)
    if problems:
        raise InvalidContent(problems)
    ids = {unit.intent: unit.id for unit in units}
    batch = ContentBatch(silo=FORMAT)
    for unit in units:
        batch.units.append(SourcedUnit(_document(unit, ids, locale, channels, warnings)))
        if progress:
            progress(1)
    # A response answering several intents is reported once.
    batch.warnings = list(dict.fromkeys(warnings))
    return batch


def _markdown_problem(md: MarkdownNlu) -> Problem:
    """The problem of a Rasa 1.x Markdown NLU file: refused, with the command that converts it."""
    return Problem(
        "Rasa 1.x Markdown training data is not supported: convert it with "
        "`rasa data convert nlu -f yaml --data data --out data` (Rasa 2.x) and import again",
        md.source,
        md.line,
    )


def _locale(project: Project, default_locale: str, problems: list[Problem]) -> str:
    """The `language` of config.yml as a locale (`pt_BR` -> `pt-BR`), else the default."""
    if project.language is None:
        return default_locale
    value, source, line = project.language
    locale = value.replace("_", "-")
    if "-" in locale:
        language, region = locale.split("-", 1)
        locale = f"{language.lower()}-{region.upper()}"
    if (message := validate_locale(locale)) is not None:
        problems.append(Problem(f"language '{value}' {message}", source, line, "language"))
        return default_locale
    return locale


def _plan_units(project: Project, warnings: list[Problem]) -> list[_Unit]:
    """Every intent with an answer, in file order, with its unit id; warn about the rest."""
    units: list[_Unit] = []
    taken: set[str] = set()
    for name, intent in project.intents.items():
        responses = _answer(project, name)
        if not responses:
            warnings.append(
                Problem(
                    f"intent '{name}' has no answer (no response utter_{name} and no rule "
                    "answering it with a response): not imported",
                    intent.source,
                    intent.line,
                )
            )
            continue
        unit = _Unit(name, _unique_id(_slug(name), taken), responses)
        unit.questions = list(dict.fromkeys(text for text, _, _ in intent.examples))
        units.append(unit)
    answered = {response.name for unit in units for response in unit.responses}
    for name, response in project.responses.items():
        if "/" in name and name not in answered:
            warnings.append(
                Problem(
                    f"response '{name}' answers no intent with examples: not imported",
                    response.source,
                    response.line,
                )
            )
    return units


def _answer(project: Project, intent: str) -> list[Response]:
    """The responses that answer `intent`: its rule's, else `utter_<intent>`; only with text."""
    names = project.rule_answers.get(intent) or [f"utter_{intent}"]
    responses = [project.responses[n] for n in names if n in project.responses]
    if len(responses) != len(names):
        # A rule naming an undefined response: fall back to the naming convention.
        fallback = project.responses.get(f"utter_{intent}")
        responses = [fallback] if fallback else []
    return [r for r in responses if r.shown]


def _slug(name: str) -> str:
    """`faq/refunds` -> `faq-refunds`; a name of no letters or digits gets `intent`."""
    return slugify(name, limit=_MAX_ID) or "intent"


def _unique_id(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`... when an earlier intent took it."""
    candidate, number = slug, 1
    while candidate in taken or validate_slug(candidate) is not None:
        number += 1
        candidate = f"{slug[: _MAX_ID - len(str(number)) - 1].strip('-')}-{number}"
    taken.add(candidate)
    return candidate


def _warn_duplicate_examples(project: Project, warnings: list[Problem]) -> None:
    """One warning per example given to two intents: the matcher cannot tell them apart."""
    first: dict[str, tuple[str, str, int]] = {}
    for name, intent in project.intents.items():
        for text, source, line in intent.examples:
            key = text.casefold()
            earlier = first.setdefault(key, (name, source, line))
            if earlier[0] != name:
                warnings.append(
                    Problem(
                        f"example '{text}' of intent '{name}' is also an example of intent "
                        f"'{earlier[0]}' ({earlier[1]}:{earlier[2]})",
                        source,
                        line,
                    )
                )


def _document(
    unit: _Unit,
    ids: dict[str, str],
    locale: str,
    channels: tuple[str, ...],
    warnings: list[Problem],
) -> UnitDocument:
    """The unit for one answered intent."""
    title = _title(unit.questions) or _humanise(unit.intent)
    category = _slug(unit.intent.split("/", 1)[0]) if "/" in unit.intent else None
    return UnitDocument(
        id=unit.id,
        locale=locale,
        title=title,
        body=_body(unit.responses, ids, channels, warnings),
        questions=tuple(unit.questions),
        category=category,
        source=UnitSource(FORMAT, unit.intent),
    )


def _title(questions: list[str]) -> str:
    """The first example that is a question (ends with `?`), else the first, capitalised."""
    title = next((q for q in questions if q.endswith("?")), questions[0] if questions else "")
    return title[:1].upper() + title[1:]


def _humanise(name: str) -> str:
    """`ask_transfer_charge` -> `Ask transfer charge`."""
    return " ".join(re.split(r"[\W_]+", name)).strip() or name


def _body(
    responses: list[Response],
    ids: dict[str, str],
    channels: tuple[str, ...],
    warnings: list[Problem],
) -> str:
    """The answer: each response's first shown variation, then the others in an internal note."""
    parts: list[str] = []
    others: list[str] = []
    for response in responses:
        main, *rest = response.ordered()
        parts.append(_variation(main, ids, channels))
        others.extend(_other(v) for v in rest if v.text)
        _warn_response(response, warnings)
    body = "\n\n".join(p for p in parts if p)
    if others:
        listed = "\n".join(_list_item(text) for text in others)
        body += f"\n\n::: internal\nThe bot also answered this with:\n\n{listed}\n:::"
    return body


def _variation(variation: Variation, ids: dict[str, str], channels: tuple[str, ...]) -> str:
    """One variation as Markdown: text, image, buttons."""
    parts = [variation.text] if variation.text else []
    if variation.image and (image := _url(variation.image)):
        parts.append(f"![]({image})")
    links: list[str] = []
    replies: list[str] = []
    for title, payload in variation.buttons:
        target = _button_intent(payload)
        if target is not None and target in ids:
            links.append(f"- [{_escape(title)}](unit:{ids[target]})")
        elif url := _url(payload):
            links.append(f"- [{_escape(title)}]({url})")
        else:
            replies.append(_list_item(title))
    if links:
        parts.append("\n".join(links))
    if replies:
        listed = "\n".join(replies)
        parts.append(f"::: only chatbot\n{listed}\n:::" if "chatbot" in channels else listed)
    return "\n\n".join(parts)


def _url(text: str) -> str | None:
    """`text` as a Markdown link target when it is a web address (in <> if it has spaces)."""
    if not text.lower().startswith(("https://", "http://")) or any(c in text for c in "<>\n"):
        return None
    return f"<{text}>" if any(c in text for c in " ()") else text


def _button_intent(payload: str) -> str | None:
    """The intent a button's payload triggers: `/intent{"slot": 1}` -> `intent`, else None."""
    if not payload.startswith("/"):
        return None
    name = re.split(r"[{@]", payload[1:], maxsplit=1)[0].strip()
    return name or None


def _other(variation: Variation) -> str:
    """Another wording, marked with what it was limited to in Rasa."""
    if variation.channel:
        return f"(in Rasa's {variation.channel} channel) {variation.text}"
    if variation.conditional:
        return f"(when the conversation met a condition) {variation.text}"
    return variation.text


def _warn_response(response: Response, warnings: list[Problem]) -> None:
    """Report what of a response the knowledge base cannot keep or fill in."""
    slots = sorted({s for v in response.variations for s in _SLOT.findall(v.text)})
    if slots:
        names = ", ".join("{" + s + "}" for s in slots)
        warnings.append(
            Problem(
                f"response '{response.name}' uses the slots {names}, which the bot filled in "
                "and a knowledge base answer cannot: edit the imported answer",
                response.source,
                response.line,
            )
        )
    snippets = sorted({s for v in response.variations for s in SNIPPET_REF.findall(v.text)})
    if snippets:
        warnings.append(
            Problem(
                f"response '{response.name}' has {{{{ {snippets[0]} }}}}, which in a unit is a "
                "snippet: define the snippets it names or edit the imported answer",
                response.source,
                response.line,
            )
        )
    if any(v.custom for v in response.variations):
        warnings.append(
            Problem(
                f"response '{response.name}' has a custom payload, which no channel here can "
                "show: not imported (its text is)",
                response.source,
                response.line,
            )
        )


def _escape(title: str) -> str:
    """A button title as link text: brackets escaped so the link stays one link."""
    return title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _list_item(text: str) -> str:
    """`text` as one Markdown list item, its further lines indented under it."""
    lines = text.strip().split("\n")
    return "\n".join(
        [f"- {lines[0]}", *(f"  {line}" if line.strip() else "" for line in lines[1:])]
    )
