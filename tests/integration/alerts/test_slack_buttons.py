"""The Acknowledge and Resolve buttons of an alert group's Slack message, signed exactly as Slack signs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from hikeshi.accounts import service as accounts
from hikeshi.alerts import groups
from hikeshi.alerts.messages import ACK_ACTION, RESOLVE_ACTION
from hikeshi.alerts.notify import REFRESH_CHAT_JOB
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.jobs import service as jobs
from hikeshi.jobs.worker import Worker
from hikeshi.web.app import create_app
from tests.support.alerts import group_status, make_integration, raise_alert
from tests.support.slack_server import InteractionResponse, SlackServer
from tests.support.web import People

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_ID = "U012AB3CD"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SIGNING_SECRET})


def _body(
    action_id: str,
    group_id: int,
    slack_user: str = SLACK_ID,
    response_url: str = "https://hooks.slack.com/actions/T0001/1/abc",
) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": slack_user, "username": "sato", "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "example"},
        "trigger_id": "123.456.abc",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0ALERTS"},
        "channel": {"id": "C0ALERTS", "name": "alerts"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": f"alert_group:{group_id}",
                "value": str(group_id),
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _press(
    client: TestClient, body: bytes, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> Response:
    """POST as Slack does: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`."""
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + sent_at.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": sent_at,
        "X-Slack-Signature": signature,
    }
    return client.post("/slack/interactions", content=body, headers=headers)


@pytest.fixture
def group_id(container: Container) -> int:
    integration, _ = make_integration(container, chat_channel="C0ALERTS")
    outcome = raise_alert(container, integration, "決済 API が 500 を返す")
    assert outcome.group_id is not None
    return outcome.group_id


@pytest.fixture
def sato(people: People, container: Container) -> int:
    user = people.add("sato@example.jp", "engineer")
    with container.sessions() as db:
        accounts.add_contact_method(
            session=db, user_id=user.id, kind="slack", address=SLACK_ID, now=container.clock()
        )
        db.commit()
    return user.id


def _answers(container: Container, slack_server: SlackServer) -> list[InteractionResponse]:
    """What the person who pressed was told: the outbox's jobs run, and Slack's response_url got it."""
    with Worker(container=container, registry=container.jobs, worker_id="test") as worker:
        worker.run_once()
    return list(slack_server.responses)


def _refresh_jobs(container: Container, group_id: int) -> list[dict[str, object]]:
    with container.sessions() as db:
        pending = jobs.list_jobs(session=db, status="pending", kind=REFRESH_CHAT_JOB)
        return [job.payload for job in pending if job.payload.get("group_id") == group_id]


def _history(container: Container, group_id: int) -> list[tuple[str, int | None]]:

    with container.sessions() as db:
        return [
            (event.kind, event.actor_user_id) for event in groups.group_events(session=db, group_id=group_id)
        ]


def test_acknowledge_button_acknowledges_as_the_slack_user_and_queues_the_message_update(
    client: TestClient, container: Container, group_id: int, sato: int
) -> None:
    assert _refresh_jobs(container, group_id) == []
    answer = _press(client, _body(ACK_ACTION, group_id))
    assert answer.status_code == 200, answer.text
    assert group_status(container, group_id) == "acknowledged"
    assert ("acknowledged", sato) in _history(container, group_id)
    assert _refresh_jobs(container, group_id) == [{"group_id": group_id}]


def test_resolve_button_resolves(client: TestClient, container: Container, group_id: int, sato: int) -> None:
    answer = _press(client, _body(RESOLVE_ACTION, group_id))
    assert answer.status_code == 200
    assert group_status(container, group_id) == "resolved"
    assert ("resolved", sato) in _history(container, group_id)


def test_bad_signature_is_401_and_changes_nothing(
    client: TestClient, container: Container, group_id: int, sato: int
) -> None:
    answer = _press(client, _body(ACK_ACTION, group_id), secret="not-the-signing-secret")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "bad_signature"
    unsigned = client.post(
        "/slack/interactions",
        content=_body(ACK_ACTION, group_id),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 401
    assert group_status(container, group_id) == "triggered"


def test_body_changed_after_signing_is_401(
    client: TestClient, container: Container, group_id: int, sato: int
) -> None:
    sent_at = str(int(time.time()))
    signed = _body(ACK_ACTION, group_id)
    base = b"v0:" + sent_at.encode() + b":" + signed
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": sent_at, "X-Slack-Signature": signature}
    answer = client.post("/slack/interactions", content=_body(RESOLVE_ACTION, group_id), headers=headers)
    assert answer.status_code == 401
    assert group_status(container, group_id) == "triggered"


def test_stale_timestamp_is_401(client: TestClient, container: Container, group_id: int, sato: int) -> None:
    answer = _press(client, _body(ACK_ACTION, group_id), timestamp=int(time.time()) - 6 * 60)
    assert answer.status_code == 401
    assert _press(client, _body(ACK_ACTION, group_id), timestamp=int(time.time()) + 6 * 60).status_code == 401
    assert group_status(container, group_id) == "triggered"


def test_unknown_slack_user_is_told_how_to_link_their_account_in_the_company_language(
    client: TestClient, container: Container, group_id: int, sato: int, slack_server: SlackServer
) -> None:
    body = _body(ACK_ACTION, group_id, slack_user="U999NOBODY", response_url=slack_server.response_url())
    answer = _press(client, body)
    assert answer.status_code == 200
    [told] = _answers(container, slack_server)
    assert told.path == "/actions/T0001/1/abc"
    assert (told.response_type, told.replace_original) == ("ephemeral", False)
    assert told.text is not None
    assert "この Slack アカウント（U999NOBODY）は hikeshi に登録されていません" in told.text
    assert "/profile" in told.text
    assert group_status(container, group_id) == "triggered"


def test_unknown_slack_user_hears_english_when_the_company_speaks_english(
    settings: Settings, container: Container, group_id: int, slack_server: SlackServer
) -> None:
    english = bootstrap(settings.model_copy(update={"language": "en"}))  # the same, migrated database
    try:
        with TestClient(create_app(english)) as client:
            url = slack_server.response_url()
            answer = _press(
                client, _body(RESOLVE_ACTION, group_id, slack_user="U999NOBODY", response_url=url)
            )
            assert answer.status_code == 200
        [told] = _answers(english, slack_server)
    finally:
        english.close()
    assert told.text is not None
    assert told.text.startswith("hikeshi does not know your Slack account (U999NOBODY).")
    assert group_status(container, group_id) == "triggered"


def test_a_support_member_may_not_act_from_slack_and_is_told_in_their_language(
    client: TestClient, people: People, container: Container, group_id: int, slack_server: SlackServer
) -> None:
    user = people.add("suzuki@example.jp", "support", language="en")
    with container.sessions() as db:
        accounts.add_contact_method(
            session=db, user_id=user.id, kind="slack", address="U0SUPPORT1", now=container.clock()
        )
        db.commit()
    body = _body(ACK_ACTION, group_id, slack_user="U0SUPPORT1", response_url=slack_server.response_url())
    answer = _press(client, body)
    assert answer.status_code == 200
    [told] = _answers(container, slack_server)
    assert (told.response_type, told.replace_original) == ("ephemeral", False)
    assert told.text == "Your role (support) does not allow this."
    assert group_status(container, group_id) == "triggered"


def test_acknowledging_a_resolved_group_is_answered_ephemerally(
    client: TestClient, container: Container, group_id: int, sato: int, slack_server: SlackServer
) -> None:
    assert _press(client, _body(RESOLVE_ACTION, group_id)).status_code == 200
    answer = _press(
        client, _body(ACK_ACTION, group_id, response_url=slack_server.response_url("T0001/2/def"))
    )
    assert answer.status_code == 200
    [told] = _answers(container, slack_server)
    assert told.path == "/actions/T0001/2/def"
    assert told.response_type == "ephemeral"
    assert told.text == f"アラートグループ {group_id} はすでに解決済みです"
    assert group_status(container, group_id) == "resolved"


def test_a_button_that_works_tells_no_one_privately(
    client: TestClient, container: Container, group_id: int, sato: int, slack_server: SlackServer
) -> None:
    assert (
        _press(client, _body(ACK_ACTION, group_id, response_url=slack_server.response_url())).status_code
        == 200
    )
    assert _answers(container, slack_server) == []
    assert group_status(container, group_id) == "acknowledged"


def test_other_interactions_get_an_empty_200(
    client: TestClient, container: Container, group_id: int, sato: int
) -> None:
    assert _press(client, _body("some_other_button", group_id)).status_code == 200
    shortcut = urlencode({"payload": json.dumps({"type": "shortcut", "callback_id": "x"})}).encode()
    assert _press(client, shortcut).status_code == 200
    assert _press(client, b"payload=not-json").status_code == 200
    assert group_status(container, group_id) == "triggered"


@pytest.fixture
def unconfigured_client(settings: Settings, container: Container) -> Iterator[TestClient]:
    plain = bootstrap(settings.model_copy(update={"slack_signing_secret": None}))
    with TestClient(create_app(plain), raise_server_exceptions=False) as test_client:
        yield test_client
    plain.close()


def test_without_a_signing_secret_the_endpoint_says_so(unconfigured_client: TestClient) -> None:
    answer = _press(unconfigured_client, _body(ACK_ACTION, 1))
    assert answer.status_code == 404
    assert "HIKESHI_SLACK_SIGNING_SECRET" in answer.json()["error"]["message"]
