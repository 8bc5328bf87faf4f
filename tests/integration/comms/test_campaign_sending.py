"""A notice's email, end to end: listed from the impact estimate, sent over SMTP, followed up.

The emails go through the real delivery engine and SMTP adapter to a local SMTP server; what the
tests check is what arrived there, and what support sees afterwards.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage

import pytest
from sqlalchemy import func, insert, select

from hikeshi.bootstrap import Container
from hikeshi.catalog.models import Store, StoreAccount
from hikeshi.catalog.service import create_store
from hikeshi.comms import campaigns, opt_outs
from hikeshi.comms.campaign_handlers import addressing
from hikeshi.comms.models import CampaignRecipient, EmailCampaign, Notice
from hikeshi.core.errors import Conflict
from hikeshi.core.settings import Settings
from hikeshi.delivery.models import Delivery
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.comms import published_notice
from tests.support.smtp_server import SmtpServer

BASE_URL = "https://hikeshi.example.jp"
SENDER = "notices@example.jp"
WEB_BOOKING = {"t1@ginza.example", "hq@chain.example", "t2@tanaka.example", "s1@segreta.example"}


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": smtp_server.url,
            "smtp_from": SENDER,
            "base_url": BASE_URL,
            "status_page_title": "Example Reservations",
        }
    )


def _publish(world: Container, **fields: object) -> Notice:
    with world.sessions() as db:
        notice = published_notice(db, now=world.clock(), **fields)  # type: ignore[arg-type]
        campaigns.start_campaign(session=db, notice=notice, now=world.clock())
        db.commit()
        db.refresh(notice)
        db.expunge(notice)
        return notice


def _send_all(world: Container, clock: FrozenClock) -> campaigns.CampaignProgress:
    """Run the worker until the campaign is done, moving the clock for its follow-up job."""
    for _ in range(20):
        run_jobs(world)
        with world.sessions() as db:
            campaign = db.scalar(select(EmailCampaign))
            assert campaign is not None
            if campaign.status == "done":
                progress = campaigns.campaign_progress(session=db, notice_id=campaign.notice_id)
                assert progress is not None
                return progress
        clock.advance(seconds=3)
    raise AssertionError("the campaign did not finish")


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_every_affected_account_gets_one_email_in_its_stores_language(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    notice = _publish(world)
    progress = _send_all(world, clock)

    received = Counter(address for item in smtp_server.messages for address in item.rcpt_tos)
    assert set(received) == WEB_BOOKING  # not m1@mori.example: its store does not use web booking
    assert set(received.values()) == {1}
    assert (progress.total, progress.sent, progress.queued, progress.failed) == (4, 4, 0, 0)

    japanese = smtp_server.to("t2@tanaka.example")[0].message
    assert japanese["Subject"] == "【障害のお知らせ】Web 予約がご利用いただけない状態です"
    text = _body(japanese, "plain")
    assert "いつも弊社サービスをご利用いただき" in text
    assert "現在、Web 予約がご利用いただけません。" in text
    assert f"{BASE_URL}/status" in text
    assert "Example Reservations" in text
    assert "2026-12-01 09:00 JST" in text  # published at midnight UTC, shown in Japan's time

    english = smtp_server.to("s1@segreta.example")[0].message
    assert english["Subject"] == "[Notice of service disruption] Web booking is unavailable"
    assert "Web booking is currently unavailable." in _body(english, "plain")
    assert "Web booking is currently unavailable." in _body(english, "html")

    for item in smtp_server.messages:
        whole = _body(item.message, "plain") + _body(item.message, "html") + str(item.message["Subject"])
        assert not any(name in whole for name in SECRET_STORE_NAMES)  # internal fields never leak
        assert item.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert item.message["List-Unsubscribe"].startswith(
            f"<{BASE_URL}/notices/unsubscribe/one-click?token="
        )
        assert f"{BASE_URL}/notices/unsubscribe?token=" in _body(item.message, "plain")
        assert item.message["Message-ID"].startswith(f"<notice-{notice.id}.")
        assert item.message["Message-ID"].endswith("@example.jp>")
    assert len({item.message["Message-ID"] for item in smtp_server.messages}) == 4


def test_an_address_on_stores_of_both_languages_gets_one_email_in_japanese(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    with world.sessions() as db:
        create_store(
            session=db,
            external_id="S2",
            name="Chain Singapore",
            region="overseas",
            timezone="Asia/Singapore",
            language="en",
            product_slugs=["web-booking"],
            account_emails=["HQ@Chain.Example"],  # the head office again, written differently
            now=world.clock(),
        )
        db.commit()
    _publish(world)
    _send_all(world, clock)

    head_office = smtp_server.to("hq@chain.example")
    assert len(head_office) == 1
    assert head_office[0].message["Subject"].startswith("【障害のお知らせ】")


def test_opted_out_addresses_get_nothing_and_are_counted(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    with world.sessions() as db:
        opt_outs.add_opt_out(
            session=db, email="T2@Tanaka.example", source="staff", by=crew.support.id, now=clock()
        )
        db.commit()
    notice = _publish(world)
    progress = _send_all(world, clock)

    assert smtp_server.to("t2@tanaka.example") == []
    assert {a for item in smtp_server.messages for a in item.rcpt_tos} == WEB_BOOKING - {"t2@tanaka.example"}
    assert (progress.total, progress.sent, progress.opted_out) == (4, 3, 1)
    with world.sessions() as db:
        opted = campaigns.list_recipients(session=db, notice_id=notice.id, status="opted_out")
    assert [(row.email, row.status) for row in opted] == [("t2@tanaka.example", "opted_out")]


def test_a_refused_address_is_listed_with_its_store_and_the_servers_answer(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse("t2@tanaka.example")
    notice = _publish(world)
    progress = _send_all(world, clock)

    assert (progress.sent, progress.failed, progress.queued) == (3, 1, 0)
    with world.sessions() as db:
        failures = campaigns.campaign_failures(session=db, notice_id=notice.id)
    assert [(row.email, row.store_name) for row in failures] == [("t2@tanaka.example", "居酒屋たなか")]
    assert "550" in failures[0].error
    assert "User unknown" in failures[0].error


def test_only_the_named_regions_are_reached(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    _publish(world, regions=("overseas",))
    _send_all(world, clock)
    assert {a for item in smtp_server.messages for a in item.rcpt_tos} == {"s1@segreta.example"}


def test_listing_in_small_chunks_reaches_the_same_people_once(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    with world.sessions() as db:
        notice = published_notice(db, now=clock())
        campaign = campaigns.start_campaign(session=db, notice=notice, now=clock(), chunk_size=1)
        db.commit()
        campaign_id = campaign.id
    links = addressing(world.settings)
    with world.sessions() as db:
        # A chunk listed, then the same job run again (the worker died before recording it): no change.
        assert campaigns.build_recipients(
            session=db, campaign_id=campaign_id, now=clock(), addressing=links, chunk_size=1
        )
        db.commit()
    with world.sessions() as db:
        count = db.scalar(select(func.count(CampaignRecipient.id)))
        assert count == 1
        progress = campaigns.campaign_progress(session=db, notice_id=notice.id)
        assert progress is not None
        assert progress.total is None
        assert progress.status == "preparing"
    _send_all(world, clock)
    received = Counter(address for item in smtp_server.messages for address in item.rcpt_tos)
    assert set(received) == WEB_BOOKING
    assert set(received.values()) == {1}
    with world.sessions() as db:
        assert db.scalar(select(func.count(Delivery.id))) == 4


def test_starting_twice_starts_one_campaign_and_a_draft_cannot_start(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    with world.sessions() as db:
        notice = published_notice(db, now=clock())
        first = campaigns.start_campaign(session=db, notice=notice, now=clock())
        again = campaigns.start_campaign(session=db, notice=notice, now=clock())
        assert first.id == again.id
        draft = published_notice(db, now=clock())
        draft.status = "draft"
        with pytest.raises(Conflict):
            campaigns.start_campaign(session=db, notice=draft, now=clock())


def test_a_malformed_store_address_is_listed_as_failed_and_the_rest_still_go_out(
    world: Container, crew: Crew, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    with world.sessions() as db:
        store_id = db.scalar(select(Store.id).where(Store.external_id == "T2"))
        db.execute(insert(StoreAccount), [{"store_id": store_id, "email": "front desk at tanaka"}])
        db.commit()
    notice = _publish(world)
    progress = _send_all(world, clock)

    assert (progress.total, progress.sent, progress.failed) == (5, 4, 1)
    assert {a for item in smtp_server.messages for a in item.rcpt_tos} == WEB_BOOKING
    with world.sessions() as db:
        failures = campaigns.campaign_failures(session=db, notice_id=notice.id)
    assert [(row.email, row.store_name) for row in failures] == [("front desk at tanaka", "居酒屋たなか")]
    assert "not an email address" in failures[0].error
