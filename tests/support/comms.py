"""Shared helpers of the comms tests: many affected stores at once, a published notice without the UI.

`add_stores` inserts stores with their products and accounts in a few statements (thousands per second),
for tests and benchmarks that need a large affected set. `published_notice` writes a notice as
publishing leaves it, for parts that start from a published notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hikeshi.bootstrap import Container
from hikeshi.catalog.models import Product, Store, StoreAccount, StoreProduct
from hikeshi.comms.models import Notice
from hikeshi.web.app import HikeshiApp, create_app


def product_ids(session: Session, *slugs: str) -> list[int]:
    rows = session.execute(select(Product.slug, Product.id).where(Product.slug.in_(slugs)))
    found = {slug: id_ for slug, id_ in rows}  # noqa: C416 - rows are not pairs to dict()
    return [found[slug] for slug in slugs]


def add_stores(
    session: Session,
    *,
    count: int,
    products: Sequence[str],
    now: datetime,
    prefix: str = "bulk",
    language: str = "ja",
    region: str = "jp",
    accounts_per_store: int = 1,
    domain: str = "stores.example",
) -> list[str]:
    """`count` stores using `products`, each with its own account addresses; the addresses, sorted."""
    ids = product_ids(session, *products)
    session.execute(
        insert(Store),
        [
            {
                "external_id": f"{prefix}-{number:06d}",
                "name": f"{prefix} store {number}",
                "region": region,
                "timezone": "Asia/Tokyo" if region == "jp" else "Asia/Singapore",
                "language": language,
                "phone": "",
                "created_at": now,
                "updated_at": now,
            }
            for number in range(count)
        ],
    )
    stores = list(
        session.scalars(select(Store.id).where(Store.external_id.like(f"{prefix}-%")).order_by(Store.id))
    )
    session.execute(
        insert(StoreProduct),
        [{"store_id": store, "product_id": product} for store in stores for product in ids],
    )
    addresses = [
        f"{prefix}{number:06d}-{account}@{domain}"
        for number in range(len(stores))
        for account in range(accounts_per_store)
    ]
    session.execute(
        insert(StoreAccount),
        [
            {"store_id": stores[index // accounts_per_store], "email": address}
            for index, address in enumerate(addresses)
        ],
    )
    return sorted(addresses)


def published_notice(
    session: Session,
    *,
    now: datetime,
    products: Sequence[str] = ("web-booking",),
    regions: Sequence[str] = (),
    channels: Sequence[str] = ("email",),
    incident_id: int | None = None,
    kind: str = "first",
    title_ja: str = "Web 予約がご利用いただけない状態です",
    title_en: str = "Web booking is unavailable",
    body_ja: str = "現在、Web 予約がご利用いただけません。復旧に向けて対応しております。",
    body_en: str = "Web booking is currently unavailable. We are working to restore it.",
    approved_by: int | None = None,
) -> Notice:
    """A notice as publishing leaves it: approved, published, for the given products and regions."""
    notice = Notice(
        incident_id=incident_id,
        kind=kind,
        status="published",
        channels=list(channels),
        title_ja=title_ja,
        title_en=title_en,
        body_ja=body_ja,
        body_en=body_en,
        public_status="investigating",
        impact="major",
        component_statuses={},
        product_ids=product_ids(session, *products),
        region_codes=list(regions),
        approved_by_id=approved_by,
        approved_at=now,
        published_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(notice)
    session.flush()
    return notice


def publish_through_service(
    session: Session,
    *,
    by: int,
    now: datetime,
    incident_id: int | None = None,
    maintenance_id: int | None = None,
    kind: str = "first",
    channels: Sequence[str] = ("status_page", "in_app"),
    **fields: object,
) -> Notice:
    """A notice drafted and published the way people do it (notices.create_notice, then publishing);
    `fields` are create_notice's own (title_ja, body_en, public_status, component_statuses, …).
    """
    from hikeshi.comms import notices, publishing

    draft = notices.create_notice(
        session=session,
        incident_id=incident_id,
        maintenance_id=maintenance_id,
        kind=kind,
        by=by,
        now=now,
        channels=list(channels),
        **fields,  # type: ignore[arg-type]
    )
    return publishing.publish_notice(
        session=session,
        notice_id=draft.id,
        by=by,
        now=now,
        base_url="https://status.example.com",
        open_hours="11:00-23:00",
    )


def feed_test_client(world: Container, *, fast: bool = True) -> TestClient:
    """The web app with the feed's fast path reading its state on every request (tests move the clock
    and publish between requests), or without the fast path (`fast=False`: the route answers)."""
    app = create_app(world)
    assert isinstance(app, HikeshiApp)
    assert app.feed_fast_path is not None
    if fast:
        app.feed_fast_path.state_seconds = 0
    else:
        app.feed_fast_path = None
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)
