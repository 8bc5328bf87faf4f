"""Catalog pages for administrators: a product and a store created, edited, a store deleted, a partner edited.

A store's form is checked by the rules of a row of the CSV import, and each problem is shown next to
its field; the form keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AdminPage, DbSession, Now
from hikeshi.catalog import partners, service
from hikeshi.catalog.import_rules import StoreRejected
from hikeshi.catalog.models import Store
from hikeshi.catalog.partners import ContactIn
from hikeshi.catalog.rules import MAX_POSITION, REGION_LABELS, STORE_LANGUAGES, Region
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.core.timezones import common_timezones
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/catalog", tags=["catalog admin pages"], include_in_schema=False)


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def field_errors(error: HikeshiError, gettext: Callable[[str], str]) -> dict[str, str]:
    """Each field's problems in the reader's language; "" holds what belongs to no field."""
    if isinstance(error, StoreRejected):
        found: dict[str, list[str]] = {}
        for problem in error.problems:
            found.setdefault(problem.column, []).append(gettext(problem.message).format(**problem.params))
        return {column: "; ".join(messages) for column, messages in found.items()}
    message = error.render(gettext)
    if error.field and message.startswith(f"{error.field}: "):
        message = message[len(error.field) + 2 :]  # said next to the field: no need to name it
    return {error.field or "": message}


def _save(
    request: Request,
    db: Session,
    change: Callable[[], int],
    *,
    done: Callable[[int], str],
    again: Callable[..., Response],
) -> Response:
    """Make one change and commit it, or roll back and show the form again with its problems."""
    try:
        saved_id = change()
    except HikeshiError as error:
        db.rollback()
        return again(errors=field_errors(error, translator(request).gettext), status_code=error.status_code)
    db.commit()
    return RedirectResponse(done(saved_id), status_code=303)


# Products


def _product_form(
    request: Request,
    *,
    form: Mapping[str, object],
    product_id: int | None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {"form": form, "product_id": product_id, "errors": errors or {}, "max_position": MAX_POSITION}
    return _render(request, "catalog/product_form.html", context, status_code=status_code)


def _position(value: str) -> int:
    try:
        return int(value.strip() or "0")
    except ValueError:
        raise InvalidInput(
            "{field}: must be between 0 and {limit}", field="position", limit=MAX_POSITION
        ) from None


@router.get("/products/new")
def new_product_form(request: Request, _: AdminPage) -> Response:
    form = {"customer_facing": True, "position": "0"}
    return _product_form(request, form=form, product_id=None)


@router.get("/products/{product_id:int}/edit")
def edit_product_form(request: Request, product_id: int, db: DbSession, _: AdminPage) -> Response:
    product = service.get_product(session=db, product_id=product_id)
    form = {
        "slug": product.slug,
        "name_ja": product.name_ja,
        "name_en": product.name_en,
        "description_ja": product.description_ja,
        "description_en": product.description_en,
        "customer_facing": product.customer_facing,
        "position": str(product.position),
    }
    return _product_form(request, form=form, product_id=product.id)


class ProductForm(BaseModel):
    """The product form; a field left empty arrives empty, and the rules say what is missing."""

    slug: str = Field(default="", max_length=200)
    name_ja: str = Field(default="", max_length=1000)
    name_en: str = Field(default="", max_length=1000)
    description_ja: str = Field(default="", max_length=10_000)
    description_en: str = Field(default="", max_length=10_000)
    customer_facing: bool = False  # an unticked box sends nothing
    position: str = Field(default="0", max_length=20)


@router.post("/products/new")
def create_product(
    request: Request, db: DbSession, now: Now, _: AdminPage, data: Annotated[ProductForm, Form()]
) -> Response:
    return _save_product(request, db, data, product_id=None, now=now)


@router.post("/products/{product_id:int}/edit")
def update_product(
    request: Request,
    product_id: int,
    db: DbSession,
    now: Now,
    _: AdminPage,
    data: Annotated[ProductForm, Form()],
) -> Response:
    return _save_product(request, db, data, product_id=product_id, now=now)


def _save_product(
    request: Request, db: Session, data: ProductForm, *, product_id: int | None, now: datetime
) -> Response:
    values = data.model_dump(exclude={"position"})

    def change() -> int:
        if product_id is None:
            return service.create_product(session=db, now=now, position=_position(data.position), **values).id
        service.update_product(session=db, product_id=product_id, position=_position(data.position), **values)
        return product_id

    def again(*, errors: Mapping[str, str], status_code: int) -> Response:
        form = data.model_dump()
        return _product_form(
            request, form=form, product_id=product_id, errors=errors, status_code=status_code
        )

    return _save(request, db, change, done=lambda _: "/catalog/products?saved=1", again=again)


# Stores


def _store_form(
    request: Request,
    db: Session,
    *,
    form: Mapping[str, object],
    store: Store | None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "store": store,
        "errors": errors or {},
        "products": service.list_products(session=db),
        "regions": list(Region),
        "region_labels": REGION_LABELS,
        "store_languages": STORE_LANGUAGES,
        "timezones": common_timezones(),
        "users": accounts.list_users(session=db),
    }
    return _render(request, "catalog/store_form.html", context, status_code=status_code)


@router.get("/stores/new")
def new_store_form(request: Request, db: DbSession, _: AdminPage) -> Response:
    form = {"region": Region.JAPAN.value, "products": [], "account_emails": ""}
    return _store_form(request, db, form=form, store=None)


@router.get("/stores/{store_id:int}/edit")
def edit_store_form(request: Request, store_id: int, db: DbSession, _: AdminPage) -> Response:
    store = service.get_store(session=db, store_id=store_id)
    record = service.store_record(session=db, store=store)
    form = {
        **record,
        "products": [slug for slug in record["products"].split(";") if slug],
        "account_emails": "\n".join(line for line in record["account_emails"].split(";") if line),
    }
    return _store_form(request, db, form=form, store=store)


class StoreForm(BaseModel):
    """The store form: the CSV's columns, products ticked, one account a line."""

    external_id: str = Field(default="", max_length=2000)
    name: str = Field(default="", max_length=2000)
    region: str = Field(default="", max_length=100)
    timezone: str = Field(default="", max_length=200)
    language: str = Field(default="", max_length=20)
    products: list[str] = Field(default_factory=list, max_length=500)
    account_emails: str = Field(default="", max_length=200_000)
    phone: str = Field(default="", max_length=200)
    sales_rep_email: str = Field(default="", max_length=254)


