"""The impact estimate other domains ask for: which stores, accounts and partners an outage reaches.

Affected stores are those using any affected product, in the affected regions (every region when none
is named); or an explicit list of stores, whose diners are affected when one of them uses web booking.
Everything is counted in SQL, so 100,000 stores cost a few aggregate queries, not a loop in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, case, false, func, select
from sqlalchemy.orm import Session

from hikeshi.catalog.models import Partner, Product, Store, StoreAccount, StoreProduct
from hikeshi.catalog.partners import partners_depending_on
from hikeshi.catalog.rules import WEB_BOOKING_SLUG, Region, parse_regions
from hikeshi.core.errors import InvalidInput

MAX_EXPLICIT_STORES = 20_000
MAX_STORES_LISTED = 1_000


@dataclass(frozen=True, slots=True)
class Impact:
    store_count: int
    stores_by_region: dict[str, int]  # every region code, zero included
    stores: list[Store]  # a page of the affected stores, by name
    account_emails: list[str]  # the affected stores' sign-in addresses, each once, sorted
    partners: list[Partner]  # partners depending on an affected product
    web_booking_affected: bool  # diners booking on the web are affected too
    product_ids: list[int]
    region_codes: list[str]

    @property
    def japan(self) -> int:
        return self.stores_by_region.get(Region.JAPAN.value, 0)

    @property
    def overseas(self) -> int:
        return self.stores_by_region.get(Region.OVERSEAS.value, 0)


def estimate_impact(
    *,
    session: Session,
    product_ids: Sequence[int] = (),
    region_codes: Sequence[str] = (),
    store_ids: Sequence[int] | None = None,
    store_limit: int = 50,
    store_offset: int = 0,
    with_emails: bool = True,
) -> Impact:
    """Counts by region, a page of stores, deduplicated account emails, partners, web-booking flag."""
    regions = [region.value for region in parse_regions(list(region_codes))]
    products = sorted(set(product_ids))
    selected = _selected_store_ids(products, regions, store_ids)
    by_region = dict.fromkeys((region.value for region in Region), 0)
    counts = select(Store.region, func.count(Store.id)).where(Store.id.in_(selected)).group_by(Store.region)
    for region, count in session.execute(counts):
        by_region[region] = count
    page = (
        select(Store)
        .where(Store.id.in_(selected))
        .order_by(Store.name, Store.id)
        .limit(min(max(store_limit, 0), MAX_STORES_LISTED))
        .offset(max(store_offset, 0))
    )
    emails: list[str] = []
    if with_emails:
        query = (
            select(StoreAccount.email)
            .distinct()
            .where(StoreAccount.store_id.in_(selected))
            .order_by(StoreAccount.email)
        )
        emails = list(session.scalars(query))
    return Impact(
        store_count=sum(by_region.values()),
        stores_by_region=by_region,
        stores=list(session.scalars(page)) if store_limit > 0 else [],
        account_emails=emails,
        partners=partners_depending_on(session=session, product_ids=products),
        web_booking_affected=_web_booking_affected(
            session, products, selected, explicit=store_ids is not None
        ),
        product_ids=products,
        region_codes=regions,
    )


def _web_booking_affected(
    session: Session, products: list[int], selected: Select[int], *, explicit: bool
) -> bool:
    """Diners are affected when web booking is among the products; for an explicit list of stores, when
    one of them uses web booking too (and, if products are named, web booking is one of them)."""
    web_booking = session.scalar(select(Product.id).where(Product.slug == WEB_BOOKING_SLUG))
    if web_booking is None:
        return False
    if not explicit:
        return web_booking in products
    if products and web_booking not in products:
        return False
    using = select(StoreProduct.store_id).where(
        StoreProduct.product_id == web_booking, StoreProduct.store_id.in_(selected)
    )
    return session.scalar(using.limit(1)) is not None


@dataclass(frozen=True, slots=True)
class AffectedAccount:
    """One affected address (lower-cased), a store it belongs to, and the language to write to it in."""

    email: str
    store_id: int
    language: str  # ja when any of its stores speaks Japanese, else en


def affected_accounts(
    *,
    session: Session,
    product_ids: Sequence[int],
    region_codes: Sequence[str],
    after_email: str | None,
    limit: int,
) -> list[AffectedAccount]:
    """The affected stores' addresses, each once (case-insensitively), ordered, after `after_email`.

    A page at a time, so 100,000 stores are listed in chunks: the caller passes the last address of the
    previous page. An address on stores of both languages is written to in Japanese.
    """
    regions = [region.value for region in parse_regions(list(region_codes))]
    selected = _selected_store_ids(sorted(set(product_ids)), regions, None)
    address = func.lower(StoreAccount.email)
    japanese = func.max(case((Store.language == "ja", 1), else_=0))
    query = (
        select(address.label("address"), func.min(Store.id), japanese)
        .join(Store, Store.id == StoreAccount.store_id)
        .where(StoreAccount.store_id.in_(selected))
        .group_by(address)
        .order_by(address)
        .limit(max(1, limit))
    )
    if after_email is not None:
        query = query.where(address > after_email)
    return [
        AffectedAccount(email=email, store_id=store_id, language="ja" if ja else "en")
        for email, store_id, ja in session.execute(query)
    ]


def _selected_store_ids(
    product_ids: list[int], regions: list[str], store_ids: Sequence[int] | None
) -> Select[int]:
    """The affected stores' ids, as a subquery the aggregates share."""
    if store_ids is not None:
        if len(store_ids) > MAX_EXPLICIT_STORES:
            raise InvalidInput(
                "store_ids: at most {limit} stores; name products and regions instead",
                field="store_ids",
                limit=MAX_EXPLICIT_STORES,
            )
        return select(Store.id).where(Store.id.in_(sorted(set(store_ids))))
    query = select(Store.id)
    if product_ids:
        using = select(StoreProduct.store_id).where(StoreProduct.product_id.in_(product_ids))
        query = query.where(Store.id.in_(using))
    elif not regions:
        return query.where(false())  # nothing named: nothing known to be affected
    if regions:
        query = query.where(Store.region.in_(regions))
    return query


