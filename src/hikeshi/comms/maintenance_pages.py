"""/notices/maintenance: scheduled maintenance announced to customers, a form to schedule one, its page.

The form's times are wall-clock times in the viewer's zone (their profile's), which the page says.
Each maintenance page lists its notices (drafted at each step), linked to the notice page where a
person allowed to speak for the company approves and publishes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.catalog.rules import REGION_LABELS
from hikeshi.catalog.service import list_products
from hikeshi.comms import maintenance
from hikeshi.comms.maintenance import MaintenanceFields
from hikeshi.comms.maintenance_rules import ALLOWED, STATUS_LABELS
from hikeshi.core.errors import HikeshiError, InvalidInput, NotFound
from hikeshi.core.timezones import parse_moment
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/notices/maintenance", tags=["maintenance pages"], include_in_schema=False)
ACTIONS = ("verify", "complete", "cancel")


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(
        request, template, context, status_code=status_code
    )
    return response


def _list_page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = maintenance.list_maintenances(session=db, now=now, limit=200)
    rows = [
        maintenance.maintenance_out(session=db, maintenance=item, now=now, with_notices=False)
        for item in found
    ]
    context = {
        "ongoing": [row for row in rows if row.status in ("scheduled", "in_progress", "verifying")],
        "past": [row for row in rows if row.status in ("completed", "cancelled")],
        "products": [product for product in list_products(session=db) if product.customer_facing],
        "regions": REGION_LABELS,
        "status_labels": STATUS_LABELS,
        "can_change": Role(user.role) in RESPONDERS,
        "zone": translator(request).timezone,
        "form": form or {},
        "error": error,
    }
    return _render(request, "comms/maintenances.html", context, status_code)


@router.get("")
def maintenances_page(request: Request, db: DbSession, now: Now, user: StaffPage) -> Response:
    return _list_page(request, db, user, now)


@router.post("")
def schedule_maintenance(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    title_ja: Annotated[str, Form(max_length=255)] = "",
    title_en: Annotated[str, Form(max_length=255)] = "",
    body_ja: Annotated[str, Form(max_length=10_000)] = "",
    body_en: Annotated[str, Form(max_length=10_000)] = "",
    scheduled_for: Annotated[str, Form(max_length=40)] = "",
    scheduled_until: Annotated[str, Form(max_length=40)] = "",
    products: Annotated[list[str] | None, Form()] = None,
    regions: Annotated[list[str] | None, Form()] = None,
) -> Response:
    zone = translator(request).timezone
    form = {
        "title_ja": title_ja,
        "title_en": title_en,
        "body_ja": body_ja,
        "body_en": body_en,
        "scheduled_for": scheduled_for,
        "scheduled_until": scheduled_until,
        "products": products or [],
        "regions": regions or [],
    }
    try:
        fields = MaintenanceFields(
            title_ja=title_ja,
            title_en=title_en,
            body_ja=body_ja,
            body_en=body_en,
            products=products or [],
            regions=regions or [],
            scheduled_for=parse_moment(scheduled_for, zone=zone, field="scheduled_for"),
            scheduled_until=parse_moment(scheduled_until, zone=zone, field="scheduled_until"),
        )
        created = maintenance.schedule_maintenance(session=db, fields=fields, by=user.id, now=now)
    except InvalidInput as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _list_page(request, db, user, now, form=form, error=message, status_code=400)
    db.commit()
    return RedirectResponse(f"/notices/maintenance/{created.id}?scheduled=1", status_code=303)


def _detail_page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    maintenance_id: int,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    found = maintenance.get_maintenance(session=db, maintenance_id=maintenance_id)
    out = maintenance.maintenance_out(session=db, maintenance=found, now=now)
    names = {product.slug: product for product in list_products(session=db)}
    can_change = Role(user.role) in RESPONDERS
    context = {
        "maintenance": out,
        "products": [names[slug] for slug in out.products if slug in names],
        "regions": REGION_LABELS,
        "status_labels": STATUS_LABELS,
        "actions": [action for action in ACTIONS if can_change and out.status in ALLOWED[action]],
        "notice": notice,
        "error": error,
    }
    return _render(request, "comms/maintenance.html", context, status_code)


@router.get("/{maintenance_id:int}")
def maintenance_page(
    request: Request,
    maintenance_id: int,
    db: DbSession,
    now: Now,
    user: StaffPage,
    scheduled: int | None = None,
) -> Response:
    notice = None
    if scheduled:
        notice = translator(request).gettext(
            "The maintenance is scheduled. Its advance notice is drafted: approve and publish it."
        )
    return _detail_page(request, db, user, now, maintenance_id, notice=notice)


@router.post("/{maintenance_id:int}/{action}")
def change_maintenance(
    request: Request, maintenance_id: int, action: str, db: DbSession, now: Now, user: ResponderPage
) -> Response:
    moves = {
        "verify": maintenance.verify_maintenance,
        "complete": maintenance.complete_maintenance,
        "cancel": maintenance.cancel_maintenance,
    }
    move = moves.get(action)
    if move is None:
        raise NotFound("There is nothing here.")
    try:
        move(session=db, maintenance_id=maintenance_id, by=user.id, now=now)
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _detail_page(
            request, db, user, now, maintenance_id, error=message, status_code=error.status_code
        )
    db.commit()
    return RedirectResponse(f"/notices/maintenance/{maintenance_id}", status_code=303)
