"""SlackIncomingWebhook against the local Slack's incoming webhook (and a plain receiver for 410)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hikeshi.adapters.slack import SlackIncomingWebhook
from hikeshi.core.errors import ExternalServiceError
from tests.support.slack_server import SlackServer
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def chat_webhook() -> Iterator[SlackIncomingWebhook]:
    webhook = SlackIncomingWebhook()
    yield webhook
    webhook.close()


def _failure(chat_webhook: SlackIncomingWebhook, url: str) -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        chat_webhook.post(url=url, text="障害発生")
    return caught.value


def test_text_and_blocks_arrive(chat_webhook: SlackIncomingWebhook, slack_server: SlackServer) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*障害発生*"}}]
    chat_webhook.post(url=slack_server.webhook_url, text="障害発生", blocks=blocks)
    [post] = slack_server.webhook_posts
    assert (post.text, post.blocks) == ("障害発生", blocks)


def test_an_ephemeral_answer_reaches_the_response_url_for_the_presser_only(
    chat_webhook: SlackIncomingWebhook, slack_server: SlackServer
) -> None:
    chat_webhook.post(url=slack_server.response_url(), text="権限がありません", ephemeral=True)
    [answer] = slack_server.responses
    assert (answer.text, answer.response_type, answer.replace_original) == (
        "権限がありません",
        "ephemeral",
        False,
    )
    assert slack_server.webhook_posts == []


def test_unknown_webhook_is_permanent(chat_webhook: SlackIncomingWebhook, slack_server: SlackServer) -> None:
    error = _failure(chat_webhook, slack_server.url + "/services/T000/B000/GONE")
    assert error.permanent
    assert "HTTP 404: no_service" in str(error)


def test_more_than_one_post_a_second_is_retryable_after_retry_after(
    chat_webhook: SlackIncomingWebhook, slack_server: SlackServer
) -> None:
    chat_webhook.post(url=slack_server.webhook_url, text="first")
    error = _failure(chat_webhook, slack_server.webhook_url)
    assert (error.permanent, error.retry_after_seconds) == (False, 1.0)


def test_server_error_is_retryable(chat_webhook: SlackIncomingWebhook, slack_server: SlackServer) -> None:
    slack_server.fail_next(status=500)
    assert _failure(chat_webhook, slack_server.webhook_url).permanent is False


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_refusals_are_permanent(
    chat_webhook: SlackIncomingWebhook, webhook_receiver: WebhookReceiver, status: int
) -> None:
    # Slack's own: invalid_payload 400, action_prohibited 403, channel_not_found 404, channel_is_archived 410.
    webhook_receiver.secret = None
    webhook_receiver.respond("/hook", status)
    assert _failure(chat_webhook, webhook_receiver.url + "/hook").permanent