@dataclass(frozen=True, slots=True)
class AffectedStore:
    """One affected store, as little of it as a call list of 100,000 stores needs."""

    store_id: int
    name: str
    timezone: str
    sales_rep_user_id: int | None
    affected_products: int  # how many of the named products it uses
    uses_web_booking: bool  # it uses web booking, and web booking is among the named products


def affected_stores(
    *, session: Session, product_ids: Sequence[int], region_codes: Sequence[str] = (), chunk_size: int = 5_000
) -> Iterator[list[AffectedStore]]:
    """The stores using any of the products (in the regions; empty: every region), in chunks by id.

    Plain rows, never ORM objects, two indexed queries per chunk (the stores by key range, then what
    they use of the products), so memory stays flat and 100,000 stores take a pass, not a sort each.
    """
    products = sorted(set(product_ids))
    if not products:
        return
    regions = [region.value for region in parse_regions(list(region_codes))]
    web_booking = session.scalar(
        select(Product.id).where(Product.slug == WEB_BOOKING_SLUG, Product.id.in_(products))
    )
    using = (
        select(StoreProduct.store_id)
        .where(StoreProduct.store_id == Store.id, StoreProduct.product_id.in_(products))
        .exists()
    )
    stores = (
        select(Store.id, Store.name, Store.timezone, Store.sales_rep_user_id)
        .where(using)
        .order_by(Store.id)
        .limit(max(chunk_size, 1))
    )
    if regions:
        stores = stores.where(Store.region.in_(regions))
    uses_web = func.max(case((StoreProduct.product_id == (web_booking or 0), 1), else_=0))
    connection = session.connection()
    after = 0
    while True:
        # Through the connection: plain rows, without the ORM's per-row machinery.
        rows = connection.execute(stores.where(Store.id > after)).all()
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        counts = {
            store_id: (int(count), bool(web))
            for store_id, count, web in connection.execute(
                select(StoreProduct.store_id, func.count(), uses_web)
                .where(StoreProduct.store_id.between(first, last), StoreProduct.product_id.in_(products))
                .group_by(StoreProduct.store_id)
            )
        }
        yield [
            AffectedStore(
                store_id=store_id,
                name=name,
                timezone=timezone,
                sales_rep_user_id=sales_rep,
                affected_products=counts.get(store_id, (0, False))[0],
                uses_web_booking=counts.get(store_id, (0, False))[1],
            )
            for store_id, name, timezone, sales_rep in rows
        ]
        after = last
