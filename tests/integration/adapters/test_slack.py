"""SlackChat through the real slack_sdk WebClient against the local Slack server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from hikeshi.adapters.slack import SlackChat
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import ChatMessage
from tests.support.slack_server import SlackServer

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*INC-42* 決済エラー"}}]


@pytest.fixture
def chat(slack_server: SlackServer) -> SlackChat:
    return SlackChat(token=slack_server.token, base_url=slack_server.api_url)


def _failure(chat: SlackChat, message: ChatMessage) -> ExternalServiceError:
    with pytest.raises(ExternalServiceError) as caught:
        chat.post(message)
    return caught.value


def test_post_reaches_the_channel_with_text_and_blocks(chat: SlackChat, slack_server: SlackServer) -> None:
    receipt = chat.post(ChatMessage(channel="#incidents", text="INC-42 決済エラー", blocks=BLOCKS))
    [message] = slack_server.in_channel("#incidents")
    assert (message.channel, message.ts) == (receipt.channel, receipt.ts)
    assert (message.text, message.blocks) == ("INC-42 決済エラー", BLOCKS)


def test_update_changes_the_posted_message(chat: SlackChat, slack_server: SlackServer) -> None:
    receipt = chat.post(ChatMessage(channel="C0INCIDENTS", text="investigating"))
    chat.update(channel=receipt.channel, ts=receipt.ts, text="resolved", blocks=BLOCKS)
    [message] = slack_server.in_channel("C0INCIDENTS")
    assert message.current_text == "resolved"
    assert message.updates[-1].blocks == BLOCKS


def test_reply_goes_into_the_thread(chat: SlackChat, slack_server: SlackServer) -> None:
    slack_server.post_interval_seconds = 0  # replies count against the channel's pace too
    parent = chat.post(ChatMessage(channel="C0INCIDENTS", text="declared"))
    chat.post(ChatMessage(channel="C0INCIDENTS", text="update", thread_ts=parent.ts))
    assert slack_server.in_channel("C0INCIDENTS")[-1].thread_ts == parent.ts


def test_direct_message_opens_the_im_once_and_posts_there(chat: SlackChat, slack_server: SlackServer) -> None:
    slack_server.post_interval_seconds = 0
    first = chat.post(ChatMessage(channel="U0ONCALL", text="You are paged"))
    second = chat.post(ChatMessage(channel="U0ONCALL", text="Still paged"))
    assert first.channel == second.channel == "D0ONCALL"
    assert slack_server.opened == ["U0ONCALL"]
    assert [message.text for message in slack_server.in_channel("D0ONCALL")] == [
        "You are paged",
        "Still paged",
    ]


def test_a_direct_message_can_be_updated_through_its_im_channel(
    chat: SlackChat, slack_server: SlackServer
) -> None:
    receipt = chat.post(ChatMessage(channel="U0ONCALL", text="Paged"))
    chat.update(channel=receipt.channel, ts=receipt.ts, text="Acknowledged")
    assert slack_server.in_channel("D0ONCALL")[0].current_text == "Acknowledged"


def test_bad_token_is_permanent(slack_server: SlackServer) -> None:
    chat = SlackChat(token="xoxb-wrong", base_url=slack_server.api_url)
    error = _failure(chat, ChatMessage(channel="#incidents", text="x"))
    assert error.permanent
    assert "invalid_auth" in str(error)
    assert slack_server.messages == []


@pytest.mark.parametrize(
    ("configure", "code"),
    [
        (lambda server: server.missing_channels.add("C0GONE"), "channel_not_found"),
        (lambda server: server.archived_channels.add("C0GONE"), "is_archived"),
        (lambda server: server.outside_channels.add("C0GONE"), "not_in_channel"),
    ],
)
def test_channel_problems_are_permanent(
    chat: SlackChat, slack_server: SlackServer, configure, code: str
) -> None:
    configure(slack_server)
    error = _failure(chat, ChatMessage(channel="C0GONE", text="x"))
    assert (error.permanent, code in str(error)) == (True, True)


@pytest.mark.parametrize(("text", "code"), [("", "no_text"), ("x" * 40_001, "msg_too_long")])
def test_text_problems_are_permanent(chat: SlackChat, text: str, code: str) -> None:
    error = _failure(chat, ChatMessage(channel="C0INCIDENTS", text=text))
    assert error.permanent
    assert code in str(error)


def test_update_of_an_unknown_message_is_permanent(chat: SlackChat) -> None:
    with pytest.raises(ExternalServiceError) as caught:
        chat.update(channel="C0INCIDENTS", ts="1700000000.000001", text="x")
    assert caught.value.permanent
    assert "message_not_found" in str(caught.value)


def test_second_post_within_a_second_is_rate_limited_with_retry_after(
    chat: SlackChat, slack_server: SlackServer
) -> None:
    chat.post(ChatMessage(channel="C0INCIDENTS", text="first"))
    error = _failure(chat, ChatMessage(channel="C0INCIDENTS", text="second"))
    assert (error.permanent, error.retry_after_seconds) == (False, 1.0)
    assert slack_server.rate_limited == 1
    chat.post(ChatMessage(channel="C0OTHER", text="another channel is not held back"))
    assert [m.text for m in slack_server.in_channel("C0INCIDENTS")] == ["first"]


def test_a_post_after_the_interval_goes_through() -> None:
    now = [100.0]
    with SlackServer(monotonic=lambda: now[0]) as server:
        chat = SlackChat(token=server.token, base_url=server.api_url)
        chat.post(ChatMessage(channel="C0INCIDENTS", text="first"))
        now[0] += 1.0
        chat.post(ChatMessage(channel="C0INCIDENTS", text="second"))
        assert [m.text for m in server.in_channel("C0INCIDENTS")] == ["first", "second"]


def test_injected_429_passes_its_retry_after_on(chat: SlackChat, slack_server: SlackServer) -> None:
    slack_server.fail_next(status=429, retry_after=7)
    error = _failure(chat, ChatMessage(channel="C0INCIDENTS", text="x"))
    assert (error.permanent, error.retry_after_seconds) == (False, 7.0)


def test_server_error_is_retryable_and_slack_sdk_does_not_retry_it_itself(
    chat: SlackChat, slack_server: SlackServer
) -> None:
    slack_server.fail_next(1, status=503)
    error = _failure(chat, ChatMessage(channel="C0INCIDENTS", text="x"))
    assert (error.permanent, "HTTP 503" in str(error)) == (False, True)
    assert slack_server.messages == []
    chat.post(ChatMessage(channel="C0INCIDENTS", text="x"))
    assert len(slack_server.messages) == 1


@pytest.fixture
def dropping_server() -> Iterator[tuple[str, list[int]]]:
    """Accepts connections and closes them at once, counting them: a Slack that keeps dropping."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/", accepted
    listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
    listener.close()
    thread.join(timeout=5)


def test_dropped_connection_is_retryable_and_tried_once(dropping_server: tuple[str, list[int]]) -> None:
    url, accepted = dropping_server
    error = _failure(SlackChat(token="xoxb-t", base_url=url), ChatMessage(channel="C1", text="x"))
    assert error.permanent is False
    assert "could not be reached" in str(error)
    assert len(accepted) == 1  # slack_sdk's own connection-error retry is off: the job engine retries


def test_unreachable_slack_is_retryable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    error = _failure(
        SlackChat(token="xoxb-t", base_url=f"http://127.0.0.1:{port}/api/"), ChatMessage("C1", "x")
    )
    assert error.permanent is False
