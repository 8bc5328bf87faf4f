"""Use cases of the catalog: products and stores, found, listed, created, changed and removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import validate_name, validate_slug
from hikeshi.accounts.service import find_user_by_email, get_user
from hikeshi.catalog.import_rules import check_store
from hikeshi.catalog.models import Product, Store, StoreAccount, StoreProduct
from hikeshi.catalog.rules import parse_region, validate_description, validate_position
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.timezones import to_zone

MAX_PAGE = 500


def create_product(
    *,
    session: Session,
    slug: str,
    name_ja: str,
    name_en: str,
    now: datetime,
    customer_facing: bool = True,
    position: int = 0,
    description_ja: str = "",
    description_en: str = "",
) -> Product:
    values = _product_values(
        session,
        product_id=None,
        slug=slug,
        name_ja=name_ja,
        name_en=name_en,
        description_ja=description_ja,
        description_en=description_en,
        position=position,
    )
    product = Product(**values, customer_facing=customer_facing, created_at=now)
    session.add(product)
    session.flush()
    return product


def update_product(
    *,
    session: Session,
    product_id: int,
    slug: str | None = None,
    name_ja: str | None = None,
    name_en: str | None = None,
    description_ja: str | None = None,
    description_en: str | None = None,
    customer_facing: bool | None = None,
    position: int | None = None,
) -> Product:
    """Change the fields given (None keeps one); the slug stays unique."""
    product = get_product(session=session, product_id=product_id)
    values = _product_values(
        session,
        product_id=product.id,
        slug=product.slug if slug is None else slug,
        name_ja=product.name_ja if name_ja is None else name_ja,
        name_en=product.name_en if name_en is None else name_en,
        description_ja=product.description_ja if description_ja is None else description_ja,
        description_en=product.description_en if description_en is None else description_en,
        position=product.position if position is None else position,
    )
    for name, value in values.items():
        setattr(product, name, value)
    if customer_facing is not None:
        product.customer_facing = customer_facing
    session.flush()
    return product


def _product_values(
    session: Session,
    *,
    product_id: int | None,
    slug: str,
    name_ja: str,
    name_en: str,
    description_ja: str,
    description_en: str,
    position: int,
) -> dict[str, object]:
    """Checked values, before any is set: a half-changed product must not be flushed by a query."""
    product_slug = validate_slug(slug)
    values: dict[str, object] = {
        "slug": product_slug,
        "name_ja": validate_name(name_ja, field="name_ja"),
        "name_en": validate_name(name_en, field="name_en"),
        "description_ja": validate_description(description_ja, field="description_ja"),
        "description_en": validate_description(description_en, field="description_en"),
        "position": validate_position(position),
    }
    taken = session.scalar(select(Product.id).where(Product.slug == product_slug))
    if taken is not None and taken != product_id:
        raise Conflict("slug: a product '{value}' already exists", field="slug", value=product_slug)
    return values


def get_product_by_slug(*, session: Session, slug: str) -> Product:
    product = session.scalar(select(Product).where(Product.slug == slug.strip().lower()))
    if product is None:
        raise NotFound("product '{value}' does not exist", field="product", value=slug)
    return product


def find_product_by_slug(*, session: Session, slug: str) -> Product | None:
    return session.scalar(select(Product).where(Product.slug == slug.strip().lower()))


def get_product(*, session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("product {value} does not exist", value=product_id)
    return product


def list_products(*, session: Session) -> list[Product]:
    return list(session.scalars(select(Product).order_by(Product.position, Product.slug)))


def products_by_slug(*, session: Session, slugs: Sequence[str]) -> list[Product]:
    """The products named, in catalog order; an unknown slug is an error naming it."""
    found = {product.slug: product for product in list_products(session=session)}
    chosen: list[Product] = []
    for slug in slugs:
        product = found.get(slug.strip().lower())
        if product is None:
            raise NotFound("product '{value}' does not exist", field="product", value=slug)
        if product not in chosen:
            chosen.append(product)
    return chosen


@dataclass(frozen=True, slots=True)
class StorePage:
    stores: list[Store]
    total: int
    limit: int
    offset: int


def _store_filter(
    query: Select[Store], *, search: str | None, region: str | None, product_id: int | None
) -> Select[Store]:
    if search and search.strip():
        text = search.strip()
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Store.external_id == text, Store.name.ilike(pattern, escape="\\")))
    if region:
        query = query.where(Store.region == parse_region(region).value)
    if product_id is not None:
        linked = select(StoreProduct.store_id).where(StoreProduct.product_id == product_id)
        query = query.where(Store.id.in_(linked))
    return query


def list_stores(
    *,
    session: Session,
    search: str | None = None,
    region: str | None = None,
    product_slug: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> StorePage:
    """Stores whose name contains `search` (or whose external id is it), by name, a page at a time."""
    limit = min(max(limit, 1), MAX_PAGE)
    offset = max(offset, 0)
    product_id = get_product_by_slug(session=session, slug=product_slug).id if product_slug else None
    filtered = _store_filter(select(Store), search=search, region=region, product_id=product_id)
    total = session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    page = filtered.order_by(Store.name, Store.id).limit(limit).offset(offset)
    return StorePage(stores=list(session.scalars(page)), total=total, limit=limit, offset=offset)


def count_stores(*, session: Session) -> int:
    return session.scalar(select(func.count(Store.id))) or 0


def get_store(*, session: Session, store_id: int) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound("store {value} does not exist", field="store", value=store_id)
    return store


def find_store(*, session: Session, key: str) -> Store:
    """A store by its external id, hikeshi's id written as `#123`, or a name only one store matches."""
    text = key.strip()
    if text.startswith("#") and text[1:].isdigit():
        return get_store(session=session, store_id=int(text[1:]))
    store = session.scalar(select(Store).where(Store.external_id == text))
    if store is not None:
        return store
    # A person types a name more often than an id: a name only one store has will do.
    exact = list(session.scalars(select(Store).where(Store.name == text).limit(2)))
    if len(exact) == 1:
        return exact[0]
    found = list_stores(session=session, search=text, limit=2) if text else None
    if found is not None and found.total == 1:
        return found.stores[0]
    if found is not None and found.total > 1:
        raise InvalidInput(
            "store: '{value}' matches {count} stores; give its external id",
            field="store",
            value=key,
            count=found.total,
        )
    raise NotFound("store '{value}' does not exist", field="store", value=key)


