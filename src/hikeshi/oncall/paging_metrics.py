"""What paging cost people, for reports: pages per person, night pages, time to acknowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.core.errors import InvalidInput
from hikeshi.oncall.paging_models import Page, PageNotification
from hikeshi.oncall.paging_rules import percentile
from hikeshi.oncall.service import aware


@dataclass(frozen=True, slots=True)
class PersonLoad:
    user_id: int
    name: str
    pages: int  # pages that notified this person at least once
    night_pages: int  # of those, pages that reached them between 22:00 and 07:00 their time
    notifications: int
    suppressed: int
    acknowledged: int


@dataclass(frozen=True, slots=True)
class PagingMetrics:
    since: datetime
    until: datetime
    pages: int
    acknowledged: int
    exhausted: int
    night_pages: int
    tta_p50_seconds: float | None
    tta_p90_seconds: float | None
    tta_p95_seconds: float | None
    people: list[PersonLoad] = field(default_factory=list)


@dataclass
class _Tally:
    pages: set[int] = field(default_factory=set)
    night: set[int] = field(default_factory=set)
    notifications: int = 0
    suppressed: int = 0


def page_tta_seconds(page: Page) -> float | None:
    """Time to acknowledge: from the page's start to the first acknowledgement."""
    if page.acknowledged_at is None:
        return None
    return (page.acknowledged_at - page.created_at).total_seconds()


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What one page cost, for its detail page and reports."""

    time_to_acknowledge_seconds: float | None
    acknowledged_by_id: int | None
    notified_user_ids: list[int]
    at_night: bool  # it reached someone between 22:00 and 07:00 their time
    suppressed: int


def page_facts(*, session: Session, page: Page) -> PageFacts:
    query = select(PageNotification).where(PageNotification.page_id == page.id).order_by(PageNotification.id)
    notifications = list(session.scalars(query))
    reached = [n for n in notifications if not n.suppressed]
    notified: list[int] = []
    for notification in reached:
        if notification.user_id not in notified:
            notified.append(notification.user_id)
    return PageFacts(
        time_to_acknowledge_seconds=page_tta_seconds(page),
        acknowledged_by_id=page.acknowledged_by_id,
        notified_user_ids=notified,
        at_night=any(n.at_night for n in reached),
        suppressed=len(notifications) - len(reached),
    )


def paging_metrics(*, session: Session, since: datetime, until: datetime) -> PagingMetrics:
    """Pages started in [since, until): counts, night pages, TTA percentiles, and the load per person."""
    aware(since, field="since")
    aware(until, field="until")
    if until <= since:
        raise InvalidInput("until: must be after since", field="until")
    pages = list(session.scalars(select(Page).where(Page.created_at >= since, Page.created_at < until)))
    page_ids = [page.id for page in pages]
    notifications = (
        list(session.scalars(select(PageNotification).where(PageNotification.page_id.in_(page_ids))))
        if page_ids
        else []
    )
    tallies: dict[int, _Tally] = {}
    night_pages: set[int] = set()
    for notification in notifications:
        tally = tallies.setdefault(notification.user_id, _Tally())
        if notification.suppressed:
            tally.suppressed += 1
            continue
        tally.notifications += 1
        tally.pages.add(notification.page_id)
        if notification.at_night:
            tally.night.add(notification.page_id)
            night_pages.add(notification.page_id)
    acked_by: dict[int, int] = {}
    for page in pages:
        if page.acknowledged_by_id is not None:
            acked_by[page.acknowledged_by_id] = acked_by.get(page.acknowledged_by_id, 0) + 1
    names = _names(session, set(tallies) | set(acked_by))
    people = [
        PersonLoad(
            user_id=user_id,
            name=names.get(user_id, f"#{user_id}"),
            pages=len(tally.pages),
            night_pages=len(tally.night),
            notifications=tally.notifications,
            suppressed=tally.suppressed,
            acknowledged=acked_by.get(user_id, 0),
        )
        for user_id, tally in ((uid, tallies.get(uid, _Tally())) for uid in names)
    ]
    people.sort(key=lambda load: (-load.pages, load.name))
    ttas = [tta for page in pages if (tta := page_tta_seconds(page)) is not None]
    return PagingMetrics(
        since=since,
        until=until,
        pages=len(pages),
        acknowledged=len(ttas),
        exhausted=sum(1 for page in pages if page.exhausted_at is not None),
        night_pages=len(night_pages),
        tta_p50_seconds=percentile(ttas, 0.5),
        tta_p90_seconds=percentile(ttas, 0.9),
        tta_p95_seconds=percentile(ttas, 0.95),
        people=people,
    )


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return {user.id: user.name for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
