"""JSON API of the catalog under /api/v1: products and stores (read by staff, changed by admins),
partners, impact."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import AdminApi, AnyUserApi, DbSession, Now, StaffApi
from hikeshi.catalog import partners, service
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.import_rules import StoreRejected
from hikeshi.catalog.partners import ContactIn
from hikeshi.catalog.schemas import (
    ImpactOut,
    PartnerContactOut,
    PartnerCreate,
    PartnerOut,
    PartnerUpdate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    StoreCreate,
    StoreDetailOut,
    StoreOut,
    StorePageOut,
    StoreUpdate,
    store_detail_out,
)

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/products", response_model=list[ProductOut])
def list_products(db: DbSession, _: AnyUserApi) -> list[ProductOut]:
    return [ProductOut.model_validate(product) for product in service.list_products(session=db)]


@router.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(body: ProductCreate, db: DbSession, now: Now, _: AdminApi) -> ProductOut:
    product = service.create_product(session=db, now=now, **body.model_dump())
    db.commit()
    return ProductOut.model_validate(product)


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(product_id: int, body: ProductUpdate, db: DbSession, _: AdminApi) -> ProductOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    product = service.update_product(session=db, product_id=product_id, **changes)
    db.commit()
    return ProductOut.model_validate(product)


@router.get("/stores", response_model=StorePageOut)
def list_stores(
    db: DbSession,
    _: StaffApi,
    q: str | None = None,
    region: str | None = None,
    product: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> StorePageOut:
    """Stores by name; `q` matches part of the name or the whole external id."""
    page = service.list_stores(
        session=db, search=q, region=region, product_slug=product, limit=limit, offset=offset
    )
    return StorePageOut(
        stores=[StoreOut.model_validate(store) for store in page.stores],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/stores/{store_id}", response_model=StoreDetailOut)
def read_store(store_id: int, db: DbSession, _: StaffApi) -> StoreDetailOut:
    store = service.get_store(session=db, store_id=store_id)
    products = [ProductOut.model_validate(p) for p in service.store_products(session=db, store_id=store.id)]
    return store_detail_out(store, products, service.store_accounts(session=db, store_id=store.id))


@router.post("/stores", response_model=StoreDetailOut, status_code=status.HTTP_201_CREATED)
def create_store(body: StoreCreate, db: DbSession, now: Now, _: AdminApi) -> StoreDetailOut:
    """One store, checked as a row of the CSV import is; 409 when the external id is taken."""
    with _named_as_in_the_api():
        store = service.create_store(
            session=db,
            external_id=body.external_id,
            name=body.name,
            region=body.region,
            timezone=body.timezone,
            language=body.language,
            product_slugs=body.products,
            account_emails=[account.as_text() for account in body.accounts],
            phone=body.phone,
            sales_rep_email=body.sales_rep_email,
            now=now,
        )
    db.commit()
    return read_store(store.id, db, _)


@router.patch("/stores/{store_id}", response_model=StoreDetailOut)
def update_store(store_id: int, body: StoreUpdate, db: DbSession, now: Now, _: AdminApi) -> StoreDetailOut:
    """Change the fields sent; `products` and `accounts`, when sent, replace the store's."""
    sales_rep_email = body.sales_rep_email
    if "sales_rep_email" in body.model_fields_set and sales_rep_email is None:
        sales_rep_email = ""  # null takes the representative away
    with _named_as_in_the_api():
        service.update_store(
            session=db,
            store_id=store_id,
            external_id=body.external_id,
            name=body.name,
            region=body.region,
            timezone=body.timezone,
            language=body.language,
            product_slugs=body.products,
            account_emails=None if body.accounts is None else [a.as_text() for a in body.accounts],
            phone=body.phone,
            sales_rep_email=sales_rep_email,
            now=now,
        )
    db.commit()
    return read_store(store_id, db, _)


