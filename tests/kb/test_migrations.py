"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from kb import KnowledgeBase, Settings


def test_migrations_create_exactly_the_modelled_schema(kb: KnowledgeBase) -> None:
    with kb.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_migrating_twice_is_harmless_and_keeps_data(settings: Settings) -> None:
    with KnowledgeBase.open(settings) as first:
        first.save_unit("---\nid: a\nlocale: en\ntitle: T\n---\nBody\n", author="ann")
    with KnowledgeBase.open(settings) as second:
        assert second.db.schema_is_current()
        assert list(second.drafts().units) == [("a", "en")]
        tables = set(inspect(second.db.engine).get_table_names())
    assert {"unit_revision", "snippet_revision", "release", "alembic_version"} <= tables
