"""People, contact methods and escalation policies for paging tests, made through the services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from hikeshi.oncall import escalation, paging
from hikeshi.oncall.paging_models import PageEvent
from hikeshi.oncall.paging_rules import StepInput, TargetType


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    phone: str


def add_person(
    container: Container,
    email: str,
    *,
    phone: str,
    role: str = "engineer",
    slack: str | None = None,
    timezone: str = "Asia/Tokyo",
) -> Person:
    """An engineer reachable by SMS (and Slack, when given), with no notification rules of their own."""
    with container.sessions() as db:
        now = container.clock()
        user = accounts.create_user(
            session=db,
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            password="correct horse battery",
            timezone=timezone,
            now=now,
        )
        accounts.add_contact_method(session=db, user_id=user.id, kind="sms", address=phone, now=now)
        if slack:
            accounts.add_contact_method(session=db, user_id=user.id, kind="slack", address=slack, now=now)
        db.commit()
        return Person(id=user.id, email=email, phone=phone)


def make_policy(
    container: Container,
    name: str,
    steps: list[tuple[int, list[int]]],
    *,
    repeat_count: int = 0,
    products: tuple[str, ...] = (),
    team_id: int | None = None,
) -> int:
    """A policy whose steps page users: [(delay minutes, [user ids]), …]."""
    with container.sessions() as db:
        policy = escalation.create_policy(
            session=db,
            policy=escalation.PolicyInput(
                name=name,
                steps=[
                    StepInput(delay_minutes=delay, targets=tuple((TargetType.USER, uid) for uid in users))
                    for delay, users in steps
                ],
                repeat_count=repeat_count,
                product_slugs=products,
                team_id=team_id,
            ),
            now=container.clock(),
        )
        db.commit()
        return policy.id


def start(
    container: Container, policy_id: int, title: str = "Web 予約が落ちている", urgency: str = "high"
) -> int:
    with container.sessions() as db:
        page = paging.start_page(
            session=db, title=title, urgency=urgency, policy_id=policy_id, now=container.clock()
        )
        db.commit()
        return page.id


def page_status(container: Container, page_id: int) -> str:
    with container.sessions() as db:
        return paging.get_page(session=db, page_id=page_id).status


def timeline(container: Container, page_id: int) -> list[tuple[str, int | None, str | None]]:
    """(kind, user id, channel) of every page event, oldest first."""
    with container.sessions() as db:
        events = db.scalars(select(PageEvent).where(PageEvent.page_id == page_id).order_by(PageEvent.id))
        return [(event.kind, event.user_id, event.channel) for event in events]
