"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from hikeshi.bootstrap import Container, model_metadata
from hikeshi.db.migrate import current_revision, head_revision, upgrade_database


def test_migrations_reach_head_and_match_the_models(container: Container) -> None:
    assert current_revision(container.engine) == head_revision()
    with container.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, model_metadata())
    assert differences == []


def test_upgrading_twice_changes_nothing(container: Container) -> None:
    upgrade_database(container.engine)
    assert current_revision(container.engine) == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        return
    with container.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
