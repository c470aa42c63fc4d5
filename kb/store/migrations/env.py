"""Alembic environment: migrates the connection the knowledge base hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import kb.store.models  # noqa: F401  - registers the tables on SQLModel.metadata
from kb.settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic command line, for writing new migrations against a scratch database
    engine = create_engine(Settings.from_env().sqlalchemy_url)
    with engine.begin() as conn:
        _run(conn)
