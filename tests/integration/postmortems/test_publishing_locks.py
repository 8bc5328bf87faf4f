"""SQLite: the knowledge base is written while hikeshi holds no database lock.

Every SQLite transaction holds the database's write lock, so a slow knowledge base written inside one
would stop every other writer (alert intake among them) for as long as it takes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from tests.integration.postmortems.conftest import Crew
from tests.support.catalog import add_products, run_jobs
from tests.support.clock import FrozenClock
from tests.support.publishing import publish, stored, submitted_postmortem


@dataclass(frozen=True)
class Written:
    number: int | None
    location: str


class WritingKnowledgeBase:
    """A knowledge base that, while it is being written, has another connection write to the database."""

    kind = "esa"

    def __init__(self, database: str) -> None:
        self.database = database
        self.writes: list[str] = []

    def publish(
        self, *, name: str, body_md: str, category: str, tags: list[str], number: int | None, key: str
    ) -> Written:
        with sqlite3.connect(self.database, timeout=0.5, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the worker held the lock
            other.execute("UPDATE postmortems SET kb_error = 'written meanwhile'")
            other.execute("COMMIT")
        self.writes.append(name)
        return Written(number=7, location="https://example.esa.io/posts/7")


@pytest.fixture
def knowledge_base(settings: Settings) -> WritingKnowledgeBase:
    if not settings.is_sqlite:
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks the one row")
    return WritingKnowledgeBase(settings.database_url.removeprefix("sqlite:///"))


@pytest.fixture
def world(
    settings: Settings, clock: FrozenClock, knowledge_base: WritingKnowledgeBase
) -> Iterator[Container]:
    container = bootstrap(settings, clock=clock, knowledge_base=knowledge_base)
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        db.commit()
    yield container
    container.close()


def test_the_worker_holds_no_lock_while_the_knowledge_base_is_written(
    world: Container, crew: Crew, knowledge_base: WritingKnowledgeBase
) -> None:
    postmortem_id = submitted_postmortem(world, crew)
    publish(world, crew, postmortem_id)

    run_jobs(world)

    assert len(knowledge_base.writes) == 1
    copied = stored(world, postmortem_id)
    # The other connection's write went through, then the sync recorded its result over it.
    assert (copied.kb_post_number, copied.kb_location, copied.kb_error) == (
        7,
        "https://example.esa.io/posts/7",
        "",
    )
