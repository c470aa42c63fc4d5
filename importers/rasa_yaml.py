"""Walk a Rasa project's YAML files (domain, data, config) into intents, responses and rules,
keeping the file and line of each so that every problem can say where it is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kb.errors import Problem

__all__ = [
    "MAX_FILE_BYTES",
    "Intent",
    "MarkdownNlu",
    "Project",
    "Response",
    "Variation",
    "read_project",
    "strip_annotations",
]

#: libyaml's loader when PyYAML has it: several times faster, same marks.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: A bigger file is refused unparsed: real NLU files are a few megabytes, and a file of tiny list
#: items costs some 70 bytes of memory per byte while parsed (10 MB: 0.7 GB, 25 s).
MAX_FILE_BYTES = 16 * 1024 * 1024
_YAML_SUFFIXES = (".yml", ".yaml")
#: `[text](entity)`, `[text](entity:value)`, `[text]{"entity": ...}`, `[text][{...}, {...}]`.
_ANNOTATION = re.compile(r"\[([^\]]+?)\](?:\([^)]*\)|\{[^}]*\}|\[\{.*?\}\])")
#: A Rasa 1.x Markdown NLU section heading.
_MARKDOWN_NLU = re.compile(r"^##\s*(?:intent|synonym|regex|lookup)\s*:", re.MULTILINE)
_IGNORED_NLU = ("synonym", "regex", "lookup")
_NLU_LIST = "nlu: must be a list of items such as `- intent: greet`"
_NLU_ITEM = "an nlu item must be a mapping such as `intent: greet`"
_RESPONSES = "responses: must be a mapping of utter_... names"


def strip_annotations(text: str) -> str:
    """An NLU example as a customer typed it: entity annotations replaced by their text."""
    return " ".join(_ANNOTATION.sub(r"\1", text).split())


@dataclass
class Intent:
    """An intent of the NLU data: where it is first defined and its examples (text, file, line)."""

    name: str
    source: str
    line: int
    examples: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Variation:
    """One variation of a response: what the bot says, shows and offers."""

    text: str = ""
    image: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()
    channel: str | None = None
    conditional: bool = False
    custom: bool = False

    @property
    def shown(self) -> bool:
        """Whether a person sees anything of it here (a custom payload alone is not)."""
        return bool(self.text or self.image)


@dataclass
class Response:
    """A response (`utter_...`) and its variations, where it is defined."""

    name: str
    source: str
    line: int
    variations: list[Variation] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether any variation has text or an image."""
        return any(v.shown for v in self.variations)

    def ordered(self) -> list[Variation]:
        """The shown variations, plain ones first (not for one Rasa channel, no condition)."""
        shown = [v for v in self.variations if v.shown]
        return sorted(shown, key=lambda v: bool(v.channel or v.conditional))


@dataclass(frozen=True)
class MarkdownNlu:
    """A Rasa 1.x Markdown NLU file, which we refuse, and the line of its first section."""

    source: str
    line: int


@dataclass
class Project:
    """Everything the importer needs from a Rasa project, with the problems found reading it."""

    intents: dict[str, Intent] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)
    #: intent -> the `utter_` responses a rule answers it with, in order.
    rule_answers: dict[str, list[str]] = field(default_factory=dict)
    #: (value, file, line) of config.yml's `language`.
    language: tuple[str, str, int] | None = None
    markdown_nlu: list[MarkdownNlu] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def read_project(root: Path) -> Project:
    """Read the domain (a file or a folder), every YAML file under data/, and config.yml."""
    project = Project()
    for path in _project_files(root):
        node = _load(path, project.problems)
        if node is not None:
            _read_file(node, str(path), project)
    for path in sorted((root / "data").rglob("*.md")):
        _check_markdown(path, project)
    for name in ("config.yml", "config.yaml"):
        if (root / name).is_file():
            _read_config(root / name, project)
            break
    for intent in project.intents.values():
        if not intent.examples:
            project.problems.append(
                Problem(f"intent '{intent.name}' has no examples", intent.source, intent.line)
            )
    return project


def _project_files(root: Path) -> list[Path]:
    """The domain file or the files of a domain folder, then data/'s YAML files, sorted."""
    files = [root / n for n in ("domain.yml", "domain.yaml") if (root / n).is_file()]
    for folder in (root / "domain", root / "data"):
        if folder.is_dir():
            files.extend(
                p for p in sorted(folder.rglob("*")) if p.suffix in _YAML_SUFFIXES and p.is_file()
            )
    return files


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None with a problem: too big, not UTF-8, unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            megabytes = MAX_FILE_BYTES // (1024 * 1024)
            problems.append(
                Problem(
                    f"is {size / 1048576:.0f} MB; files over {megabytes} MB are refused", str(path)
                )
            )
            return None
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"not UTF-8 text (byte {exc.start})", str(path), 1))
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", str(path)))
    return None


