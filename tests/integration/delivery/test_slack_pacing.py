"""Chat through the whole engine, in real time, against a local Slack that enforces Slack's limits.

The local server answers 429 with `Retry-After` when a channel gets more than one post a second, as
Slack does; the engine's default pacing must keep every post within that, per channel, in order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.delivery import service
from hikeshi.delivery.models import Delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.worker import Worker
from tests.support.slack_server import SlackServer

WAIT_SECONDS = 15.0


@pytest.fixture
def connected(settings: Settings, slack_server: SlackServer) -> Iterator[Container]:
    """The real Slack adapters, the real clock and the default rate limits."""
    slack = {"slack_bot_token": slack_server.token, "slack_api_url": slack_server.api_url}
    container = bootstrap(settings.model_copy(update=slack))
    upgrade_database(container.engine)
    yield container
    container.close()


def _ask(container: Container, channel: str, messages: list[tuple[str, str]], **extra: Any) -> list[int]:
    with container.sessions() as db:
        asked = service.send_many(
            session=db,
            channel=channel,
            messages=[Outgoing(target=target, text=text, extra=dict(extra)) for target, text in messages],
            now=container.clock(),
        )
        db.commit()
        return [delivery.id for delivery in asked]


def _deliveries(container: Container, delivery_ids: list[int]) -> list[Delivery]:
    with container.sessions() as db:
        return [service.get_delivery(session=db, delivery_id=delivery_id) for delivery_id in delivery_ids]


def _drain_until_sent(container: Container, delivery_ids: list[int]) -> list[Delivery]:
    """Run a worker in real time until every delivery is sent (or the wait runs out)."""
    deadline = time.monotonic() + WAIT_SECONDS
    with (
        Worker(container=container, registry=container.jobs, poll_interval=0.05) as worker,
        worker.in_background(),
    ):
        while time.monotonic() < deadline:
            deliveries = _deliveries(container, delivery_ids)
            if all(delivery.status == "sent" for delivery in deliveries):
                return deliveries
            time.sleep(0.05)
    return _deliveries(container, delivery_ids)


def test_posts_are_paced_per_channel_within_slacks_limit_and_keep_their_order(
    connected: Container, slack_server: SlackServer
) -> None:
    asked = _ask(
        connected,
        "chat",
        [
            ("C0INCIDENTS", "障害 1: 予約 API が 503"),
            ("C0INCIDENTS", "障害 1: 原因調査中"),
            ("C0INCIDENTS", "障害 1: 復旧しました"),
            ("C0STATUS", "ステータスページを更新しました"),
        ],
    )
    started = time.monotonic()
    deliveries = _drain_until_sent(connected, asked)
    took = time.monotonic() - started

    assert [delivery.status for delivery in deliveries] == ["sent"] * 4
    incidents = [message.text for message in slack_server.in_channel("C0INCIDENTS")]
    assert incidents == ["障害 1: 予約 API が 503", "障害 1: 原因調査中", "障害 1: 復旧しました"]
    assert [message.text for message in slack_server.in_channel("C0STATUS")] == [
        "ステータスページを更新しました"
    ]
    assert slack_server.rate_limited == 0, "our pacing kept within one post a second per channel"
    assert took >= 2.0  # three posts to one channel need two seconds between them


def test_429_with_retry_after_is_retried_after_that_delay_and_arrives_once_in_order(
    connected: Container, slack_server: SlackServer
) -> None:
    slack_server.fail_next(1, status=429, retry_after=2)
    asked = _ask(
        connected,
        "chat",
        [("C0INCIDENTS", "障害 2: 決済が遅延しています"), ("C0INCIDENTS", "障害 2: 復旧しました")],
    )
    refused, following = _drain_until_sent(connected, asked)

    assert (refused.status, following.status) == ("sent", "sent")
    posted = slack_server.in_channel("C0INCIDENTS")
    # Each arrives once, and the retried post is not overtaken by the one after it.
    assert [message.text for message in posted] == ["障害 2: 決済が遅延しています", "障害 2: 復旧しました"]
    assert refused.provider_id == posted[0].ts
    first, second = refused.attempt_log
    assert (first.outcome, second.outcome) == ("retry", "sent")
    assert "retry after 2" in (first.error or "")
    assert (second.attempted_at - first.attempted_at).total_seconds() >= 2.0
    assert [attempt.outcome for attempt in following.attempt_log] == ["sent"]
    assert slack_server.rate_limited == 0


def test_incoming_webhook_posts_arrive_paced_and_in_order(
    connected: Container, slack_server: SlackServer
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*障害 3*: 検索が遅い"}}]
    asked = _ask(
        connected,
        "chat_webhook",
        [(slack_server.webhook_url, "障害 3: 検索が遅い"), (slack_server.webhook_url, "障害 3: 復旧")],
        blocks=blocks,
    )
    deliveries = _drain_until_sent(connected, asked)

    assert [delivery.status for delivery in deliveries] == ["sent", "sent"]
    assert [(post.text, post.blocks) for post in slack_server.webhook_posts] == [
        ("障害 3: 検索が遅い", blocks),
        ("障害 3: 復旧", blocks),
    ]
    assert slack_server.rate_limited == 0
