"""`/hikeshi page` and `/hikeshi oncall` from Slack, signed with slack_sdk's own signature code."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_product
from hikeshi.core.settings import Settings
from hikeshi.incidents.models import Incident
from hikeshi.jobs.worker import Worker
from hikeshi.oncall.paging_models import Page
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import Person, add_person, make_policy, page_status, start, timeline

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1234/abcd"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"slack_signing_secret": SIGNING_SECRET})


@pytest.fixture
def slack(paging: Container) -> Iterator[TestClient]:
    with TestClient(create_app(paging), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def oncall(paging: Container) -> Person:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    with paging.sessions() as db:
        create_product(
            session=db, slug="web-booking", name_ja="Web 予約", name_en="Web booking", now=paging.clock()
        )
        create_product(session=db, slug="fax", name_ja="FAX 送信", name_en="FAX", now=paging.clock())
        db.commit()
    make_policy(paging, "Web 予約 一次対応", [(5, [sato.id])], products=("web-booking",))
    return sato


def _command(text: str) -> bytes:
    return urlencode(
        {
            "token": "deprecated",
            "team_id": "T0001",
            "team_domain": "example",
            "channel_id": "C0SUPPORT",
            "channel_name": "support",
            "user_id": "U0SUPPORT1",
            "user_name": "yamada",
            "command": "/hikeshi",
            "text": text,
            "response_url": RESPONSE_URL,
            "trigger_id": "123.456.abc",
            "api_app_id": "A0001",
        }
    ).encode()


def _post(client: TestClient, body: bytes, *, at: float, secret: str = SIGNING_SECRET) -> Response:
    """As Slack sends it: slack_sdk computes `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    timestamp = str(int(at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return client.post("/slack/commands", content=body, headers=headers)


def _pages(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count(Page.id))) or 0


def test_a_bad_signature_is_refused(
    slack: TestClient, clock: FrozenClock, oncall: Person, paging: Container, worker: Worker
) -> None:
    answer = _post(
        slack, _command("page web-booking 予約できない"), at=clock().timestamp(), secret="wrong" * 6
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "bad_signature"
    worker.run_once()
    assert _pages(paging) == 0


def test_a_request_older_than_five_minutes_is_refused(
    slack: TestClient, clock: FrozenClock, oncall: Person, paging: Container, worker: Worker, fakes: Fakes
) -> None:
    answer = _post(slack, _command("page web-booking 予約できない"), at=clock().timestamp() - 301)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "bad_signature"
    ahead = _post(slack, _command("page web-booking 予約できない"), at=clock().timestamp() + 301)
    assert ahead.status_code == 401
    worker.run_once()  # nothing was queued: no page, no reply
    assert _pages(paging) == 0
    assert fakes.chat_webhook.posts == []
    fresh = _post(slack, _command("oncall"), at=clock().timestamp() - 299)
    assert fresh.status_code == 200


def test_page_is_answered_at_once_and_the_paging_happens_afterwards_in_the_job(
    slack: TestClient, clock: FrozenClock, oncall: Person, paging: Container, worker: Worker, fakes: Fakes
) -> None:
    started = time.monotonic()
    answer = _post(
        slack, _command("page web-booking 予約画面でエラーが出るとお店から電話"), at=clock().timestamp()
    )
    assert time.monotonic() - started < 3.0
    assert answer.status_code == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "web-booking" in answer.json()["text"]
    assert _pages(paging) == 0  # not yet: the page is the job's work
    assert fakes.sms.sent == []

    worker.run_once()
    assert _pages(paging) == 1
    [sms] = fakes.sms.sent
    assert sms.to == oncall.phone
    assert "予約画面でエラーが出るとお店から電話" in sms.body
    [reply] = fakes.chat_webhook.posts
    assert reply.url == RESPONSE_URL
    assert reply.ephemeral
    assert "/pages/1" in reply.text


def test_an_unknown_product_gets_an_ephemeral_error_listing_what_can_be_paged(
    slack: TestClient, clock: FrozenClock, oncall: Person, paging: Container
) -> None:
    answer = _post(slack, _command("page fax 送れない"), at=clock().timestamp())
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "fax" in body["text"]
    assert "web-booking" in body["text"]
    assert _pages(paging) == 0


def test_oncall_says_who_is_on_call_now(slack: TestClient, clock: FrozenClock, oncall: Person) -> None:
    answer = _post(slack, _command("oncall"), at=clock().timestamp())
    assert answer.status_code == 200
    assert "Web 予約 一次対応: Sato" in answer.json()["text"]


def test_the_acknowledge_button_on_the_direct_message_acknowledges_the_page(
    slack: TestClient, clock: FrozenClock, paging: Container, worker: Worker, fakes: Fakes
) -> None:
    tanaka = add_person(paging, "tanaka@example.jp", phone="+819011110009", slack="U0TANAKA01")
    policy = make_policy(paging, "Primary", [(5, [tanaka.id])])
    page_id = start(paging, policy, title="FAX が送れない")
    worker.run_once()
    [dm] = [post for post in fakes.chat.posts if post.message.channel == "U0TANAKA01"]
    [button] = [
        element for block in dm.message.blocks if block["type"] == "actions" for element in block["elements"]
    ]
    payload = {
        "type": "block_actions",
        "user": {"id": "U0TANAKA01", "username": "tanaka", "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "example"},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0TANAKA01"},
        "response_url": "https://hooks.slack.com/actions/T0001/1/abc",
        "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    timestamp = str(int(clock().timestamp()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    pressed = slack.post(
        "/slack/interactions",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
    )
    assert pressed.status_code == 200
    assert page_status(paging, page_id) == "acknowledged"
    assert ("acknowledged", tanaka.id, None) in timeline(paging, page_id)
    # The direct message keeps its button, so the person who pressed it is told that it worked.
    worker.run_once()
    [told] = fakes.chat_webhook.posts
    assert told.url == "https://hooks.slack.com/actions/T0001/1/abc"
    assert told.ephemeral
    assert told.text == f"呼び出し {page_id}「FAX が送れない」を確認しました。ほかの人への通知は止まります。"


def test_incident_opens_a_triage_incident_through_the_same_signed_route(
    slack: TestClient, clock: FrozenClock, paging: Container
) -> None:
    answer = _post(slack, _command("incident Web 予約が完了しない"), at=clock().timestamp())
    assert answer.status_code == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "#1" in body["text"]
    with paging.sessions() as db:
        [incident] = db.scalars(select(Incident)).all()
    assert (incident.number, incident.title, incident.status) == (1, "Web 予約が完了しない", "triage")


def test_an_unknown_sub_command_lists_every_command_including_incident(
    slack: TestClient, clock: FrozenClock
) -> None:
    answer = _post(slack, _command("help"), at=clock().timestamp())
    text = answer.json()["text"]
    assert "/hikeshi page" in text
    assert "/hikeshi oncall" in text
    assert "/hikeshi incident" in text
