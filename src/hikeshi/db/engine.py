"""Engines and sessions: SQLite in WAL mode with foreign keys on, or PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from hikeshi.db import json_text

# On SQLite every transaction takes the write lock at BEGIN (waiting up to busy_timeout for it). A
# deferred transaction that reads, then writes after another connection has committed, cannot wait:
# it fails at once with "database is locked" — a 500 on sign-in while the worker drains the queue.
# The price is that transactions run one at a time; they are short, and WAL still lets the database
# be read by other processes meanwhile. `BEGIN_IMMEDIATE` names the choice where code relies on it;
# PostgreSQL ignores both options.
BEGIN_IMMEDIATE = {"hikeshi_begin_immediate": True}
# For a connection that only reads and must not wait behind writers (health checks).
BEGIN_DEFERRED = {"hikeshi_begin_immediate": False}
# Take the write lock now, or fail at once ("database is locked") rather than wait for it.
BEGIN_IMMEDIATE_NOWAIT = {"hikeshi_begin_immediate": True, "hikeshi_begin_nowait": True}
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite transaction waits for the write lock


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=json_text.dumps,
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        database_url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        json_serializer=json_text.dumps,
    )


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy own transactions (pysqlite's own BEGIN handling is off), then set the pragmas
    # that make SQLite a sound embedded server: WAL for concurrent readers, FKs enforced.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get("hikeshi_begin_nowait", False):
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return
    immediate = options.get("hikeshi_begin_immediate", True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect().execution_options(**BEGIN_DEFERRED) as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