def stores_by_id(*, session: Session, store_ids: Sequence[int]) -> dict[int, Store]:
    if not store_ids:
        return {}
    return {store.id: store for store in session.scalars(select(Store).where(Store.id.in_(set(store_ids))))}


def store_products(*, session: Session, store_id: int) -> list[Product]:
    query = (
        select(Product)
        .join(StoreProduct, StoreProduct.product_id == Product.id)
        .where(StoreProduct.store_id == store_id)
        .order_by(Product.position, Product.slug)
    )
    return list(session.scalars(query))


def store_accounts(*, session: Session, store_id: int) -> list[StoreAccount]:
    query = select(StoreAccount).where(StoreAccount.store_id == store_id).order_by(StoreAccount.email)
    return list(session.scalars(query))


def create_store(
    *,
    session: Session,
    external_id: str,
    name: str,
    region: str,
    now: datetime,
    timezone: str | None = None,
    language: str | None = None,
    product_slugs: Sequence[str] = (),
    account_emails: Sequence[str] = (),
    phone: str = "",
    sales_rep_email: str | None = None,
    sales_rep_user_id: int | None = None,
) -> Store:
    """One store by hand, on a form or through the API, by the rules of a CSV row.

    `account_emails` are addresses, each optionally followed by `=` and its last sign-in, as in the CSV.
    """
    if sales_rep_user_id is not None:
        sales_rep_email = get_user(session=session, user_id=sales_rep_user_id).email
    record = {
        "external_id": external_id,
        "name": name,
        "region": region,
        "timezone": timezone or "",
        "language": language or "",
        "products": ";".join(product_slugs),
        "account_emails": ";".join(account_emails),
        "phone": phone,
        "sales_rep_email": sales_rep_email or "",
    }
    return _save_store(session, Store(created_at=now), record, now=now, new=True)


