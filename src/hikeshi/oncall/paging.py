"""Use cases of pages: start one, walk its steps on timers, acknowledge, resolve, list. They never commit.

A page keeps a snapshot of its policy, so editing the policy never changes a page in flight. Each step
notifies everyone it targets (each person's notification rules become timers) and schedules the next
step after its delay; timers check the page when they fire, so an acknowledged page stays quiet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.accounts.service import get_user
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.jobs.service import enqueue
from hikeshi.oncall import escalation
from hikeshi.oncall.paging_models import Page, PageEvent
from hikeshi.oncall.paging_notify import add_event, inbox_person, notify_person
from hikeshi.oncall.paging_rules import (
    PAGE_ACKNOWLEDGED_JOB,
    PAGE_ADVANCE_JOB,
    PAGE_NOTIFY_JOB,
    PAGE_RESOLVED_JOB,
    PageStatus,
    PagingContext,
    Urgency,
    next_position,
    parse_urgency,
    read_ack,
)

MAX_LIST = 500


def start_page(
    *,
    session: Session,
    title: str,
    urgency: str,
    now: datetime,
    policy_id: int | None = None,
    user_id: int | None = None,
    message: str = "",
    source_kind: str = "manual",
    source_id: int | None = None,
    requested_by_id: int | None = None,
    requested_by_name: str = "",
) -> Page:
    """Start paging through a policy, or one person directly (a one-step policy); the first step runs now."""
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput("message: must not be empty", field="message")
    level = parse_urgency(urgency)
    if policy_id is not None:
        policy = escalation.get_policy(session=session, policy_id=policy_id)
        taken = escalation.snapshot(session=session, policy=policy)
    elif user_id is not None:
        taken = escalation.direct_snapshot(session=session, user_id=user_id)
    else:
        raise InvalidInput("policy: page a policy or a person", field="policy")
    page = Page(
        title=cleaned[:1024],
        message=message.strip()[:4000],
        urgency=level.value,
        status=PageStatus.TRIGGERED.value,
        policy_id=policy_id,
        policy_snapshot=taken,
        source_kind=source_kind,
        source_id=source_id,
        requested_by_id=requested_by_id,
        requested_by_name=requested_by_name[:200],
        step_index=0,
        round=0,
        created_at=now,
        updated_at=now,
    )
    session.add(page)
    session.flush()
    add_event(session, page, "started", now, user_id=requested_by_id, note=taken["name"])
    _run_step(session, page, step_index=0, round=0, now=now)
    session.flush()
    return page


def page_service(
    *,
    session: Session,
    service: str,
    message: str,
    urgency: str,
    now: datetime,
    requested_by_id: int | None = None,
    requested_by_name: str = "",
    source_kind: str = "manual",
) -> Page:
    """Page whoever answers for a product or a team, by its slug."""
    policy = escalation.policy_for_service(session=session, name=service)
    if policy is None:
        names = escalation.pageable_services(session=session)
        raise NotFound(
            "service: no escalation policy answers for '{value}'; try one of: {choices}",
            field="service",
            value=service,
            choices=", ".join(names) or "—",
        )
    return start_page(
        session=session,
        title=message,
        urgency=urgency,
        policy_id=policy.id,
        now=now,
        source_kind=source_kind,
        requested_by_id=requested_by_id,
        requested_by_name=requested_by_name,
    )


def _run_step(session: Session, page: Page, *, step_index: int, round: int, now: datetime) -> None:
    steps: list[dict[str, Any]] = page.policy_snapshot["steps"]
    step = steps[step_index]
    page.step_index, page.round, page.updated_at = step_index, round, now
    add_event(session, page, "step", now, note=str(step_index + 1))
    people = escalation.people_for_targets(session=session, targets=step["targets"], at=now)
    if not people:
        add_event(session, page, "no_one", now, note=str(step_index + 1))
    for user_id in people:
        _plan_person(session, page, user_id, now)
    enqueue(
        session=session,
        kind=PAGE_ADVANCE_JOB,
        payload={"page_id": page.id, "step_index": step_index, "round": round},
        now=now,
        due_at=now + timedelta(minutes=int(step["delay_minutes"])),
        idempotency_key=f"page:{page.id}:advance:{round}:{step_index}",
    )


def _plan_person(session: Session, page: Page, user_id: int, now: datetime) -> None:
    person = session.get(User, user_id)
    if person is None or not person.is_active:
        return
    plan = escalation.notification_plan(session=session, user_id=user_id, urgency=Urgency(page.urgency))
    inbox_person(session=session, page=page, person=person, now=now)
    if not plan:
        add_event(session, page, "unreachable", now, user_id=user_id)
    for planned in plan:
        enqueue(
            session=session,
            kind=PAGE_NOTIFY_JOB,
            payload={"page_id": page.id, "user_id": user_id, "contact_method_id": planned.contact_method_id},
            now=now,
            due_at=now + timedelta(minutes=planned.delay_minutes),
            idempotency_key=(
                f"page:{page.id}:notify:{page.round}:{page.step_index}:{user_id}:{planned.contact_method_id}"
            ),
        )


def advance_page(
    *, session: Session, page_id: int, step_index: int, round: int, now: datetime
) -> Page | None:
    """A step's delay is over: run the next step, start the steps again, or stop as exhausted.

    A stale timer (the page moved on, or someone acknowledged it) changes nothing.
    """
    page = session.get(Page, page_id, with_for_update=True)
    if page is None or page.status != PageStatus.TRIGGERED:
        return page
    if (page.step_index, page.round) != (step_index, round):
        return page
    snapshot = page.policy_snapshot
    position = next_position(
        step_index=step_index,
        round=round,
        step_count=len(snapshot["steps"]),
        repeat_count=int(snapshot.get("repeat_count", 0)),
    )
    if position is None:
        page.status = PageStatus.EXHAUSTED.value
        page.exhausted_at = page.updated_at = now
        add_event(session, page, "exhausted", now)
    else:
        if position[1] != round:
            add_event(session, page, "repeated", now, note=str(position[1]))
        _run_step(session, page, step_index=position[0], round=position[1], now=now)
    session.flush()
    return page


def notify_planned(
    *,
    session: Session,
    page_id: int,
    user_id: int,
    contact_method_id: int,
    now: datetime,
    context: PagingContext,
) -> None:
    """A notification rule's timer: reach the person on that method while the page is still unanswered."""
    # Locked: an acknowledgement committing meanwhile either comes first (nothing is sent) or waits.
    page = session.get(Page, page_id, with_for_update=True)
    if page is None or page.status != PageStatus.TRIGGERED:
        return
    person = session.get(User, user_id)
    method = next((m for m in person.contact_methods if m.id == contact_method_id), None) if person else None
    if person is None or method is None or not person.is_active:
        return
    notify_person(
        session=session,
        page=page,
        person=person,
        kind=method.kind,
        address=method.address,
        now=now,
        context=context,
    )


