"""Inquiry pages: the inbox with filters, the form (with similar inquiries as you type), the detail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import Role
from hikeshi.catalog import service as catalog
from hikeshi.core.errors import HikeshiError
from hikeshi.inquiries import service
from hikeshi.inquiries.deps import context_of, policy_of
from hikeshi.inquiries.rules import CHANNEL_LABELS, CUSTOMER_CHANNEL_ROLES, Channel
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/inquiries", tags=["inquiry pages"], include_in_schema=False)
PAGE_SIZE = 50
# Beside the similar ones, an inquiry's page counts every inquiry about its product from a day before it.
SAME_PRODUCT_LOOKBACK = timedelta(hours=24)


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _channels(user: User) -> list[Channel]:
    if Role(user.role) in CUSTOMER_CHANNEL_ROLES:
        return list(Channel)
    return [Channel.INTERNAL]


def _common(db: Session) -> dict[str, object]:
    products = catalog.list_products(session=db)
    return {
        "products": products,
        "product_by_id": {product.id: product for product in products},
        "channel_labels": CHANNEL_LABELS,
    }


@router.get("")
def inbox(
    request: Request,
    db: DbSession,
    user: AnyUserPage,
    product: str = "",
    channel: str = "",
    bug: str = "",
    q: str = "",
    store_id: int | None = None,
    page: int = 1,
) -> Response:
    page = max(page, 1)
    found = service.list_inquiries(
        session=db,
        store_id=store_id,
        product_slug=product or None,
        channel=channel or None,
        looks_like_bug=True if bug == "1" else None,
        search=q or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    stores = catalog.stores_by_id(
        session=db, store_ids=[i.store_id for i in found.inquiries if i.store_id is not None]
    )
    context = {
        **_common(db),
        "found": found,
        "stores": stores,
        "channels": list(Channel),
        "filters": {"product": product, "channel": channel, "bug": bug, "q": q, "store_id": store_id or ""},
        "page": page,
        "pages": max(1, -(-found.total // PAGE_SIZE)),
    }
    return _render(request, "inquiries/inbox.html", context)


@router.get("/new")
def new_inquiry(request: Request, db: DbSession, user: AnyUserPage) -> Response:
    form = {"channel": "phone" if Role(user.role) in CUSTOMER_CHANNEL_ROLES else "internal"}
    return _render(request, "inquiries/new.html", {**_common(db), "channels": _channels(user), "form": form})


@router.post("")
def log_inquiry(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    channel: Annotated[str, Form(max_length=20)],
    body: Annotated[str, Form(max_length=10_000)],
    store: Annotated[str, Form(max_length=100)] = "",
    product: Annotated[str, Form(max_length=64)] = "",
    looks_like_bug: Annotated[bool, Form()] = False,
) -> Response:
    form = {
        "channel": channel,
        "body": body,
        "store": store,
        "product": product,
        "looks_like_bug": looks_like_bug,
    }
    try:
        inquiry = service.log_inquiry(
            session=db,
            reported_by_id=user.id,
            channel=channel,
            body=body,
            store=store or None,
            product_slug=product or None,
            looks_like_bug=looks_like_bug,
            now=now,
            policy=policy_of(request),
            context=context_of(request),
        )
    except HikeshiError as error:
        db.rollback()
        context = {
            **_common(db),
            "channels": _channels(user),
            "form": form,
            "error": error.render(translator(request).gettext),
        }
        return _render(request, "inquiries/new.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/inquiries/{inquiry.id}?logged=1", status_code=303)


@router.post("/similar")
def similar_as_you_type(
    request: Request,
    db: DbSession,
    now: Now,
    _: AnyUserPage,
    body: Annotated[str, Form(max_length=10_000)] = "",
    product: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The form's panel (htmx): recent inquiries like the text typed so far."""
    similar = []
    found = catalog.find_product_by_slug(session=db, slug=product) if product else None
    if len(body.strip()) >= 4:
        similar = service.similar_inquiries(
            session=db, body=body, product_id=found.id if found else None, now=now, policy=policy_of(request)
        )
    return _render(request, "inquiries/_similar.html", {"similar": similar, "typed": bool(body.strip())})


@router.get("/{inquiry_id}")
def inquiry_page(
    request: Request, inquiry_id: int, db: DbSession, now: Now, user: AnyUserPage, logged: int = 0
) -> Response:
    inquiry = service.get_inquiry(session=db, inquiry_id=inquiry_id)
    similar = service.similar_to(session=db, inquiry_id=inquiry.id, now=now, policy=policy_of(request))
    store_ids = [i.store_id for i in [inquiry, *(s.inquiry for s in similar)] if i.store_id is not None]
    reporter = (
        accounts.get_user(session=db, user_id=inquiry.reported_by_id) if inquiry.reported_by_id else None
    )
    same_product = None
    if inquiry.product_id is not None:
        since = inquiry.created_at - SAME_PRODUCT_LOOKBACK
        count = service.count_about_product(
            session=db, product_id=inquiry.product_id, since=since, until=now, exclude_id=inquiry.id
        )
        same_product = {"since": since, "count": count}
    context = {
        **_common(db),
        "inquiry": inquiry,
        "similar": similar,
        "same_product": same_product,
        "stores": catalog.stores_by_id(session=db, store_ids=store_ids),
        "reporter": reporter,
        "logged": bool(logged),
    }
    return _render(request, "inquiries/inquiry.html", context)