@router.delete("/stores/{store_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_store(store_id: int, db: DbSession, _: AdminApi) -> Response:
    service.delete_store(session=db, store_id=store_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@contextmanager
def _named_as_in_the_api() -> Iterator[None]:
    """Problems name the API's fields: its `accounts` are the CSV's `account_emails`."""
    try:
        yield
    except StoreRejected as rejected:
        problems = [
            replace(problem, column="accounts") if problem.column == "account_emails" else problem
            for problem in rejected.problems
        ]
        raise StoreRejected(problems) from None


def partner_outs(db: Session) -> list[PartnerOut]:
    found = partners.list_partners(session=db)
    ids = [partner.id for partner in found]
    contacts = partners.partner_contacts(session=db, partner_ids=ids)
    products = partners.partner_products(session=db, partner_ids=ids)
    return [
        PartnerOut.model_validate(partner).model_copy(
            update={
                "products": [product.slug for product in products[partner.id]],
                "contacts": [PartnerContactOut.model_validate(c) for c in contacts[partner.id]],
            }
        )
        for partner in found
    ]


@router.get("/partners", response_model=list[PartnerOut])
def list_partners(db: DbSession, _: StaffApi) -> list[PartnerOut]:
    return partner_outs(db)


@router.post("/partners", response_model=PartnerOut, status_code=status.HTTP_201_CREATED)
def create_partner(body: PartnerCreate, db: DbSession, now: Now, _: AdminApi) -> PartnerOut:
    partner = partners.create_partner(
        session=db,
        name=body.name,
        product_slugs=body.products,
        contacts=[ContactIn(name=c.name, email=c.email, phone=c.phone) for c in body.contacts],
        webhook_url=body.webhook_url,
        notes=body.notes,
        now=now,
    )
    db.commit()
    return next(out for out in partner_outs(db) if out.id == partner.id)


@router.get("/partners/{partner_id}", response_model=PartnerOut)
def read_partner(partner_id: int, db: DbSession, _: StaffApi) -> PartnerOut:
    partner = partners.get_partner(session=db, partner_id=partner_id)
    return next(out for out in partner_outs(db) if out.id == partner.id)


@router.patch("/partners/{partner_id}", response_model=PartnerOut)
def update_partner(partner_id: int, body: PartnerUpdate, db: DbSession, _: AdminApi) -> PartnerOut:
    """Change a partner; `products` and `contacts` given replace its own. Partners are never deleted."""
    partners.update_partner(
        session=db,
        partner_id=partner_id,
        name=body.name,
        product_slugs=body.products,
        contacts=None
        if body.contacts is None
        else [ContactIn(name=c.name, email=c.email, phone=c.phone) for c in body.contacts],
        webhook_url=body.webhook_url,
        notes=body.notes,
    )
    db.commit()
    return read_partner(partner_id, db, _)


@router.get("/impact", response_model=ImpactOut)
def impact(
    db: DbSession,
    _: StaffApi,
    product: Annotated[list[str] | None, Query(description="Affected product slugs")] = None,
    region: Annotated[list[str] | None, Query(description="jp, overseas; none: every region")] = None,
    store_id: Annotated[list[int] | None, Query(description="Or exactly these stores")] = None,
    limit: int = 50,
    offset: int = 0,
) -> ImpactOut:
    """Who an outage of these products reaches: stores by region, accounts, partners, diners."""
    products = service.products_by_slug(session=db, slugs=product or [])
    found = estimate_impact(
        session=db,
        product_ids=[p.id for p in products],
        region_codes=region or [],
        store_ids=store_id,
        store_limit=limit,
        store_offset=offset,
    )
    partner_ids = {partner.id for partner in found.partners}
    return ImpactOut(
        store_count=found.store_count,
        stores_by_region=found.stores_by_region,
        stores=[StoreOut.model_validate(store) for store in found.stores],
        account_email_count=len(found.account_emails),
        account_emails=found.account_emails,
        partners=[out for out in partner_outs(db) if out.id in partner_ids],
        web_booking_affected=found.web_booking_affected,
    )
