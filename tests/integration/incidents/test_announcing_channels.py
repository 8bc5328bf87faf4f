"""The announcement where people meet it: the incident page, Slack itself (a local Slack that checks
requests as Slack does), and `/hikeshi incident <title>` opening an incident from chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from hikeshi.accounts.service import add_contact_method
from hikeshi.adapters.slack import FakeChat, FakeChatWebhook
from hikeshi.adapters.smtp import FakeEmail
from hikeshi.adapters.twilio import FakeSms, FakeVoice
from hikeshi.adapters.webhook import FakeWebhook
from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.incidents import service
from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.incidents.slack import declare_from_slack
from hikeshi.jobs.worker import Worker
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.announcing import CHANNEL, START, Desk, company, drain
from tests.support.clock import FrozenClock
from tests.support.slack_server import DEFAULT_TOKEN, SlackServer, channel_id
from tests.support.web import People, sign_in


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START + timedelta(minutes=10))


@pytest.fixture
def announcing(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    fakes = Fakes(FakeEmail(), FakeChat(), FakeChatWebhook(), FakeSms(), FakeVoice(), FakeWebhook())
    tuned = settings.model_copy(update={"announce_channel": CHANNEL})
    container = bootstrap(tuned, clock=clock, delivery_ports=fakes.ports())
    upgrade_database(container.engine)
    company(container)
    yield container
    container.close()


@pytest.fixture
def client(announcing: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(announcing), raise_server_exceptions=False, follow_redirects=False
    ) as test_client:
        yield test_client


def test_the_incident_page_shows_what_the_company_was_told(announcing: Container, client: TestClient) -> None:
    people = People(announcing)
    number = Desk(announcing, people.add("sato@example.jp", "engineer")).declare()
    people.add("viewer@example.jp", "viewer")
    sign_in(client, "viewer@example.jp")

    page = client.get(f"/incidents/{number}")
    part = client.get(f"/incidents/{number}/announcement")

    assert page.status_code == 200
    assert f'hx-get="/incidents/{number}/announcement"' in page.text
    assert part.status_code == 200
    assert f"[障害] #{number} Web予約ができない" in part.text
    assert "<dt>影響範囲</dt><dd>3店舗(国内 2・海外 1)/Web予約のお客様: 影響あり</dd>" in part.text
    assert "<dt>復旧の見通し</dt><dd>未定</dd>" in part.text
    assert "#all-hands" in part.text
    version = part.text.split('data-version="')[1].split('"')[0]
    assert client.get(f"/incidents/{number}/announcement", params={"shown": version}).status_code == 204


def test_an_english_reader_sees_it_in_english(announcing: Container, client: TestClient) -> None:
    people = People(announcing)
    number = Desk(announcing, people.add("sato@example.jp", "engineer")).declare()
    people.add("kim@example.com", "support", language="en")
    sign_in(client, "kim@example.com")

    part = client.get(f"/incidents/{number}/announcement")

    assert f"[Incident] #{number} Web予約ができない" in part.text
    assert "<dt>Recovery plan</dt><dd>not decided yet</dd>" in part.text


def test_an_incident_in_triage_is_not_announced_yet(announcing: Container, client: TestClient) -> None:
    people = People(announcing)
    number = Desk(announcing, people.add("sato@example.jp", "engineer")).declare(confirm=False)
    sign_in(client, "sato@example.jp")

    part = client.get(f"/incidents/{number}/announcement")

    assert "まだ全社に告知していません" in part.text
    assert client.get("/incidents/999/announcement").status_code == 404


def test_the_announcement_needs_a_signed_in_reader(announcing: Container, client: TestClient) -> None:
    number = Desk(announcing, People(announcing).add("sato@example.jp", "engineer")).declare()

    response = client.get(f"/incidents/{number}/announcement")

    assert response.status_code in {303, 401}


def test_slash_command_opens_a_triage_incident_in_the_callers_name(announcing: Container) -> None:
    sato = People(announcing).add("sato@example.jp", "support")
    context = AnnouncementContext.from_settings(announcing.settings)
    with announcing.sessions() as db:
        add_contact_method(
            session=db, user_id=sato.id, kind="slack", address="U012SATO9", now=announcing.clock()
        )
        fields = {
            "text": "incident  Web予約が  できない",
            "user_id": "U012SATO9",
            "user_name": "sato",
            "response_url": "https://hooks.slack.com/commands/T0/1/abc",
        }
        reply = declare_from_slack(session=db, fields=fields, now=announcing.clock(), context=context)
        db.commit()
        [incident] = service.list_incidents(session=db)

    assert incident.title == "Web予約が できない"
    assert incident.status == "triage"
    assert incident.created_by_id == sato.id
    assert reply.splitlines()[:2] == [
        f"インシデント #{incident.number} をトリアージ中として作成しました: Web予約が できない",
        f"http://127.0.0.1:8000/incidents/{incident.number}",
    ]


def test_slash_command_without_a_title_says_how_to_use_it(announcing: Container) -> None:
    context = AnnouncementContext.from_settings(announcing.settings)
    with announcing.sessions() as db:
        reply = declare_from_slack(
            session=db,
            fields={"text": "incident ", "user_id": "U0X"},
            now=announcing.clock(),
            context=context,
        )
        assert service.list_incidents(session=db) == []

    assert reply == "何が壊れているかを書いてください: `/hikeshi incident <何が壊れているか>`"


def test_an_unknown_slack_user_still_opens_one_and_is_named(announcing: Container) -> None:
    context = AnnouncementContext.from_settings(announcing.settings)
    with announcing.sessions() as db:
        fields = {"text": "SMS が送れない", "user_id": "U0NEW", "user_name": "yamada"}
        declare_from_slack(session=db, fields=fields, now=announcing.clock(), context=context)
        db.commit()
        [incident] = service.list_incidents(session=db)

    assert incident.created_by_id is None
    assert incident.summary == "Slack から @yamada が作成しました。"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(post_interval_seconds=0) as server:
        yield server


def test_slack_gets_one_post_updated_in_place_and_a_thread_reply(
    settings: Settings, clock: FrozenClock, slack: SlackServer
) -> None:
    tuned = settings.model_copy(
        update={"slack_bot_token": DEFAULT_TOKEN, "slack_api_url": slack.api_url, "announce_channel": CHANNEL}
    )
    container = bootstrap(tuned, clock=clock)
    upgrade_database(container.engine)
    company(container)
    desk = Desk(container, People(container).add("sato@example.jp", "engineer"))
    with Worker(container=container, registry=container.jobs, worker_id="test") as worker:
        number = desk.declare()
        drain(worker, clock)
        desk.status(number, "identified")
        drain(worker, clock)
        desk.resolve(number)
        drain(worker, clock)
    container.close()

    messages = slack.in_channel(CHANNEL)
    [post] = [message for message in messages if message.thread_ts is None]
    assert post.channel == channel_id(CHANNEL)
    assert post.text is not None
    assert post.text.startswith(f"[障害] #{number} Web予約ができない\n状態: 調査中")
    assert len(post.updates) == 2
    assert "状態: 原因特定" in (post.updates[0].text or "")
    assert (post.current_text or "").startswith(f"[復旧] #{number} Web予約ができない")
    assert post.updates[0].blocks is not None
    assert post.updates[0].blocks[0]["type"] == "header"
    update, recovered = [message for message in messages if message.thread_ts == post.ts]
    assert update.text == f"#{number} の続報:\n• 状態: 調査中 → 原因特定"
    assert not update.reply_broadcast  # a change stays in the thread
    assert (recovered.text or "").startswith(f"#{number} は復旧しました")
    assert recovered.reply_broadcast  # the recovery is also shown in the channel
