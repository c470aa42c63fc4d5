"""Every library the service's own packages import is installed by `pip install -e .` (or by
the extra that feature names), never only by the test extra: the README's quick start installs
no test extra, and a module it imports at start-up that is missing stops every `kb` command."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kb", "api", "cli", "renderers", "importers")
#: Extras a deployment installs for a feature; `test` is not one of them.
FEATURE_EXTRAS = ("postgres", "eval", "tracing")


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised ("psycopg[binary]>=3.2" -> "psycopg")."""
    found = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


@cache
def _with_requirements(name: str) -> frozenset[str]:
    """`name` and every distribution it requires, unconditionally, all the way down."""
    try:
        needed = requires(name) or []
    except PackageNotFoundError:
        return frozenset({name})
    found = {name}
    for requirement in needed:
        if "extra ==" in requirement:
            continue
        found |= _with_requirements(_name(requirement))
    return frozenset(found)


def installed_without_tests() -> set[str]:
    """What the project's dependencies and feature extras install, transitively."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = [*project["dependencies"]]
    for extra in FEATURE_EXTRAS:
        direct += [r for r in project["optional-dependencies"][extra] if not r.startswith("kb[")]
    return {dist for requirement in direct for dist in _with_requirements(_name(requirement))}


def imported_modules() -> dict[str, str]:
    """Top-level modules the packages import (anywhere in a module), each with one file."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_imported_library_is_installed_without_the_test_extra() -> None:
    distributions = packages_distributions()
    allowed = installed_without_tests()
    missing = {}
    for module, where in imported_modules().items():
        if module in sys.stdlib_module_names or module in PACKAGES or module == "__future__":
            continue
        owners = {_name(d) for d in distributions.get(module, [])}
        assert owners, f"{module} (imported in {where}) is not installed at all"
        if not owners & allowed:
            missing[module] = where
    assert missing == {}, "add their distributions to [project] dependencies or a feature extra"
