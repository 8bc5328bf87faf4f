"""The local Slack server itself: it must check requests as strictly as Slack does, or tests prove little."""

from __future__ import annotations

import json

import httpx

from tests.support.slack_server import SlackServer


def _post(server: SlackServer, method: str, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{server.api_url}{method}", **kwargs)


def test_form_bodies_are_accepted_with_blocks_as_a_json_string(slack_server: SlackServer) -> None:
    blocks = [{"type": "divider"}]
    answer = _post(
        slack_server,
        "chat.postMessage",
        data={"channel": "C1", "blocks": json.dumps(blocks)},
        headers={"Authorization": f"Bearer {slack_server.token}"},
    ).json()
    assert answer["ok"] is True
    assert slack_server.messages[0].blocks == blocks


def test_a_token_form_field_authenticates_like_the_header(slack_server: SlackServer) -> None:
    answer = _post(
        slack_server, "chat.postMessage", data={"token": slack_server.token, "channel": "C1", "text": "t"}
    )
    assert answer.json()["ok"] is True


def test_missing_token_is_not_authed(slack_server: SlackServer) -> None:
    answer = _post(slack_server, "chat.postMessage", json={"channel": "C1", "text": "t"})
    assert (answer.status_code, answer.json()) == (200, {"ok": False, "error": "not_authed"})


def test_neither_text_nor_blocks_is_no_text(slack_server: SlackServer) -> None:
    headers = {"Authorization": f"Bearer {slack_server.token}"}
    answer = _post(slack_server, "chat.postMessage", json={"channel": "C1"}, headers=headers)
    assert answer.json() == {"ok": False, "error": "no_text"}


def test_recorded_messages_and_faults_are_reachable_over_http(slack_server: SlackServer) -> None:
    headers = {"Authorization": f"Bearer {slack_server.token}"}
    _post(slack_server, "chat.postMessage", json={"channel": "C1", "text": "t"}, headers=headers)
    snapshot = httpx.get(f"{slack_server.url}/_test/messages").json()
    assert [message["text"] for message in snapshot["messages"]] == ["t"]
    httpx.post(f"{slack_server.url}/_test/fail", json={"count": 2, "status": 429, "retry_after": 3})
    answers = [
        _post(slack_server, "chat.postMessage", json={"channel": "C2", "text": "t"}, headers=headers)
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3"


def test_a_stopped_server_refuses_connections_and_keeps_its_records_after_restart(
    slack_server: SlackServer,
) -> None:
    headers = {"Authorization": f"Bearer {slack_server.token}"}
    with httpx.Client(headers=headers) as client:  # a kept-alive connection must not outlive stop()
        client.post(f"{slack_server.api_url}chat.postMessage", json={"channel": "C1", "text": "t"})
        slack_server.stop()
        try:
            client.post(f"{slack_server.api_url}chat.postMessage", json={"channel": "C2", "text": "t"})
            reached = True
        except httpx.TransportError:
            reached = False
        assert reached is False
        slack_server.start()
        assert client.post(
            f"{slack_server.api_url}chat.postMessage", json={"channel": "C3", "text": "t"}
        ).json()["ok"]
    assert [message.text for message in slack_server.messages] == ["t", "t"]
