"""Shared fixtures: a real knowledge base on SQLite, and on PostgreSQL where one is configured.

Set KB_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run every
database test a second time on PostgreSQL; each test gets a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from kb import KnowledgeBase, UnitDocument
from kb.settings import Settings, normalize_database_url

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"
PG_URL = os.environ.get("KB_TEST_DATABASE_URL")


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
