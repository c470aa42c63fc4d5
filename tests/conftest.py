"""Shared fixtures: a real knowledge base on SQLite, and on PostgreSQL where one is configured.

Set KB_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run every
database test a second time on PostgreSQL; each test gets a schema of its own.

A test that needs a program from outside Python (espeak-ng, Chromium, npm) says so with
`@pytest.mark.requires_tool("espeak-ng")` or calls `require_tool`: without the program it is
skipped with the reason and the command that installs it, except in CI (`CI` set, as `.ci/run`
and GitHub Actions do), where a missing program fails the test instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from kb import KnowledgeBase, UnitDocument
from kb.settings import Settings, normalize_database_url

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"
PG_URL = os.environ.get("KB_TEST_DATABASE_URL")
#: The programs tests may need, and the Debian packages that install them.
TOOLS = {
    "espeak-ng": "apt-get install espeak-ng",
    "chromium": "apt-get install chromium chromium-driver",
    "npm": "apt-get install npm",
    "haproxy": "apt-get install haproxy",
    "docker-compose": "apt-get install --no-install-recommends docker-compose",
}


def in_ci() -> bool:
    """Whether this is a CI run (`CI` set and not false), where nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the running test for `reason` on a developer machine; fail it in CI."""
    if in_ci():
        pytest.fail(f"{reason}, and CI must run this test")
    pytest.skip(reason)


def _missing_tool(name: str) -> str | None:
    """Why a test that needs program `name` cannot run here, or None when it is on PATH."""
    return None if shutil.which(name) else f"{name} is not installed ({TOOLS[name]})"


def require_tool(name: str) -> str:
    """The path of program `name` on PATH; without it the test is skipped (failed in CI)."""
    if reason := _missing_tool(name):
        skip_or_fail(reason)
    return str(shutil.which(name))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_tool(name): needs program `name`; skipped without it outside CI"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Outside CI, mark tests whose `requires_tool` program is missing as skipped (reported at
    the test, with the reason); in CI they stay, and their setup fails."""
    if in_ci():
        return
    for item in items:
        for mark in item.iter_markers("requires_tool"):
            if reason := _missing_tool(*mark.args):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """In CI, a test whose `requires_tool` program is missing fails before its fixtures run."""
    for mark in item.iter_markers("requires_tool"):
        require_tool(*mark.args)


def _backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="KB_TEST_DATABASE_URL is not set"),
            ],
        ),
    ]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: SQLite in a temporary folder, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        return
    assert PG_URL
    base = normalize_database_url(PG_URL)
    schema = f"kbtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test database, with a data folder in tmp_path."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, author="tester")


@pytest.fixture
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    """An open, migrated, empty knowledge base."""
    with KnowledgeBase.open(settings) as knowledge_base:
        yield knowledge_base


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    """Environment variables that make the command line and the API use the test database."""
    return {
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_DATABASE_URL": settings.database_url or "",
        "KB_AUTHOR": "tester",
    }


def release_folders(kb: KnowledgeBase) -> list[str]:
    """The release index folders kept in the knowledge base's index directory, sorted."""
    return sorted(p.name for p in kb.settings.index_dir.iterdir() if p.name.startswith("release-"))


def release_name(kb: KnowledgeBase, number: int) -> str:
    """The folder release `number` of this knowledge base is built in (engine + encoder)."""
    from kb.answers.services import release_folder  # the matcher's libraries load lazily

    return release_folder(number, kb.settings.search_engine, kb.matcher_recipe().encoder)


def make_unit(unit_id: str = "check-balance", locale: str = "en", **fields: object) -> UnitDocument:
    """A valid unit with sensible defaults; override any field."""
    values: dict[str, object] = {
        "title": f"Title of {unit_id}",
        "body": f"Answer for {unit_id}.",
        "questions": (f"question about {unit_id}",),
    }
    values.update(fields)
    return UnitDocument(id=unit_id, locale=locale, **values)  # type: ignore[arg-type]


@pytest.fixture
def write_tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {relative path: text} under a new folder and return the folder."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / f"content-{uuid.uuid4().hex[:6]}"
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return root

    return write