def acknowledge_page(
    *, session: Session, page_id: int, user_id: int, now: datetime, tell_source: bool = True
) -> Page:
    """Someone has it: no more notifications or steps. The alert group it came from is told too."""
    page = _locked(session, page_id)
    if page.status == PageStatus.RESOLVED:
        raise Conflict("page {value} is already resolved", value=page_id)
    if page.status == PageStatus.ACKNOWLEDGED:
        return page
    get_user(session=session, user_id=user_id)
    page.status = PageStatus.ACKNOWLEDGED.value
    page.acknowledged_at = page.updated_at = now
    page.acknowledged_by_id = user_id
    add_event(session, page, "acknowledged", now, user_id=user_id)
    if tell_source:
        _tell_source(session, page, PAGE_ACKNOWLEDGED_JOB, user_id, now)
    session.flush()
    return page


def resolve_page(
    *, session: Session, page_id: int, user_id: int | None, now: datetime, tell_source: bool = True
) -> Page:
    page = _locked(session, page_id)
    if page.status == PageStatus.RESOLVED:
        return page
    page.status = PageStatus.RESOLVED.value
    page.resolved_at = page.updated_at = now
    page.resolved_by_id = user_id
    add_event(session, page, "resolved", now, user_id=user_id)
    if tell_source:
        _tell_source(session, page, PAGE_RESOLVED_JOB, user_id, now)
    session.flush()
    return page


def acknowledge_by_link(*, session: Session, token: str, now: datetime, context: PagingContext) -> Page:
    """The signed one-click link from an SMS, email or call: the link names the page and the person."""
    claim = read_ack(key=context.ack_key, token=token, now=now)
    return acknowledge_page(session=session, page_id=claim.page_id, user_id=claim.user_id, now=now)


def page_for_link(
    *, session: Session, token: str, now: datetime, context: PagingContext
) -> tuple[Page, User]:
    claim = read_ack(key=context.ack_key, token=token, now=now)
    return get_page(session=session, page_id=claim.page_id), get_user(session=session, user_id=claim.user_id)


def _tell_source(session: Session, page: Page, kind: str, user_id: int | None, now: datetime) -> None:
    """Through the outbox, so the layer above (alerts) hears of it without oncall knowing alerts."""
    if page.source_kind != "alert_group" or page.source_id is None:
        return
    enqueue(
        session=session,
        kind=kind,
        payload={
            "page_id": page.id,
            "source_kind": page.source_kind,
            "source_id": page.source_id,
            "user_id": user_id,
        },
        now=now,
        idempotency_key=f"page:{page.id}:{kind}",
    )


def acknowledge_source_pages(
    *, session: Session, source_kind: str, source_id: int, user_id: int | None, now: datetime
) -> list[Page]:
    """The source was acknowledged where it lives (an alert group's button): its open pages stop."""
    pages = _source_pages(session, source_kind, source_id, (PageStatus.TRIGGERED, PageStatus.EXHAUSTED))
    for page in pages:
        page.status = PageStatus.ACKNOWLEDGED.value
        page.acknowledged_at = page.updated_at = now
        page.acknowledged_by_id = user_id
        add_event(session, page, "acknowledged", now, user_id=user_id)
    session.flush()
    return pages


def resolve_source_pages(
    *, session: Session, source_kind: str, source_id: int, user_id: int | None, now: datetime
) -> list[Page]:
    pages = _source_pages(
        session, source_kind, source_id, (PageStatus.TRIGGERED, PageStatus.ACKNOWLEDGED, PageStatus.EXHAUSTED)
    )
    for page in pages:
        resolve_page(session=session, page_id=page.id, user_id=user_id, now=now, tell_source=False)
    return pages


def _source_pages(
    session: Session, kind: str, source_id: int, statuses: tuple[PageStatus, ...]
) -> list[Page]:
    query = (
        select(Page)
        .where(
            Page.source_kind == kind,
            Page.source_id == source_id,
            Page.status.in_([s.value for s in statuses]),
        )
        .order_by(Page.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def _locked(session: Session, page_id: int) -> Page:
    page = session.get(Page, page_id, with_for_update=True)
    if page is None:
        raise NotFound("page {value} does not exist", value=page_id)
    return page


def get_page(*, session: Session, page_id: int) -> Page:
    page = session.get(Page, page_id)
    if page is None:
        raise NotFound("page {value} does not exist", value=page_id)
    return page


def list_pages(*, session: Session, status: str | None = None, limit: int = 100) -> list[Page]:
    query = select(Page).order_by(Page.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    if status == "open":
        query = query.where(Page.status == PageStatus.TRIGGERED.value)
    elif status:
        try:
            query = query.where(Page.status == PageStatus(status).value)
        except ValueError:
            raise InvalidInput(
                "status: '{value}' is not open, triggered, acknowledged, resolved or exhausted",
                field="status",
                value=status,
            ) from None
    return list(session.scalars(query))


def page_events(*, session: Session, page_id: int) -> list[PageEvent]:
    query = select(PageEvent).where(PageEvent.page_id == page_id).order_by(PageEvent.id)
    return list(session.scalars(query))


def pages_for_source(*, session: Session, source_kind: str, source_id: int) -> list[Page]:
    query = select(Page).where(Page.source_kind == source_kind, Page.source_id == source_id).order_by(Page.id)
    return list(session.scalars(query))


def source_pages(*, session: Session, source_kind: str, source_id: int) -> list[tuple[Page, list[PageEvent]]]:
    """The pages something started (an alert group's), each with its timeline, for that thing's page."""
    found = pages_for_source(session=session, source_kind=source_kind, source_id=source_id)
    return [(page, page_events(session=session, page_id=page.id)) for page in found]
