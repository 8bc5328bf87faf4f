"""Use cases of API partners: companies integrated through the API, their contacts and the products
they depend on (so an outage of those products says which partners to tell)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import normalize_email, validate_name
from hikeshi.catalog.models import Partner, PartnerContact, PartnerProduct, Product
from hikeshi.catalog.rules import normalize_phone
from hikeshi.catalog.service import products_by_slug
from hikeshi.core.errors import Conflict, InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class ContactIn:
    name: str
    email: str = ""
    phone: str = ""


def create_partner(
    *,
    session: Session,
    name: str,
    now: datetime,
    product_slugs: Sequence[str] = (),
    contacts: Sequence[ContactIn] = (),
    webhook_url: str | None = None,
    notes: str = "",
) -> Partner:
    partner_name = validate_name(name)
    if session.scalar(select(Partner.id).where(Partner.name == partner_name)) is not None:
        raise Conflict("name: a partner '{value}' already exists", field="name", value=partner_name)
    url = (webhook_url or "").strip() or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput("webhook_url: must start with https://", field="webhook_url")
    partner = Partner(name=partner_name, webhook_url=url, notes=notes.strip()[:2000], created_at=now)
    session.add(partner)
    session.flush()
    for product in products_by_slug(session=session, slugs=product_slugs):
        session.add(PartnerProduct(partner_id=partner.id, product_id=product.id))
    for contact in contacts:
        session.add(
            PartnerContact(
                partner_id=partner.id,
                name=validate_name(contact.name, field="contacts.name"),
                email=normalize_email(contact.email, field="contacts.email") if contact.email.strip() else "",
                phone=normalize_phone(contact.phone, field="contacts.phone"),
            )
        )
    session.flush()
    return partner


def list_partners(*, session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.name, Partner.id)))


def get_partner(*, session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("partner {value} does not exist", value=partner_id)
    return partner


def partner_contacts(*, session: Session, partner_ids: Sequence[int]) -> dict[int, list[PartnerContact]]:
    found: dict[int, list[PartnerContact]] = {partner_id: [] for partner_id in partner_ids}
    if partner_ids:
        query = (
            select(PartnerContact)
            .where(PartnerContact.partner_id.in_(partner_ids))
            .order_by(PartnerContact.id)
        )
        for contact in session.scalars(query):
            found[contact.partner_id].append(contact)
    return found


def partner_products(*, session: Session, partner_ids: Sequence[int]) -> dict[int, list[Product]]:
    found: dict[int, list[Product]] = {partner_id: [] for partner_id in partner_ids}
    if partner_ids:
        query = (
            select(PartnerProduct.partner_id, Product)
            .join(Product, Product.id == PartnerProduct.product_id)
            .where(PartnerProduct.partner_id.in_(partner_ids))
            .order_by(Product.position, Product.slug)
        )
        for partner_id, product in session.execute(query):
            found[partner_id].append(product)
    return found


def partners_depending_on(*, session: Session, product_ids: Sequence[int]) -> list[Partner]:
    """Partners whose integration depends on any of these products."""
    if not product_ids:
        return []
    linked = select(PartnerProduct.partner_id).where(PartnerProduct.product_id.in_(product_ids))
    query = select(Partner).where(Partner.id.in_(linked)).order_by(Partner.name, Partner.id)
    return list(session.scalars(query))
