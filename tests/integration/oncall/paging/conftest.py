"""Paging against a real database: fake channels, a clock the test moves, and a worker that runs timers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock


@pytest.fixture
def fakes() -> Fakes:
    from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
    from hikeshi.adapters.smtp import FakeEmail
    from hikeshi.adapters.twilio import FakeSms, FakeVoice
    from hikeshi.adapters.webhook import FakeWebhook

    return Fakes(FakeEmail(), FakeChat(), FakeChatWebhook(), FakeSms(), FakeVoice(), FakeWebhook())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def paging(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    tuned = settings.model_copy(
        update={
            "rate_limits": "chat=1000/s:burst=100,sms=1000/s:burst=100,voice=1000/s:burst=100",
            "base_url": "https://hikeshi.example.jp",
        }
    )
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def worker(paging: Container) -> Iterator[Worker]:
    with Worker(container=paging, registry=paging.jobs, worker_id="test") as worker:
        yield worker