@router.post("/stores/new")
def create_store(
    request: Request, db: DbSession, now: Now, _: AdminPage, data: Annotated[StoreForm, Form()]
) -> Response:
    return _save_store(request, db, data, store_id=None, now=now)


@router.post("/stores/{store_id:int}/edit")
def update_store(
    request: Request, store_id: int, db: DbSession, now: Now, _: AdminPage, data: Annotated[StoreForm, Form()]
) -> Response:
    return _save_store(request, db, data, store_id=store_id, now=now)


def _save_store(
    request: Request, db: Session, data: StoreForm, *, store_id: int | None, now: datetime
) -> Response:
    values = data.model_dump(exclude={"products", "account_emails"})
    lines = [line.strip() for line in data.account_emails.splitlines() if line.strip()]

    def change() -> int:
        if store_id is None:
            store = service.create_store(
                session=db, product_slugs=data.products, account_emails=lines, now=now, **values
            )
            return store.id
        service.update_store(
            session=db,
            store_id=store_id,
            product_slugs=data.products,
            account_emails=lines,
            now=now,
            **values,
        )
        return store_id

    def again(*, errors: Mapping[str, str], status_code: int) -> Response:
        store = service.get_store(session=db, store_id=store_id) if store_id is not None else None
        form = data.model_dump()
        return _store_form(request, db, form=form, store=store, errors=errors, status_code=status_code)

    return _save(request, db, change, done=lambda saved: f"/catalog/stores/{saved}?saved=1", again=again)


