"""People, contact methods and escalation policies for paging tests, made through the services."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

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


@dataclass(frozen=True)
class ShownEvent:
    """One line of a page's timeline as the reader sees it."""

    when: str
    what: str
    who: str = ""
    channel: str = ""


class _TimelineReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[ShownEvent] = []
        self._inside = False
        self._field: str | None = None
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "ol" and "page-timeline" in classes:
            self._inside = True
        elif self._inside and tag == "li":
            self._current = {}
        elif self._current is not None and tag == "time":
            self._field = "when"
        elif self._current is not None and tag == "span" and classes:
            self._field = classes[0] if classes[0] in ("what", "who", "channel") else None

    def handle_endtag(self, tag: str) -> None:
        if tag in ("time", "span"):
            self._field = None
        elif tag == "li" and self._current is not None:
            self.events.append(ShownEvent(**self._current))
            self._current = None
        elif tag == "ol":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._field is not None:
            self._current[self._field] = (self._current.get(self._field, "") + data).strip()


def shown_timeline(html: str) -> list[ShownEvent]:
    """Every entry of the page timelines (`oncall/page_timeline.html`) in an HTML page, in order."""
    reader = _TimelineReader()
    reader.feed(html)
    return reader.events