def _load(path: Path, problems: list[Problem]) -> Node | None:
    """The file's YAML node tree, or None (with a problem naming the line when it is broken)."""
    text = _read_text(path, problems)
    if text is None:
        return None
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        problems.append(Problem(f"invalid YAML: {reason}", str(path), mark.line + 1 if mark else 1))
    except (yaml.YAMLError, RecursionError) as exc:
        problems.append(Problem(f"invalid YAML: {type(exc).__name__}", str(path), 1))
    return None


def _line(node: Node) -> int:
    """The 1-based line a node starts on."""
    return node.start_mark.line + 1


def _is_null(node: Node) -> bool:
    """An empty value (`key:` with nothing after it, or `null`)."""
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _scalar(node: Node | None) -> str | None:
    """A scalar's text as written (`yes` stays `yes`), or None for anything else."""
    if isinstance(node, ScalarNode) and not _is_null(node):
        return str(node.value)
    return None


def _pairs(node: MappingNode) -> dict[str, Node]:
    """A mapping's values by their (scalar) keys; YAML keeps the last of a repeated key."""
    return {str(k.value): v for k, v in node.value if isinstance(k, ScalarNode)}


def _kind(node: Node) -> str:
    """What a node is, in words, for a problem saying what was expected instead."""
    return {MappingNode: "a mapping", SequenceNode: "a list"}.get(type(node), "a single value")


def _read_file(node: Node, source: str, project: Project) -> None:
    """The parts of one YAML file we use: nlu, responses (or 1.x's templates) and rules."""
    if _is_null(node):
        return  # an empty file
    if not isinstance(node, MappingNode):
        project.problems.append(
            Problem(
                f"a Rasa file must be a mapping of keys such as nlu:, responses:, rules:; "
                f"this one is {_kind(node)}",
                source,
                _line(node),
            )
        )
        return
    pairs = _pairs(node)
    readers = (("nlu", _read_nlu), ("responses", _read_responses), ("templates", _read_responses))
    for key, reader in (*readers, ("rules", _read_rules)):
        value = pairs.get(key)
        if value is not None and not _is_null(value):
            reader(value, source, project)


def _expect(node: Node, kind: type, what: str, source: str, project: Project) -> bool:
    """Whether `node` is of `kind`; if not, a problem saying what was expected."""
    if isinstance(node, kind):
        return True
    project.problems.append(Problem(f"{what}, not {_kind(node)}", source, _line(node)))
    return False


def _read_nlu(node: Node, source: str, project: Project) -> None:
    """`nlu:` items: intents with their examples; synonyms, regexes and lookups are skipped."""
    if not _expect(node, SequenceNode, _NLU_LIST, source, project):
        return
    for item in node.value:
        if not _expect(item, MappingNode, _NLU_ITEM, source, project):
            continue
        pairs = _pairs(item)
        if "intent" not in pairs:
            if not any(key in pairs for key in _IGNORED_NLU):
                project.problems.append(
                    Problem(
                        "an nlu item needs one of intent, synonym, regex, lookup",
                        source,
                        _line(item),
                    )
                )
            continue
        name = (_scalar(pairs["intent"]) or "").strip()
        if not name:
            project.problems.append(Problem("the intent's name is missing", source, _line(item)))
            continue
        intent = project.intents.setdefault(name, Intent(name, source, _line(item)))
        examples = pairs.get("examples")
        if examples is not None:
            _read_examples(examples, intent, source, project)


def _read_examples(node: Node, intent: Intent, source: str, project: Project) -> None:
    """`examples: |` lines (`- text`), or a list of `- text: ...` mappings (Rasa 3)."""
    if isinstance(node, SequenceNode):
        for item in node.value:
            text = _scalar(item)
            if isinstance(item, MappingNode):
                text = _scalar(_pairs(item).get("text"))
            if text is None:
                project.problems.append(
                    Problem("an example must be text or a mapping with text:", source, _line(item))
                )
            elif cleaned := strip_annotations(text):
                intent.examples.append((cleaned, source, _line(item)))
        return
    text = _scalar(node)
    if text is None:
        project.problems.append(
            Problem("examples must be a block of `- text` lines", source, _line(node))
        )
        return
    first = _line(node) + (1 if getattr(node, "style", None) in ("|", ">") else 0)
    for offset, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("-"):
            project.warnings.append(
                Problem(
                    f"an example of intent '{intent.name}' does not start with '- ': skipped, "
                    "as Rasa does",
                    source,
                    first + offset,
                )
            )
        elif cleaned := strip_annotations(line[1:]):
            intent.examples.append((cleaned, source, first + offset))


