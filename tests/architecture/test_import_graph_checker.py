"""The import-graph checker itself finds a cycle and an arrow against the layers it is shown."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.import_graph import ImportGraph, layer_violations


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_cycle_made_on_purpose_is_found(tmp_path: Path) -> None:
    _package(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": "from core.b import thing\n",
            "core/b.py": "def thing():\n    from core import c\n",
            "core/c.py": "import core.a\n",
            "core/d.py": "from core.a import x\n",
        },
    )
    cycles = ImportGraph.read(tmp_path, ["core"]).cycles()
    assert cycles == [["core.a", "core.b", "core.c", "core.a"]]


def test_relative_imports_are_followed(tmp_path: Path) -> None:
    _package(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": "from . import b\n",
            "core/b.py": "from .a import x\n",
        },
    )
    assert ImportGraph.read(tmp_path, ["core"]).cycles() == [["core.a", "core.b", "core.a"]]


def test_a_graph_without_cycles_reports_none(tmp_path: Path) -> None:
    _package(tmp_path, {"core/__init__.py": "", "core/a.py": "import core.b\n", "core/b.py": ""})
    assert ImportGraph.read(tmp_path, ["core"]).cycles() == []


def test_an_arrow_against_the_layers_is_named(tmp_path: Path) -> None:
    _package(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/x.py": "from high.y import thing\n",
            "high/__init__.py": "",
            "high/y.py": "import low.x\n",
        },
    )
    graph = ImportGraph.read(tmp_path, ["low", "high"])
    assert layer_violations(graph, {"low": ["high"]}) == ["low.x -> high.y"]
