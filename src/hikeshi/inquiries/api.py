"""JSON API of inquiries under /api/v1: list, log, read (with similar inquiries)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import AnyUserApi, DbSession, Now
from hikeshi.inquiries import service
from hikeshi.inquiries.deps import context_of, policy_of
from hikeshi.inquiries.schemas import (
    InquiryCreate,
    InquiryDetailOut,
    InquiryOut,
    InquiryPageOut,
    SimilarInquiryOut,
)

router = APIRouter(prefix="/api/v1/inquiries", tags=["inquiries"])


@router.get("", response_model=InquiryPageOut)
def list_inquiries(
    db: DbSession,
    _: AnyUserApi,
    product: str | None = None,
    channel: str | None = None,
    looks_like_bug: bool | None = None,
    store_id: int | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> InquiryPageOut:
    page = service.list_inquiries(
        session=db,
        product_slug=product,
        channel=channel,
        looks_like_bug=looks_like_bug,
        store_id=store_id,
        search=q,
        limit=limit,
        offset=offset,
    )
    return InquiryPageOut(
        inquiries=[InquiryOut.model_validate(inquiry) for inquiry in page.inquiries],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=InquiryDetailOut, status_code=status.HTTP_201_CREATED)
def log_inquiry(
    body: InquiryCreate, request: Request, db: DbSession, now: Now, user: AnyUserApi
) -> InquiryDetailOut:
    """Support and sales log customer inquiries; anyone files an internal report (channel `internal`)."""
    inquiry = service.log_inquiry(
        session=db,
        reported_by_id=user.id,
        channel=body.channel,
        body=body.body,
        store=body.store,
        store_id=body.store_id,
        product_slug=body.product,
        looks_like_bug=body.looks_like_bug,
        now=now,
        policy=policy_of(request),
        context=context_of(request),
    )
    db.commit()
    return _detail(db, inquiry.id, request, now)


@router.get("/{inquiry_id}", response_model=InquiryDetailOut)
def read_inquiry(
    inquiry_id: int, request: Request, db: DbSession, now: Now, _: AnyUserApi
) -> InquiryDetailOut:
    return _detail(db, inquiry_id, request, now)


def _detail(db: Session, inquiry_id: int, request: Request, now: datetime) -> InquiryDetailOut:
    inquiry = InquiryOut.model_validate(service.get_inquiry(session=db, inquiry_id=inquiry_id))
    similar = service.similar_to(session=db, inquiry_id=inquiry_id, now=now, policy=policy_of(request))
    return InquiryDetailOut(
        **inquiry.model_dump(),
        similar=[
            SimilarInquiryOut(inquiry=InquiryOut.model_validate(item.inquiry), score=item.score)
            for item in similar
        ],
    )
