"""Fixtures for the outbox: a container with a clock the test moves, a registry, a worker."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.jobs.registry import JobRegistry
from hikeshi.jobs.worker import Worker
from tests.support.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def clocked(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    container = bootstrap(settings, clock=clock)
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def registry() -> JobRegistry:
    return JobRegistry()


@pytest.fixture
def worker(clocked: Container, registry: JobRegistry) -> Iterator[Worker]:
    with Worker(
        container=clocked, registry=registry, worker_id="test-worker", rng=random.Random(3)
    ) as worker:
        yield worker
