"""A container whose channels are fakes, a clock the test moves, and a worker that sends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
from hikeshi.adapters.smtp import FakeEmail
from hikeshi.adapters.twilio import FakeSms, FakeVoice
from hikeshi.adapters.webhook import FakeWebhook
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.delivery.ports import DeliveryPorts
from hikeshi.jobs.worker import Worker
from tests.support.clock import FrozenClock


@dataclass
class Fakes:
    email: FakeEmail
    chat: FakeChat
    chat_webhook: FakeChatWebhook
    sms: FakeSms
    voice: FakeVoice
    webhook: FakeWebhook

    def ports(self) -> DeliveryPorts:
        return DeliveryPorts(
            email=self.email,
            chat=self.chat,
            chat_webhook=self.chat_webhook,
            sms=self.sms,
            voice=self.voice,
            webhook=self.webhook,
            webhook_secret="test-webhook-secret",
        )


@pytest.fixture
def fakes() -> Fakes:
    return Fakes(FakeEmail(), FakeChat(), FakeChatWebhook(), FakeSms(), FakeVoice(), FakeWebhook())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def delivering(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    container = bootstrap(
        settings.model_copy(update={"rate_limits": "chat=1000/s"}), clock=clock, delivery_ports=fakes.ports()
    )
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def worker(delivering: Container) -> Iterator[Worker]:
    with Worker(
        container=delivering, registry=delivering.jobs, worker_id="test", rng=random.Random(7)
    ) as worker:
        yield worker