def update_store(
    *,
    session: Session,
    store_id: int,
    now: datetime,
    external_id: str | None = None,
    name: str | None = None,
    region: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    product_slugs: Sequence[str] | None = None,
    account_emails: Sequence[str] | None = None,
    phone: str | None = None,
    sales_rep_email: str | None = None,
) -> Store:
    """Change the fields given (None keeps one, "" clears the sales representative); products and
    accounts given replace the store's. The whole store is checked again, as a CSV row would be."""
    store = get_store(session=session, store_id=store_id)
    record = store_record(session=session, store=store)
    changes = {
        "external_id": external_id,
        "name": name,
        "region": region,
        "timezone": timezone,
        "language": language,
        "products": None if product_slugs is None else ";".join(product_slugs),
        "account_emails": None if account_emails is None else ";".join(account_emails),
        "phone": phone,
        "sales_rep_email": sales_rep_email,
    }
    record.update({column: value for column, value in changes.items() if value is not None})
    return _save_store(session, store, record, now=now, new=False)


def delete_store(*, session: Session, store_id: int) -> Store:
    """Remove a store with its products and accounts; its inquiries stay, no longer linked to it."""
    store = get_store(session=session, store_id=store_id)
    session.delete(store)
    session.flush()
    return store


def store_record(*, session: Session, store: Store) -> dict[str, str]:
    """The store as the text of its CSV row: what an edit form shows and a change starts from."""
    sales_rep = (
        get_user(session=session, user_id=store.sales_rep_user_id) if store.sales_rep_user_id else None
    )
    accounts = [
        account.email
        + (f"={to_zone(account.last_login_at, store.timezone).isoformat()}" if account.last_login_at else "")
        for account in store_accounts(session=session, store_id=store.id)
    ]
    return {
        "external_id": store.external_id,
        "name": store.name,
        "region": store.region,
        "timezone": store.timezone,
        "language": store.language,
        "products": ";".join(product.slug for product in store_products(session=session, store_id=store.id)),
        "account_emails": ";".join(accounts),
        "phone": store.phone,
        "sales_rep_email": sales_rep.email if sales_rep else "",
    }


def _save_store(session: Session, store: Store, record: dict[str, str], *, now: datetime, new: bool) -> Store:
    """Check the record as the import checks a row, then write it; products and accounts replaced."""
    product_ids = {product.slug: product.id for product in list_products(session=session)}
    rep_email = record["sales_rep_email"].strip()
    sales_rep = find_user_by_email(session=session, email=rep_email) if rep_email else None
    row = check_store(
        record,
        product_slugs=product_ids.keys(),
        user_emails={sales_rep.email.lower()} if sales_rep else frozenset(),
    )
    taken = session.scalar(select(Store.id).where(Store.external_id == row.external_id))
    if taken is not None and (new or taken != store.id):
        raise Conflict(
            "external_id: a store '{value}' already exists", field="external_id", value=row.external_id
        )
    store.external_id, store.name, store.region = row.external_id, row.name, row.region
    store.timezone, store.language, store.phone = row.timezone, row.language, row.phone
    store.sales_rep_user_id = sales_rep.id if sales_rep else None
    store.updated_at = now
    if new:
        session.add(store)
        session.flush()
    else:
        session.execute(delete(StoreProduct).where(StoreProduct.store_id == store.id))
        session.execute(delete(StoreAccount).where(StoreAccount.store_id == store.id))
    session.add_all(
        StoreProduct(store_id=store.id, product_id=product_ids[slug]) for slug in row.product_slugs
    )
    session.add_all(
        StoreAccount(store_id=store.id, email=email, last_login_at=last_login_at)
        for email, last_login_at in row.accounts
    )
    session.flush()
    return store


def store_counts_by_product(*, session: Session) -> dict[int, int]:
    """How many stores use each product (one aggregate query)."""
    query = select(StoreProduct.product_id, func.count(StoreProduct.store_id)).group_by(
        StoreProduct.product_id
    )
    return dict(session.execute(query).all())
