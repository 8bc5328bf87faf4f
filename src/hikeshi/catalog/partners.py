"""Use cases of API partners: companies integrated through the API, their contacts and the products
they depend on (so an outage of those products says which partners to tell)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
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
    partner_name = _free_name(session, name, partner_id=None)
    partner = Partner(
        name=partner_name, webhook_url=_webhook_url(webhook_url), notes=notes.strip()[:2000], created_at=now
    )
    session.add(partner)
    session.flush()
    _set_products(session, partner.id, product_slugs)
    _set_contacts(session, partner.id, contacts)
    session.flush()
    return partner


def update_partner(
    *,
    session: Session,
    partner_id: int,
    name: str | None = None,
    product_slugs: Sequence[str] | None = None,
    contacts: Sequence[ContactIn] | None = None,
    webhook_url: str | None = None,
    notes: str | None = None,
) -> Partner:
    """Change what is given (None: unchanged); products and contacts given are replaced as a whole.

    An empty `webhook_url` removes it. A partner is never deleted: the notices it was sent stay on
    record; one that no longer depends on any product is simply told nothing.
    """
    partner = get_partner(session=session, partner_id=partner_id)
    if name is not None:
        partner.name = _free_name(session, name, partner_id=partner.id)
    if webhook_url is not None:
        partner.webhook_url = _webhook_url(webhook_url)
    if notes is not None:
        partner.notes = notes.strip()[:2000]
    if product_slugs is not None:
        wanted = products_by_slug(session=session, slugs=product_slugs)  # unknown slugs refused first
        session.execute(delete(PartnerProduct).where(PartnerProduct.partner_id == partner.id))
        _set_products(session, partner.id, [product.slug for product in wanted])
    if contacts is not None:
        checked = [_contact(partner.id, contact) for contact in contacts]
        session.execute(delete(PartnerContact).where(PartnerContact.partner_id == partner.id))
        session.add_all(checked)
    session.flush()
    return partner


def _free_name(session: Session, name: str, *, partner_id: int | None) -> str:
    partner_name = validate_name(name)
    taken = session.scalar(select(Partner.id).where(Partner.name == partner_name))
    if taken is not None and taken != partner_id:
        raise Conflict("name: a partner '{value}' already exists", field="name", value=partner_name)
    return partner_name


def _webhook_url(value: str | None) -> str | None:
    url = (value or "").strip() or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise InvalidInput("webhook_url: must start with https://", field="webhook_url")
    return url


def _set_products(session: Session, partner_id: int, product_slugs: Sequence[str]) -> None:
    for product in products_by_slug(session=session, slugs=product_slugs):
        session.add(PartnerProduct(partner_id=partner_id, product_id=product.id))


def _set_contacts(session: Session, partner_id: int, contacts: Sequence[ContactIn]) -> None:
    session.add_all([_contact(partner_id, contact) for contact in contacts])


def _contact(partner_id: int, contact: ContactIn) -> PartnerContact:
    return PartnerContact(
        partner_id=partner_id,
        name=validate_name(contact.name, field="contacts.name"),
        email=normalize_email(contact.email, field="contacts.email") if contact.email.strip() else "",
        phone=normalize_phone(contact.phone, field="contacts.phone"),
    )


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
