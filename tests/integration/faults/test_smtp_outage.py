"""The SMTP server down for 60 seconds in the middle of sending 200 emails: all arrive, none twice.

A real `hikeshi worker` sends a batch (`send_many`, as a campaign does) to a local SMTP server.
When a quarter has arrived the server stops (connections refused) for the issue's 60 seconds, then
comes back on the same port. Every recipient must then get its email exactly once, and every
delivery must read `sent` without a `possible_duplicate` flag: nothing was in flight at the server
when it went away, so nothing may be sent twice.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.delivery import service
from hikeshi.delivery.models import Delivery
from hikeshi.delivery.service import Outgoing
from tests.support.hikeshi_process import hikeshi_processes
from tests.support.smtp_server import SmtpServer

RECIPIENTS = 200
STOP_WHEN_RECEIVED = 50
OUTAGE_SECONDS = 60.0
# After the outage the retries wait out their backoff (full jitter, base 5 s, doubling per attempt):
# usually a minute or two, but when the jitter drew short delays during the outage, seven or eight
# attempts fail in its 60 s and the next waits up to 320 s or 640 s (a run waited 300 s and failed at
# 240). The wait ends as soon as every email is in.
RECOVERY_SECONDS = 660.0


@pytest.mark.postgres_only
def test_emails_queued_during_an_smtp_outage_are_all_sent_once(
    container: Container, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    addresses = [f"store{number:03d}@example.jp" for number in range(RECIPIENTS)]
    with container.sessions() as db:
        messages = [
            Outgoing(target=a, subject="【障害】予約システム", text="復旧作業中です。") for a in addresses
        ]
        service.send_many(session=db, channel="email", messages=messages, now=container.clock())
        db.commit()
    environment = {"HIKESHI_SMTP_URL": smtp_server.url, "HIKESHI_SMTP_FROM": "hikeshi@example.jp"}
    with hikeshi_processes(container.settings.database_url, tmp_path / "logs", **environment) as hikeshi:
        hikeshi.worker(poll_interval=0.05)
        hikeshi.wait_for(
            lambda: len(smtp_server.messages) >= STOP_WHEN_RECEIVED, seconds=60, what="the first emails"
        )
        smtp_server.stop()
        received_before = len(smtp_server.messages)
        down_until = time.monotonic() + OUTAGE_SECONDS
        hikeshi.wait_for(lambda: _failed_attempts(container) > 0, seconds=30, what="a refused attempt")
        time.sleep(max(0.0, down_until - time.monotonic()))  # the outage itself: the 60 s
        smtp_server.start()
        hikeshi.wait_for(
            lambda: len(smtp_server.messages) >= RECIPIENTS, seconds=RECOVERY_SECONDS, what="every email"
        )
        hikeshi.wait_for(lambda: _unsent(container) == 0, seconds=30, what="every delivery recorded sent")

    assert received_before < RECIPIENTS
    received = Counter(recipient for message in smtp_server.messages for recipient in message.rcpt_tos)
    assert sorted(received) == addresses
    assert set(received.values()) == {1}
    with container.sessions() as db:
        rows = db.execute(
            select(Delivery.status, Delivery.possible_duplicate, func.count()).group_by(
                Delivery.status, Delivery.possible_duplicate
            )
        ).all()
    assert [tuple(row) for row in rows] == [("sent", False, RECIPIENTS)]


def _failed_attempts(container: Container) -> int:
    from hikeshi.delivery.models import DeliveryAttempt

    with container.sessions() as db:
        query = select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.outcome == "retry")
        return db.scalar(query) or 0


def _unsent(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "sent")) or 0
