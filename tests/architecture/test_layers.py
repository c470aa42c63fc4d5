"""The layout holds: no import cycles, arrows only along the layers, small modules, a light CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture.import_graph import ImportGraph, layer_violations

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kb", "api", "renderers", "importers", "cli")
#: api -> renderers -> kb, importers -> kb, cli -> everything: what each package may not import.
FORBIDDEN = {
    "kb": ("api", "renderers", "importers", "cli"),
    "renderers": ("api", "importers", "cli"),
    "importers": ("api", "renderers", "cli"),
    "api": ("cli",),
}
#: Inside kb, each package sees only those below it (a package may import its own modules).
KB_LAYERS = (
    ("kb.evaluation", "kb.consistency", "kb.insights", "kb.scheduling"),
    ("kb.knowledge_base",),
    ("kb.answers",),
    ("kb.search", "kb.releases", "kb.events", "kb.verification", "kb.webhooks"),
    ("kb.review",),
    ("kb.store",),
    ("kb.content",),
    ("kb.settings",),
    ("kb.errors",),
    ("kb.progress", "kb.phases", "kb.observers"),
)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return ImportGraph.read(ROOT, PACKAGES)


def test_no_import_cycle_anywhere(graph: ImportGraph) -> None:
    assert graph.cycles() == []


def test_packages_import_only_along_the_layers(graph: ImportGraph) -> None:
    assert layer_violations(graph, FORBIDDEN) == []


def _layer_of(module: str) -> int | None:
    for rank, layer in enumerate(KB_LAYERS):
        if any(module == name or module.startswith(name + ".") for name in layer):
            return rank
    return None


def test_kb_packages_import_only_the_layers_below(graph: ImportGraph) -> None:
    upward = []
    for module, targets in graph.imports.items():
        mine = _layer_of(module)
        for target in targets:
            theirs = _layer_of(target)
            same_package = target.split(".")[:2] == module.split(".")[:2]
            if mine is not None and theirs is not None and theirs <= mine and not same_package:
                upward.append(f"{module} -> {target}")
    assert sorted(upward) == []


def _python_files() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_no_module_is_over_five_hundred_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_over_eighty_lines() -> None:
    long = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert long == {}


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    heavy = ("sklearn", "scipy", "whoosh", "tantivy")
    code = (
        "import sys, cli.main\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
