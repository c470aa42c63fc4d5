"""The import graph of our packages, read from the source with `ast`, and what is wrong with it.

Every import counts, at module level or inside a function, since a function-level import is
still an arrow between modules; a cycle or an arrow against the layers is reported by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImportGraph", "layer_violations"]


@dataclass(frozen=True)
class ImportGraph:
    """Modules (dotted names) and, for each, the modules of ours it imports."""

    imports: Mapping[str, frozenset[str]]

    @classmethod
    def read(cls, root: Path, packages: Iterable[str]) -> ImportGraph:
        """The graph of every module of `packages` (folders directly under `root`)."""
        files = {
            _module_name(path.relative_to(root)): path
            for package in packages
            for path in sorted((root / package).rglob("*.py"))
        }
        known = set(files)
        graph = {
            name: frozenset(_imports_of(name, path, known) - {name}) for name, path in files.items()
        }
        return cls(graph)

    def cycles(self) -> list[list[str]]:
        """Each strongly connected group of modules that import each other, as one cycle path."""
        return [self._cycle_in(group) for group in _strongly_connected(self.imports)]

    def _cycle_in(self, group: set[str]) -> list[str]:
        start = min(group)
        path, seen, here = [start], {start}, start
        while True:
            following = sorted(m for m in self.imports[here] if m in group)
            if start in following:
                return [*path, start]
            nxt = next((m for m in following if m not in seen), following[0])
            if nxt in seen:
                return [*path[path.index(nxt) :], nxt]
            path.append(nxt)
            seen.add(nxt)
            here = nxt


def layer_violations(graph: ImportGraph, forbidden: Mapping[str, Iterable[str]]) -> list[str]:
    """Arrows from a package to one it must not import: `forbidden[a]` lists what `a` may not."""
    found = []
    for module, targets in sorted(graph.imports.items()):
        top = module.split(".")[0]
        banned = set(forbidden.get(top, ()))
        found += [f"{module} -> {t}" for t in sorted(targets) if t.split(".")[0] in banned]
    return found


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(_known_prefix(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(
                    _known_prefix(f"{base}.{alias.name}", known) or _known_prefix(base, known)
                )
    return {m for m in found if m}


def _known_prefix(dotted: str, known: set[str]) -> str:
    """The longest module of ours that `dotted` names or lies in ('' when none)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return ""


def _strongly_connected(graph: Mapping[str, frozenset[str]]) -> list[set[str]]:
    """Tarjan's algorithm; only groups of two or more modules (self-imports are dropped)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.add(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups
