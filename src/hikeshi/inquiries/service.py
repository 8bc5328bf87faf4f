"""Use cases of inquiries: log one (raising the alerts it calls for), list, find similar ones.

Logging happens in the caller's transaction: the inquiry, its burst and the alerts it raised commit
together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hikeshi.accounts.service import get_user
from hikeshi.alerts.notify import Context
from hikeshi.catalog import service as catalog
from hikeshi.core.errors import NotFound
from hikeshi.inquiries import alerting
from hikeshi.inquiries.alerting import Subject
from hikeshi.inquiries.models import Inquiry, InquiryBurst
from hikeshi.inquiries.rules import (
    InquiryPolicy,
    burst_dedup_key,
    check_may_log,
    parse_channel,
    validate_body,
)
from hikeshi.inquiries.similarity import rank

MAX_PAGE = 200
SIMILAR_CANDIDATES = 300


def log_inquiry(
    *,
    session: Session,
    reported_by_id: int,
    channel: str,
    body: str,
    now: datetime,
    policy: InquiryPolicy,
    context: Context,
    store: str | None = None,
    store_id: int | None = None,
    product_slug: str | None = None,
    looks_like_bug: bool = False,
) -> Inquiry:
    """Record an inquiry; "looks like a bug" raises an alert at once, and a burst raises one per product."""
    reporter = get_user(session=session, user_id=reported_by_id)
    inquiry_channel = parse_channel(channel)
    check_may_log(reporter.role, inquiry_channel)
    text = validate_body(body)
    found_store = None
    if store_id is not None:
        found_store = catalog.get_store(session=session, store_id=store_id)
    elif store and store.strip():
        found_store = catalog.find_store(session=session, key=store)
    product = catalog.get_product_by_slug(session=session, slug=product_slug) if product_slug else None
    inquiry = Inquiry(
        store_id=found_store.id if found_store is not None else None,
        product_id=product.id if product is not None else None,
        channel=inquiry_channel.value,
        body=text,
        looks_like_bug=looks_like_bug,
        reported_by_id=reporter.id,
        created_at=now,
    )
    session.add(inquiry)
    session.flush()
    subject = Subject(
        product_slug=product.slug if product is not None else None,
        product_name=(product.name_en if context.language == "en" else product.name_ja) if product else None,
        store_label=f"{found_store.name} ({found_store.external_id})" if found_store is not None else None,
    )
    if looks_like_bug:
        inquiry.alert_group_id = alerting.raise_bug_alert(
            session=session,
            inquiry=inquiry,
            subject=subject,
            reported_by=reporter.name,
            now=now,
            context=context,
        )
    if product is not None:
        _track_burst(session, inquiry, subject, now=now, policy=policy, context=context)
    session.flush()
    return inquiry


def _track_burst(
    session: Session,
    inquiry: Inquiry,
    subject: Subject,
    *,
    now: datetime,
    policy: InquiryPolicy,
    context: Context,
) -> None:
    """Join the product's burst still under way, or start one when this inquiry makes enough.

    A burst goes on while inquiries keep coming within the window of the previous one.
    """
    joined = _burst_for(session, inquiry, subject, now=now, policy=policy)
    if joined is None:
        return
    burst, added = joined
    inquiry.burst_id = burst.id
    group_id = alerting.raise_burst_alert(
        session=session,
        burst=burst,
        subject=subject,
        added=added,
        minutes=policy.burst_minutes,
        now=now,
        context=context,
    )
    burst.alert_group_id = group_id
    if inquiry.alert_group_id is None:
        inquiry.alert_group_id = group_id
    if added > 1:  # the inquiries that made the burst are triaged in its alert group too
        session.execute(
            update(Inquiry)
            .where(Inquiry.burst_id == burst.id, Inquiry.alert_group_id.is_(None))
            .values(alert_group_id=group_id),
            execution_options={"synchronize_session": False},
        )


def _burst_for(
    session: Session, inquiry: Inquiry, subject: Subject, *, now: datetime, policy: InquiryPolicy
) -> tuple[InquiryBurst, int] | None:
    """The burst this inquiry is part of and how many inquiries it adds to it now, or None."""
    assert inquiry.product_id is not None
    assert subject.product_slug is not None
    since = policy.burst_window_start(now)
    burst = session.scalar(
        select(InquiryBurst)
        .where(InquiryBurst.product_id == inquiry.product_id, InquiryBurst.last_inquiry_at >= since)
        .order_by(InquiryBurst.id.desc())
        .limit(1)
        .with_for_update()
    )
    if burst is None:
        recent = session.execute(
            select(Inquiry.id, Inquiry.created_at)
            .where(
                Inquiry.product_id == inquiry.product_id,
                Inquiry.created_at >= since,
                Inquiry.created_at <= now,
                Inquiry.burst_id.is_(None),
            )
            .order_by(Inquiry.created_at, Inquiry.id)
        ).all()
        if len(recent) < policy.burst_count:
            return None
        first_id, first_at = recent[0]
        burst = _new_burst(
            session, inquiry.product_id, subject.product_slug, (first_id, first_at), len(recent), now
        )
        if burst is not None:
            session.execute(
                update(Inquiry).where(Inquiry.id.in_([row[0] for row in recent])).values(burst_id=burst.id),
                execution_options={"synchronize_session": False},
            )
            return burst, len(recent)
        burst = _burst_of(session, inquiry.product_id, first_id)  # another request started it just now
    burst.inquiry_count += 1
    burst.last_inquiry_at = now
    return burst, 1


def _new_burst(
    session: Session,
    product_id: int,
    product_slug: str,
    first: tuple[int, datetime],
    count: int,
    now: datetime,
) -> InquiryBurst | None:
    """The burst starting at this inquiry, or None when another request started it a moment ago."""
    first_id, first_at = first
    burst = InquiryBurst(
        product_id=product_id,
        first_inquiry_id=first_id,
        dedup_key=burst_dedup_key(product_slug, first_id),
        inquiry_count=count,
        started_at=first_at,
        last_inquiry_at=now,
    )
    try:
        with session.begin_nested():
            session.add(burst)
    except IntegrityError:
        return None
    return burst


def _burst_of(session: Session, product_id: int, first_id: int) -> InquiryBurst:
    query = select(InquiryBurst).where(
        InquiryBurst.product_id == product_id, InquiryBurst.first_inquiry_id == first_id
    )
    burst = session.scalar(query.with_for_update())
    assert burst is not None
    return burst


@dataclass(frozen=True, slots=True)
class InquiryPage:
    inquiries: list[Inquiry]
    total: int
    limit: int
    offset: int


def list_inquiries(
    *,
    session: Session,
    product_slug: str | None = None,
    channel: str | None = None,
    looks_like_bug: bool | None = None,
    store_id: int | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> InquiryPage:
    """Newest first, filtered; `search` finds text in the inquiry."""
    query = select(Inquiry)
    if product_slug:
        product = catalog.get_product_by_slug(session=session, slug=product_slug)
        query = query.where(Inquiry.product_id == product.id)
    if channel:
        query = query.where(Inquiry.channel == parse_channel(channel).value)
    if looks_like_bug is not None:
        query = query.where(Inquiry.looks_like_bug.is_(looks_like_bug))
    if store_id is not None:
        query = query.where(Inquiry.store_id == store_id)
    if search and search.strip():
        text = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Inquiry.body.ilike(f"%{text}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    limit = min(max(limit, 1), MAX_PAGE)
    offset = max(offset, 0)
    page = query.order_by(Inquiry.created_at.desc(), Inquiry.id.desc()).limit(limit).offset(offset)
    return InquiryPage(inquiries=list(session.scalars(page)), total=total, limit=limit, offset=offset)


def get_inquiry(*, session: Session, inquiry_id: int) -> Inquiry:
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("inquiry {value} does not exist", value=inquiry_id)
    return inquiry


def count_about_product(
    *, session: Session, product_id: int, since: datetime, until: datetime, exclude_id: int | None = None
) -> int:
    """How many inquiries about the product were logged in [since, until], this one left out."""
    query = select(func.count(Inquiry.id)).where(
        Inquiry.product_id == product_id, Inquiry.created_at >= since, Inquiry.created_at <= until
    )
    if exclude_id is not None:
        query = query.where(Inquiry.id != exclude_id)
    return session.scalar(query) or 0


@dataclass(frozen=True, slots=True)
class SimilarInquiry:
    inquiry: Inquiry
    score: float


def similar_inquiries(
    *,
    session: Session,
    body: str,
    product_id: int | None,
    now: datetime,
    policy: InquiryPolicy,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[SimilarInquiry]:
    """Recent inquiries about the same product whose text is like this one, most similar first.

    Other products' recent inquiries only teach the scoring which phrases every inquiry uses.
    """
    since = policy.similar_since(now)
    recent = (
        select(Inquiry)
        .where(Inquiry.created_at >= since, Inquiry.created_at <= now)
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
        .limit(SIMILAR_CANDIDATES)
    )
    if exclude_id is not None:
        recent = recent.where(Inquiry.id != exclude_id)
    same = Inquiry.product_id.is_(None) if product_id is None else Inquiry.product_id == product_id
    candidates = list(session.scalars(recent.where(same)))
    background = [other.body for other in session.scalars(recent.where(~same))]
    ranked = rank(
        body,
        [candidate.body for candidate in candidates],
        threshold=policy.similar_threshold,
        limit=limit,
        background=background,
    )
    return [SimilarInquiry(inquiry=candidates[item.index], score=round(item.score, 3)) for item in ranked]


def similar_to(
    *, session: Session, inquiry_id: int, now: datetime, policy: InquiryPolicy, limit: int = 10
) -> list[SimilarInquiry]:
    """The similar-inquiry panel of an inquiry's page: looking back from when it was logged."""
    inquiry = get_inquiry(session=session, inquiry_id=inquiry_id)
    return similar_inquiries(
        session=session,
        body=inquiry.body,
        product_id=inquiry.product_id,
        now=max(now, inquiry.created_at),
        policy=policy,
        exclude_id=inquiry.id,
        limit=limit,
    )
