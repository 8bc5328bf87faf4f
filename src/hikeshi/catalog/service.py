"""Use cases of the catalog that other domains call: finding and listing products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import validate_name, validate_slug
from hikeshi.catalog.models import Product
from hikeshi.core.errors import Conflict, NotFound


def create_product(
    *,
    session: Session,
    slug: str,
    name_ja: str,
    name_en: str,
    now: datetime,
    customer_facing: bool = True,
    position: int = 0,
) -> Product:
    product_slug = validate_slug(slug)
    if session.scalar(select(Product.id).where(Product.slug == product_slug)) is not None:
        raise Conflict("slug: a product '{value}' already exists", field="slug", value=product_slug)
    product = Product(
        slug=product_slug,
        name_ja=validate_name(name_ja, field="name_ja"),
        name_en=validate_name(name_en, field="name_en"),
        customer_facing=customer_facing,
        position=position,
        created_at=now,
    )
    session.add(product)
    session.flush()
    return product


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
