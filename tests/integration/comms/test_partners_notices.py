"""Partner notices end to end: the affected partner's contact gets the email at a real SMTP server and its
endpoint a signed webhook; nobody else does; nothing twice; nothing internal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select, update

from hikeshi.adapters.webhook import verify_signature
from hikeshi.bootstrap import Container
from hikeshi.catalog.models import Partner
from hikeshi.comms import partner_notices
from hikeshi.comms.notices import get_notice
from hikeshi.core.settings import Settings, load_settings
from hikeshi.delivery.models import Delivery
from tests.integration.comms.conftest import SECRET_STORE_NAMES, Crew, declare
from tests.integration.comms.test_calls_list import publish
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.servers import WEBHOOK_SECRET
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver

INTERNAL_TITLE = f"{SECRET_STORE_NAMES[0]} で予約が保存できない"
INTERNAL_SUMMARY = "内部メモ: DB のロック待ち"


@pytest.fixture
def settings(database_url: str, smtp_server: SmtpServer) -> Settings:
    return load_settings(
        _env_file=None,
        env="test",
        database_url=database_url,
        secret_key="x" * 40,
        base_url="https://status.example.jp",
        smtp_url=smtp_server.url,
        webhook_signing_secret=WEBHOOK_SECRET,
    )


@pytest.fixture
def webhook_receiver(clock: FrozenClock) -> Iterator[WebhookReceiver]:
    """The partner's endpoint, checking signatures by the same (frozen) clock as hikeshi signs with."""
    with WebhookReceiver(secret=WEBHOOK_SECRET, clock=clock) as server:
        yield server


@pytest.fixture
def partner_endpoint(world: Container, crew: Crew, webhook_receiver: WebhookReceiver) -> str:
    """The affected partner's webhook points at the local receiver, which checks the signature."""
    url = webhook_receiver.url + "/hooks/hikeshi"
    with world.sessions() as db:
        db.execute(update(Partner).where(Partner.name == "Gourmet Portal").values(webhook_url=url))
        db.commit()
    return url


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_the_affected_partner_gets_a_bilingual_email_and_a_signed_webhook(
    world: Container,
    crew: Crew,
    partner_endpoint: str,
    smtp_server: SmtpServer,
    webhook_receiver: WebhookReceiver,
) -> None:
    incident = declare(world, crew, products=("partner-api",))
    notice_id = publish(world, crew, incident, channels=("partners",))
    with world.sessions() as db:
        rows = partner_notices.partner_notifications(session=db, notice_id=notice_id)
        assert {(row.channel, row.target) for row in rows} == {
            ("email", "ops@portal.example"),
            ("webhook", partner_endpoint),
        }
        notice = get_notice(session=db, notice_id=notice_id)
        published_at = notice.published_at
        titles = (notice.title_ja, notice.title_en)
    run_jobs(world)

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["ops@portal.example"]
    subject = str(mail.message["Subject"])
    assert titles[0] in subject
    assert titles[1] in subject
    text = body_text(mail.message)
    # Japanese first, then English, each with the status page's address.
    assert text.index("Gourmet Portal ご担当者様") < text.index("Dear Gourmet Portal team,")
    assert text.count("https://status.example.jp/status") == 2
    assert "パートナー API" in text
    assert "Partner API" in text
    assert "2026-12-01 09:00 JST" in text

    [hook] = webhook_receiver.received
    assert hook.verified is True
    assert verify_signature(WEBHOOK_SECRET, hook.headers["X-Hikeshi-Signature"], hook.body, world.clock())
    assert hook.payload == {
        "event": "notice.published",
        "notice": {
            "id": notice_id,
            "kind": "first",
            "status": "investigating",
            "title_ja": titles[0],
            "title_en": titles[1],
            "body_ja": hook.payload["notice"]["body_ja"],
            "body_en": hook.payload["notice"]["body_en"],
            "products": ["partner-api"],
            "published_at": published_at.isoformat().replace("+00:00", "Z") if published_at else None,
            "status_page_url": "https://status.example.jp/status",
        },
    }
    assert hook.payload["notice"]["published_at"] == "2026-12-01T00:00:00Z"
    with world.sessions() as db:
        statuses = {row.status for row in partner_notices.partner_deliveries(session=db, notice_id=notice_id)}
        assert statuses == {"sent"}

    # Nothing internal, in either message: the incident's own title and notes name a store.
    for leaked in (INTERNAL_TITLE, INTERNAL_SUMMARY, *SECRET_STORE_NAMES, "内部メモ"):
        assert leaked not in mail.raw.decode("utf-8", "replace")
        assert leaked not in text
        assert leaked not in subject
        assert leaked not in hook.body.decode("utf-8")


def test_notifying_again_asks_for_nothing_more(world: Container, crew: Crew, partner_endpoint: str) -> None:
    incident = declare(world, crew, products=("partner-api",))
    notice_id = publish(world, crew, incident, channels=("partners",))
    with world.sessions() as db:
        deliveries = db.scalar(
            select(func.count(Delivery.id)).where(Delivery.source == partner_notices.SOURCE)
        )
        notice = get_notice(session=db, notice_id=notice_id)
        again = partner_notices.notify_partners(
            session=db, notice=notice, now=world.clock(), base_url="https://status.example.jp"
        )
        db.commit()
        assert again == 0
        assert deliveries == 2
        count = select(func.count(Delivery.id)).where(Delivery.source == partner_notices.SOURCE)
        assert db.scalar(count) == 2
        assert len(partner_notices.partner_notifications(session=db, notice_id=notice_id)) == 2


def test_unaffected_partners_hear_nothing(world: Container, crew: Crew, smtp_server: SmtpServer) -> None:
    incident = declare(world, crew, products=("web-booking",))
    notice_id = publish(world, crew, incident, channels=("partners",))
    run_jobs(world)
    with world.sessions() as db:
        assert partner_notices.partner_notifications(session=db, notice_id=notice_id) == []
    assert smtp_server.messages == []


def test_the_webhook_body_is_what_the_docs_promise(
    world: Container, crew: Crew, partner_endpoint: str
) -> None:
    incident = declare(world, crew, products=("partner-api", "web-booking"))
    notice_id = publish(world, crew, incident, channels=("partners",))
    with world.sessions() as db:
        webhook = db.scalars(
            select(Delivery).where(Delivery.source == partner_notices.SOURCE, Delivery.channel == "webhook")
        ).one()
        payload = webhook.extra["payload"]
    assert sorted(payload["notice"]) == sorted(
        [
            "id",
            "kind",
            "status",
            "title_ja",
            "title_en",
            "body_ja",
            "body_en",
            "products",
            "published_at",
            "status_page_url",
        ]
    )
    assert payload["notice"]["id"] == notice_id
    assert payload["notice"]["products"] == ["web-booking", "partner-api"]  # the catalog's order
    assert json.dumps(payload, ensure_ascii=False).count(SECRET_STORE_NAMES[0]) == 0
