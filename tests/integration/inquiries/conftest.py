"""Inquiries against a real database: the demo products, a support integration posting to chat,
fake channels, a clock the test moves and a worker that sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from hikeshi.accounts.models import User
from hikeshi.alerts import integrations
from hikeshi.alerts.notify import Context
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.inquiries import service
from hikeshi.inquiries.models import Inquiry
from hikeshi.inquiries.rules import InquiryPolicy
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.catalog import add_products
from tests.support.clock import FrozenClock
from tests.support.web import People

CONTEXT = Context(language="ja", base_url="https://hikeshi.example.jp")
POLICY = InquiryPolicy(burst_count=5, burst_minutes=10, similar_threshold=0.3, similar_days=14)
SUPPORT_CHANNEL = "C0SUPPORT"


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
def supporting(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    tuned = settings.model_copy(update={"rate_limits": "chat=1000/s"})
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    with container.sessions() as db:
        add_products(db, container)
        db.commit()
    yield container
    container.close()


@pytest.fixture
def worker(supporting: Container) -> Iterator[Worker]:
    with Worker(container=supporting, registry=supporting.jobs, worker_id="test") as worker:
        yield worker


@pytest.fixture
def agent(supporting: Container) -> User:
    return People(supporting).add("tanaka@example.jp", "support")


@pytest.fixture
def support_integration(supporting: Container) -> int:
    """What an administrator sets up: support alerts post to #support."""
    with supporting.sessions() as db:
        made, _ = integrations.create_integration(
            session=db, name="Support", kind="support", chat_channel=SUPPORT_CHANNEL, now=supporting.clock()
        )
        db.commit()
        return made.id


Log = Callable[..., Inquiry]


@pytest.fixture
def log(supporting: Container, clock: FrozenClock, agent: User) -> Log:
    """Log an inquiry now, then let `after` pass on the clock."""

    def logged(
        body: str, *, product: str | None = "web-booking", bug: bool = False, after: float = 0
    ) -> Inquiry:
        with supporting.sessions() as db:
            inquiry = service.log_inquiry(
                session=db,
                reported_by_id=agent.id,
                channel="phone",
                body=body,
                product_slug=product,
                looks_like_bug=bug,
                now=clock(),
                policy=POLICY,
                context=CONTEXT,
            )
            db.commit()
            db.refresh(inquiry)
            db.expunge(inquiry)
        clock.advance(timedelta(seconds=after))
        return inquiry

    return logged