@router.get("/stores/{store_id:int}/delete")
def delete_store_form(request: Request, store_id: int, db: DbSession, _: AdminPage) -> Response:
    """What deleting the store takes with it, and the button that does it."""
    store = service.get_store(session=db, store_id=store_id)
    context = {
        "store": store,
        "account_count": len(service.store_accounts(session=db, store_id=store.id)),
        "product_count": len(service.store_products(session=db, store_id=store.id)),
    }
    return _render(request, "catalog/store_delete.html", context)


@router.post("/stores/{store_id:int}/delete")
def delete_store(store_id: int, db: DbSession, _: AdminPage) -> Response:
    service.delete_store(session=db, store_id=store_id)
    db.commit()
    return RedirectResponse("/catalog/stores?deleted=1", status_code=303)


# Partners


def _partner_form(
    request: Request,
    db: Session,
    *,
    form: Mapping[str, object],
    partner_id: int,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "partner_id": partner_id,
        "errors": errors or {},
        "products": service.list_products(session=db),
    }
    return _render(request, "catalog/partner_form.html", context, status_code=status_code)


@router.get("/partners/{partner_id:int}/edit")
def edit_partner_form(request: Request, partner_id: int, db: DbSession, _: AdminPage) -> Response:
    partner = partners.get_partner(session=db, partner_id=partner_id)
    contacts = partners.partner_contacts(session=db, partner_ids=[partner.id])[partner.id]
    form = {
        "name": partner.name,
        "products": [
            p.slug for p in partners.partner_products(session=db, partner_ids=[partner.id])[partner.id]
        ],
        "contacts": "\n".join(
            ", ".join(part for part in (c.name, c.email, c.phone) if part) for c in contacts
        ),
        "webhook_url": partner.webhook_url or "",
        "notes": partner.notes,
    }
    return _partner_form(request, db, form=form, partner_id=partner.id)


MAX_CONTACTS = 50


class PartnerForm(BaseModel):
    """The partner form: products ticked, one contact a line (name, then email and phone if known)."""

    name: str = Field(default="", max_length=2000)
    products: list[str] = Field(default_factory=list, max_length=500)
    contacts: str = Field(default="", max_length=20_000)
    webhook_url: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)


def contact_lines(text: str) -> list[ContactIn]:
    """`name, email, phone` a line: the email is the part with an @; either of the two may be left out."""
    found: list[ContactIn] = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.replace("，", ",").split(",") if part.strip()]
        if not parts:
            continue
        rest = parts[1:]
        emails = [part for part in rest if "@" in part]
        phones = [part for part in rest if "@" not in part]
        if len(emails) > 1 or len(phones) > 1:
            raise InvalidInput(
                "contacts: '{value}' is not 'name, email, phone'", field="contacts", value=line.strip()
            )
        found.append(ContactIn(parts[0], emails[0] if emails else "", phones[0] if phones else ""))
    if len(found) > MAX_CONTACTS:
        raise InvalidInput("contacts: at most {limit} contacts", field="contacts", limit=MAX_CONTACTS)
    return found


@router.post("/partners/{partner_id:int}/edit")
def update_partner(
    request: Request, partner_id: int, db: DbSession, _: AdminPage, data: Annotated[PartnerForm, Form()]
) -> Response:
    def change() -> int:
        partners.update_partner(
            session=db,
            partner_id=partner_id,
            name=data.name,
            product_slugs=data.products,
            contacts=contact_lines(data.contacts),
            webhook_url=data.webhook_url,
            notes=data.notes,
        )
        return partner_id

    def again(*, errors: Mapping[str, str], status_code: int) -> Response:
        partners.get_partner(session=db, partner_id=partner_id)  # a partner that is gone is a 404
        errors = {
            ("contacts" if name.startswith("contacts") else name): text for name, text in errors.items()
        }
        return _partner_form(
            request, db, form=data.model_dump(), partner_id=partner_id, errors=errors, status_code=status_code
        )

    return _save(request, db, change, done=lambda _: "/catalog/partners?saved=1", again=again)
