"""Alerts against a real database: an integration, a way to ingest, fake channels and a worker."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hikeshi.alerts import integrations, service
from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.notify import Context
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock

CONTEXT = Context(language="ja", base_url="https://hikeshi.example.jp")


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
def alerting(settings: Settings, clock: FrozenClock, fakes: Fakes) -> Iterator[Container]:
    tuned = settings.model_copy(update={"rate_limits": "chat=1000/s"})
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    yield container
    container.close()


@pytest.fixture
def worker(alerting: Container) -> Iterator[Worker]:
    with Worker(container=alerting, registry=alerting.jobs, worker_id="test") as worker:
        yield worker


def alert(
    dedup_key: str | None = "db-1/disk",
    *,
    action: Action = Action.TRIGGER,
    severity: Severity = Severity.CRITICAL,
    name: str = "DiskFull",
    summary: str = "ディスク使用率 99%",
    product: str | None = None,
) -> NormalizedAlert:
    return NormalizedAlert(
        action=action,
        summary=summary,
        severity=severity,
        dedup_key=dedup_key,
        source="db-1",
        name=name,
        product=product,
        labels={"team": "platform"},
    )


Ingest = Callable[..., list[service.Outcome]]


@pytest.fixture
def integration_id(alerting: Container) -> int:
    with alerting.sessions() as db:
        created, _ = integrations.create_integration(
            session=db, name="Prometheus", kind="alertmanager", chat_channel="C0ALERTS", now=alerting.clock()
        )
        db.commit()
        return created.id


@pytest.fixture
def ingest(alerting: Container, integration_id: int) -> Ingest:
    def send(*alerts: NormalizedAlert) -> list[service.Outcome]:
        with alerting.sessions() as db:
            target = integrations.get_integration(session=db, integration_id=integration_id)
            outcomes = service.ingest(
                session=db,
                integration=target,
                alerts=list(alerts),
                raw={"test": True},
                now=alerting.clock(),
                context=CONTEXT,
            )
            db.commit()
            return outcomes

    return send
