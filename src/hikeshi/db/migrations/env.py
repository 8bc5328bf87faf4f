"""Alembic environment: uses the connection handed in by hikeshi, or the URL in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from hikeshi.bootstrap import model_metadata

target_metadata = model_metadata()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode recreates tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        _run(own_connection)


if context.is_offline_mode():
    raise SystemExit("hikeshi runs migrations online only: hikeshi db upgrade")
run_migrations_online()
