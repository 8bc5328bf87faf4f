"""Catalog pages: products, stores (search, pages, detail), partners; the store import for admins.

Forms that create and change products and stores are in `admin_pages`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AdminPage, AnyUserPage, DbSession, Now
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import Role
from hikeshi.catalog import partners, service, store_imports
from hikeshi.catalog.import_rules import COLUMNS
from hikeshi.catalog.partners import ContactIn
from hikeshi.catalog.rules import REGION_LABELS, Region
from hikeshi.core.errors import HikeshiError
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/catalog", tags=["catalog pages"], include_in_schema=False)
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 40 * 1024 * 1024


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _common(db: Session, user: User) -> dict[str, object]:
    products = service.list_products(session=db)
    return {
        "products": products,
        "product_by_id": {product.id: product for product in products},
        "regions": list(Region),
        "region_labels": REGION_LABELS,
        "is_admin": user.role == Role.ADMIN,
    }


@router.get("")
def catalog_home(_: AnyUserPage) -> Response:
    return RedirectResponse("/catalog/stores", status_code=303)


@router.get("/products")
def products_page(request: Request, db: DbSession, user: AnyUserPage, saved: bool = False) -> Response:
    counts = service.store_counts_by_product(session=db)
    context = {**_common(db, user), "store_counts": counts, "saved": saved}
    return _render(request, "catalog/products.html", context)


@router.get("/stores")
def stores_page(
    request: Request,
    db: DbSession,
    user: AnyUserPage,
    q: str = "",
    region: str = "",
    product: str = "",
    page: int = 1,
    deleted: bool = False,
) -> Response:
    page = max(page, 1)
    found = service.list_stores(
        session=db,
        search=q or None,
        region=region or None,
        product_slug=product or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    context = {
        **_common(db, user),
        "found": found,
        "filters": {"q": q, "region": region, "product": product},
        "page": page,
        "pages": pages,
        "deleted": deleted,
    }
    return _render(request, "catalog/stores.html", context)


@router.get("/stores/options")
def store_options(request: Request, db: DbSession, _: AnyUserPage, store: str = "") -> Response:
    """The inquiry form's store suggestions (htmx): stores matching what was typed."""
    found = service.list_stores(session=db, search=store or None, limit=20) if store.strip() else None
    return _render(request, "catalog/_store_options.html", {"stores": found.stores if found else []})


@router.get("/stores/{store_id:int}")
def store_page(
    request: Request, store_id: int, db: DbSession, user: AnyUserPage, saved: bool = False
) -> Response:
    store = service.get_store(session=db, store_id=store_id)
    sales_rep = (
        accounts.get_user(session=db, user_id=store.sales_rep_user_id) if store.sales_rep_user_id else None
    )
    context = {
        **_common(db, user),
        "store": store,
        "store_products": service.store_products(session=db, store_id=store.id),
        "accounts": service.store_accounts(session=db, store_id=store.id),
        "sales_rep": sales_rep,
        "saved": saved,
    }
    return _render(request, "catalog/store.html", context)


def _partners_context(db: Session, user: User) -> dict[str, object]:
    found = partners.list_partners(session=db)
    ids = [partner.id for partner in found]
    return {
        **_common(db, user),
        "partners": found,
        "contacts": partners.partner_contacts(session=db, partner_ids=ids),
        "partner_products": partners.partner_products(session=db, partner_ids=ids),
    }


@router.get("/partners")
def partners_page(request: Request, db: DbSession, user: AnyUserPage, saved: bool = False) -> Response:
    context = {**_partners_context(db, user), "form": {}, "saved": saved}
    return _render(request, "catalog/partners.html", context)


@router.post("/partners")
def create_partner(
    request: Request,
    db: DbSession,
    now: Now,
    user: AdminPage,
    name: Annotated[str, Form(max_length=200)],
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_email: Annotated[str, Form(max_length=254)] = "",
    contact_phone: Annotated[str, Form(max_length=40)] = "",
    products: Annotated[list[str] | None, Form()] = None,
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "name": name,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "products": products or [],
        "notes": notes,
    }
    contacts = [ContactIn(contact_name, contact_email, contact_phone)] if contact_name.strip() else []
    try:
        partners.create_partner(
            session=db, name=name, product_slugs=products or [], contacts=contacts, notes=notes, now=now
        )
    except HikeshiError as error:
        db.rollback()
        context = {
            **_partners_context(db, user),
            "form": form,
            "error": error.render(translator(request).gettext),
        }
        return _render(request, "catalog/partners.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse("/catalog/partners", status_code=303)


@router.get("/import")
def import_page(request: Request, db: DbSession, user: AdminPage) -> Response:
    return _render(request, "catalog/import.html", {**_common(db, user), "columns": COLUMNS})


@router.post("/import")
async def import_upload(
    request: Request, db: DbSession, now: Now, user: AdminPage, file: Annotated[UploadFile, File()]
) -> Response:
    """Keep the uploaded CSV and let a job import it; its page shows the progress, then the outcome."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        gettext = translator(request).gettext
        context: dict[str, object] = {**_common(db, user), "columns": COLUMNS, "filename": file.filename}
        context["error"] = gettext("The file is over 40 MB; import it with `hikeshi import stores`.")
        return _render(request, "catalog/import.html", context, status_code=413)
    record = store_imports.create_store_import(
        session=db, filename=file.filename or "stores.csv", data=data, user_id=user.id, now=now
    )
    db.commit()
    return RedirectResponse(f"/catalog/imports/{record.id}", status_code=303)


def _import_context(request: Request, db: Session, import_id: int) -> dict[str, object]:
    record = store_imports.get_store_import(session=db, import_id=import_id)
    gettext = translator(request).gettext
    problems = [
        (problem["line"], problem["column"], gettext(problem["message"]).format(**problem["params"]))
        for problem in record.problems
    ]
    error = record.error
    return {
        "record": record,
        "finished": record.status in store_imports.FINISHED,
        "problems": problems,
        "more": record.problem_count - len(problems),
        "error": gettext(error["message"]).format(field=error["field"], **error["params"]) if error else None,
    }


@router.get("/imports/{import_id:int}")
def import_status_page(request: Request, import_id: int, db: DbSession, user: AdminPage) -> Response:
    context = {**_common(db, user), **_import_context(request, db, import_id)}
    return _render(request, "catalog/import_status.html", context)


@router.get("/imports/{import_id:int}/progress")
def import_progress(request: Request, import_id: int, db: DbSession, _: AdminPage) -> Response:
    """The progress fragment the status page polls (htmx) until the import is done or failed."""
    return _render(request, "catalog/_import_progress.html", _import_context(request, db, import_id))
