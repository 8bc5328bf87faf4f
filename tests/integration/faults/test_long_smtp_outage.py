"""A mail server down for half an hour: the queued email waits it out and is sent once it is back.

The worker retries with exponential backoff (full jitter, base 5 s); eight failed attempts used to
fit in about five minutes of outage, after which the email was given up for good ("dead"): a longer
outage of the mail server lost every notice queued meanwhile. The clock here is frozen and moved to
each retry, so half an hour of outage takes a second of the test.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.delivery import service
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.models import Job
from hikeshi.jobs.worker import Worker
from tests.support.clock import FrozenClock
from tests.support.smtp_server import SmtpServer

OUTAGE = timedelta(minutes=30)


@pytest.fixture
def mail_down(settings: Settings, smtp_server: SmtpServer) -> Iterator[tuple[Container, FrozenClock]]:
    clock = FrozenClock()
    smtp = {"smtp_url": smtp_server.url, "smtp_from": "hikeshi@example.jp"}
    container = bootstrap(settings.model_copy(update=smtp), clock=clock)
    upgrade_database(container.engine)
    smtp_server.stop()  # the port stays known; connections are refused
    yield container, clock
    container.close()


def test_an_email_outlives_a_half_hour_smtp_outage_and_is_sent_once(
    mail_down: tuple[Container, FrozenClock], smtp_server: SmtpServer
) -> None:
    container, clock = mail_down
    started = clock()
    with container.sessions() as db:
        asked = service.send(
            session=db,
            channel="email",
            message=Outgoing(
                target="store001@example.jp", subject="【障害】予約システム", text="復旧作業中です。"
            ),
            now=clock(),
        )
        db.commit()
        delivery_id = asked.id
    with Worker(container=container, registry=container.jobs, worker_id="t", rng=random.Random(3)) as worker:
        while clock() - started < OUTAGE:
            worker.run_once()
            with container.sessions() as db:
                due = db.scalar(select(Job.due_at).where(Job.status == "pending").order_by(Job.due_at))
            assert due is not None, "the email is no longer retried"
            clock.advance(max(due - clock(), timedelta(seconds=1)))
        with container.sessions() as db:
            during = service.get_delivery(session=db, delivery_id=delivery_id)
            status, attempts = during.status, during.attempts
        assert status == "queued"
        assert attempts >= 8  # more than the old limit, all refused
        smtp_server.start()
        with container.sessions() as db:
            due = db.scalar(select(Job.due_at).where(Job.status == "pending"))
        assert due is not None
        clock.advance(max(due - clock(), timedelta(0)))
        worker.run_once()

    with container.sessions() as db:
        sent = service.get_delivery(session=db, delivery_id=delivery_id)
        assert sent.status == "sent"
        assert [attempt.outcome for attempt in sent.attempt_log][-1] == "sent"
    assert [message.rcpt_tos for message in smtp_server.messages] == [["store001@example.jp"]]
