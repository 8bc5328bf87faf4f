"""Helpers for tests of incident announcements: a small company, a desk that works incidents, the feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hikeshi.accounts.models import User
from hikeshi.adapters.slack.fake import PostedChat
from hikeshi.bootstrap import Container
from hikeshi.catalog.service import create_store
from hikeshi.incidents import service
from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.incidents.schemas import IncidentCreate, IncidentUpdate
from hikeshi.incidents.work import add_recovery_action
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.support.catalog import add_products
from tests.support.clock import FrozenClock

CHANNEL = "#all-hands"
STAFF = "all-staff@example.jp"
# 19:05 in Tokyo.
START = datetime(2026, 11, 28, 10, 5, tzinfo=UTC)
NOT_AFFECTED_JA = "予約台帳アプリ (iPad)、店舗向け Web アプリ、メール配信、FAX 送信、SMS 送信、パートナー API"


def company(container: Container) -> None:
    """The demo products; three stores using web booking (two in Japan, one overseas), one using SMS."""
    with container.sessions() as db:
        add_products(db, container)
        now = container.clock()
        for key, region, zone in (
            ("t-1", "jp", None),
            ("t-2", "jp", None),
            ("la-1", "overseas", "America/Los_Angeles"),
        ):
            create_store(
                session=db,
                external_id=key,
                name=key,
                region=region,
                timezone=zone,
                now=now,
                product_slugs=["web-booking"],
            )
        create_store(session=db, external_id="o-1", name="o-1", region="jp", now=now, product_slugs=["sms"])
        db.commit()


class Desk:
    """What people do to an incident, one committed transaction each, as the web and CLI do."""

    def __init__(self, container: Container, by: User) -> None:
        self.container, self.by = container, by
        self.context = AnnouncementContext.from_settings(container.settings)

    def declare(self, *, confirm: bool = True, **fields: Any) -> int:
        new = IncidentCreate(
            title="Web予約ができない",
            severity="SEV1",
            products=["web-booking"],
            started_at=START,
            commander_id=self.by.id,
            **fields,
        )
        with self.container.sessions() as db:
            incident = service.declare_incident(
                session=db, new=new, by=self.by.id, now=self.container.clock(), context=self.context
            )
            number = incident.number
            db.commit()
        if confirm:
            self.status(number, "investigating")
        return number

    def status(self, number: int, status: str, reason: str = "") -> None:
        with self.container.sessions() as db:
            service.change_status(
                session=db,
                number=number,
                status=status,
                reason=reason,
                by=self.by.id,
                now=self.container.clock(),
                context=self.context,
            )
            db.commit()

    def update(self, number: int, **fields: Any) -> None:
        with self.container.sessions() as db:
            service.update_incident(
                session=db,
                number=number,
                update=IncidentUpdate(**fields),
                by=self.by.id,
                now=self.container.clock(),
                context=self.context,
            )
            db.commit()

    def resolve(self, number: int) -> None:
        with self.container.sessions() as db:
            now = self.container.clock()
            add_recovery_action(
                session=db,
                number=number,
                kind="hotfix",
                description="v2.3.1",
                performed_by_id=None,
                performed_at=None,
                by=self.by.id,
                now=now,
            )
            service.resolve_incident(session=db, number=number, by=self.by.id, now=now, context=self.context)
            db.commit()


def drain(worker: Worker, clock: FrozenClock, rounds: int = 5) -> None:
    for _ in range(rounds):
        worker.run_once()
        clock.advance(seconds=3)


def posts(fakes: Fakes) -> list[PostedChat]:
    return [p for p in fakes.chat.in_channel(CHANNEL) if p.message.thread_ts is None]


def replies(fakes: Fakes, post: PostedChat) -> list[str]:
    return [p.message.text for p in fakes.chat.posts if p.message.thread_ts == post.receipt.ts]