def _read_responses(node: Node, source: str, project: Project) -> None:
    """`responses:`: each `utter_...` and its variations; a response defined twice is an error."""
    if not _expect(node, MappingNode, _RESPONSES, source, project):
        return
    for key, value in node.value:
        name, line = str(key.value), _line(key)
        if name in project.responses:
            earlier = project.responses[name]
            where = f"{earlier.source}:{earlier.line}"
            project.problems.append(
                Problem(f"response '{name}' is defined twice (also {where})", source, line)
            )
            continue
        listed = f"response '{name}' must be a list of variations such as `- text: Hello`"
        if not _expect(value, SequenceNode, listed, source, project):
            continue
        response = Response(name, source, line)
        mapping = f"a variation of '{name}' must be a mapping such as `text: Hello`"
        for item in value.value:
            if _expect(item, MappingNode, mapping, source, project):
                response.variations.append(_variation(_pairs(item)))
        project.responses[name] = response


def _variation(pairs: dict[str, Node]) -> Variation:
    """One variation's text, image, buttons and limits."""
    buttons: list[tuple[str, str]] = []
    listed = pairs.get("buttons") or pairs.get("quick_replies")
    if isinstance(listed, SequenceNode):
        for button in listed.value:
            if isinstance(button, MappingNode):
                fields = _pairs(button)
                payload = _scalar(fields.get("payload")) or _scalar(fields.get("url")) or ""
                title = _scalar(fields.get("title")) or payload
                if title.strip():
                    buttons.append((" ".join(title.split()), payload.strip()))
    return Variation(
        text=(_scalar(pairs.get("text")) or "").strip(),
        image=(_scalar(pairs.get("image")) or "").strip() or None,
        buttons=tuple(buttons),
        channel=_scalar(pairs.get("channel")),
        conditional="condition" in pairs,
        custom="custom" in pairs,
    )


def _read_rules(node: Node, source: str, project: Project) -> None:
    """Rules of the shape `- intent: X` (or `- or:` of intents) then only `utter_` actions:
    the bot's answer to X, whatever the conversation before. Other rules are not answers."""
    if not isinstance(node, SequenceNode):
        return
    for rule in node.value:
        pairs = _pairs(rule) if isinstance(rule, MappingNode) else {}
        steps = pairs.get("steps")
        if "condition" in pairs or not isinstance(steps, SequenceNode) or len(steps.value) < 2:
            continue
        intents = _step_intents(steps.value[0])
        actions = [_step_action(step) for step in steps.value[1:]]
        said = [name for name in actions if name != "action_listen"]
        if intents and said and all(name and name.startswith("utter_") for name in said):
            for intent in intents:
                project.rule_answers.setdefault(intent, [name for name in said if name])


def _step_intents(node: Node) -> list[str]:
    """The intents a step waits for: `- intent: greet`, or `- or: [- intent: a, - intent: b]`."""
    pairs = _pairs(node) if isinstance(node, MappingNode) else {}
    if len(pairs) == 1 and (name := _scalar(pairs.get("intent"))):
        return [name.strip()]
    choices = pairs.get("or")
    if len(pairs) == 1 and isinstance(choices, SequenceNode):
        # Not recursive on purpose: YAML aliases can make a step contain itself.
        names = [
            _pairs(c).get("intent") if isinstance(c, MappingNode) else None for c in choices.value
        ]
        texts = [_scalar(name) for name in names]
        if texts and all(texts):
            return [text.strip() for text in texts if text]
    return []


def _step_action(node: Node) -> str | None:
    """The action a step runs (`- action: utter_greet`), or None for any other step."""
    pairs = _pairs(node) if isinstance(node, MappingNode) else {}
    return _scalar(pairs.get("action")) if len(pairs) == 1 else None


def _check_markdown(path: Path, project: Project) -> None:
    """Note a Rasa 1.x Markdown NLU file (`## intent:` sections)."""
    text = _read_text(path, project.problems)
    if text is not None and (match := _MARKDOWN_NLU.search(text)):
        project.markdown_nlu.append(MarkdownNlu(str(path), text.count("\n", 0, match.start()) + 1))


def _read_config(path: Path, project: Project) -> None:
    """config.yml's `language`, the locale of every unit."""
    node = _load(path, project.problems)
    if isinstance(node, MappingNode):
        value = _pairs(node).get("language")
        if (language := _scalar(value)) and value is not None:
            project.language = (language.strip(), str(path), _line(value))
