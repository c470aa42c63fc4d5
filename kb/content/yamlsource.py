"""Load YAML while remembering the line of every key, so problems can say where they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from kb.errors import Problem

__all__ = ["YamlSource", "load_yaml"]

#: libyaml's loader is several times faster and keeps marks; fall back to pure Python without it.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlSource:
    """Parsed YAML plus the 1-based line of each mapping key, addressed by its key path."""

    data: Any
    source: str | None
    line_offset: int = 0
    key_lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def line_of(self, *path: str) -> int | None:
        """Line of the deepest known key on `path`, falling back to its parents, then the start."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.key_lines:
                return self.key_lines[path[:end]]
        return self.line_offset + 1 if self.line_offset else None

    def problem(self, message: str, *path: str) -> Problem:
        """A problem located at the key `path` in this YAML text."""
        return Problem(
            message=message,
            source=self.source,
            line=self.line_of(*path),
            field=".".join(path) or None,
        )


def load_yaml(
    text: str, *, source: str | None, line_offset: int = 0
) -> tuple[YamlSource | None, list[Problem]]:
    """Parse `text` once; on a syntax error return no data and one problem with its line."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = SafeConstructor().construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = line_offset + mark.line + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(f"invalid YAML: {reason}", source=source, line=line)]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors in practice
        return None, [Problem(f"invalid YAML: {exc}", source=source, line=line_offset + 1)]
    loaded = YamlSource(data=data, source=source, line_offset=line_offset)
    problems: list[Problem] = []
    if node is not None:
        _collect_key_lines(node, (), loaded, problems)
    return loaded, problems


def _collect_key_lines(
    node: yaml.Node, path: tuple[str, ...], out: YamlSource, problems: list[Problem]
) -> None:
    """Record the line of every mapping key and report keys given twice (YAML keeps the last)."""
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_path = (*path, key)
        line = out.line_offset + key_node.start_mark.line + 1
        if key in seen:
            problems.append(
                Problem(
                    f"'{key}' is given twice",
                    source=out.source,
                    line=line,
                    field=".".join(key_path),
                )
            )
        seen.add(key)
        out.key_lines[key_path] = line
        _collect_key_lines(value_node, key_path, out, problems)
