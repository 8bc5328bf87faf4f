"""The Slack API answering 429 and 500 to a running `hikeshi serve`: retries wait, nothing is lost or doubled.

Three critical alerts reach a real `hikeshi serve` (web and worker); their integration posts each
new group to a channel of the local Slack server, which answers the first posts 429 (Retry-After: 2),
500 and 503. Each group's message must still arrive exactly once, the retry after the 429 must come
no sooner than Slack asked, and every delivery must end `sent` with its failed attempts on record.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hikeshi.alerts import integrations
from hikeshi.bootstrap import Container
from hikeshi.delivery.models import Delivery
from tests.support.hikeshi_process import hikeshi_processes
from tests.support.slack_server import SlackServer

ALERTS = 3
CHANNEL = "C0ALERTS"
RETRY_AFTER = 2
SECONDS = 60.0


@pytest.mark.postgres_only  # the retry logic does not depend on the database: one backend is enough
def test_slack_429_and_500_are_retried_and_every_group_is_posted_once(
    container: Container, tmp_path: Path, slack_server: SlackServer
) -> None:
    with container.sessions() as db:
        _, key = integrations.create_integration(
            session=db, name="Events", kind="pagerduty", chat_channel=CHANNEL, now=container.clock()
        )
        db.commit()
    slack_server.fail_next(1, status=429, retry_after=RETRY_AFTER)
    slack_server.fail_next(1, status=500)
    slack_server.fail_next(1, status=503)
    environment = {
        "HIKESHI_SLACK_BOT_TOKEN": slack_server.token,
        "HIKESHI_SLACK_API_URL": slack_server.api_url,
    }
    with hikeshi_processes(container.settings.database_url, tmp_path / "logs", **environment) as hikeshi:
        server = hikeshi.serve()
        for number in range(ALERTS):
            event = {
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": f"db-{number}",
                "payload": {"summary": f"DB {number} down", "source": f"db-{number}", "severity": "critical"},
            }
            assert httpx.post(f"{server.url}/v2/enqueue", json=event, timeout=10).status_code == 202
        hikeshi.wait_for(
            lambda: len(slack_server.in_channel(CHANNEL)) >= ALERTS and _all_sent(container),
            seconds=SECONDS,
            what=f"{ALERTS} posts to {CHANNEL}",
        )

    posted = [message.text or "" for message in slack_server.in_channel(CHANNEL)]
    assert len(posted) == ALERTS, posted
    for number in range(ALERTS):
        assert sum(f"DB {number} down" in text for text in posted) == 1, posted
    with container.sessions() as db:
        deliveries = db.scalars(select(Delivery).options(selectinload(Delivery.attempt_log))).all()
        attempts = [attempt for delivery in deliveries for attempt in delivery.attempt_log]
        assert {delivery.status for delivery in deliveries} == {"sent"}
        assert not any(delivery.possible_duplicate for delivery in deliveries)
        retried = [attempt for attempt in attempts if attempt.outcome == "retry"]
        assert len(retried) == 3, [(a.outcome, a.error) for a in attempts]
        [limited] = [attempt for attempt in retried if f"retry after {RETRY_AFTER}" in (attempt.error or "")]
        later = [
            attempt
            for attempt in attempts
            if attempt.delivery_id == limited.delivery_id and attempt.attempted_at > limited.attempted_at
        ]
        assert later, "the rate-limited post was never tried again"
        assert min((a.attempted_at - limited.attempted_at).total_seconds() for a in later) >= RETRY_AFTER
        assert sum(attempt.outcome == "sent" for attempt in attempts) == len(deliveries)


def _all_sent(container: Container) -> bool:
    with container.sessions() as db:
        statuses = set(db.scalars(select(Delivery.status)))
    return statuses == {"sent"}
