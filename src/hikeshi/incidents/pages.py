"""Incident pages: the list with filters, the declare form, and the war room that refreshes itself.

The war room's live part is polled every few seconds; the poll names the fingerprint it shows, and
an unchanged incident is answered 204 (htmx swaps nothing) without rendering anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, ResponderPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, STAFF, Role
from hikeshi.catalog import service as catalog
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.incidents import escalate, queries, service, views
from hikeshi.incidents.deps import Number, announcing_context
from hikeshi.incidents.rules import (
    EVENT_LABELS,
    FIELD_LABELS,
    RECOVERY_LABELS,
    SEVERITY_MEANINGS,
    STATUS_LABELS,
    RecoveryKind,
    Severity,
)
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.oncall.paging_rules import STATUS_LABELS as PAGE_STATUS_LABELS
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/incidents", tags=["incident pages"], include_in_schema=False)
REFRESH_SECONDS = 5
STATE_FILTERS = ("open", "resolved", "dismissed", "all")
STATE_LABELS = {"open": "Open", "resolved": "Resolved", "dismissed": "Dismissed", "all": "All"}
TASK_ROLES = (Role.ENGINEER, Role.SUPPORT, Role.SALES, Role.ADMIN)


def render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "severity_meanings": SEVERITY_MEANINGS,
        "recovery_labels": RECOVERY_LABELS,
        "event_labels": EVENT_LABELS,
        "field_labels": FIELD_LABELS,
        "severities": list(Severity),
        "recovery_kinds": list(RecoveryKind),
        "task_roles": TASK_ROLES,
        "refresh_seconds": REFRESH_SECONDS,
        "page_status_labels": PAGE_STATUS_LABELS,
    }


@router.get("")
def list_page(
    request: Request,
    db: DbSession,
    user: AnyUserPage,
    state: str = "open",
    product: str = "",
    severity: str = "",
) -> Response:
    state = state if state in STATE_FILTERS else "open"
    found = queries.list_incidents(
        session=db, state=state, product_slug=product or None, severity=severity or None, limit=200
    )
    context = {
        **labels(),
        "incidents": found,
        "products": catalog.list_products(session=db),
        "state_filters": STATE_FILTERS,
        "state_labels": STATE_LABELS,
        "filters": {"state": state, "product": product, "severity": severity},
        "can_declare": Role(user.role) in RESPONDERS,
    }
    return render(request, "incidents/list.html", context)


@router.get("/new")
def new_page(request: Request, db: DbSession, _: ResponderPage) -> Response:
    return render(request, "incidents/new.html", _form_context(db, {"severity": "SEV2"}))


def _form_context(db: Session, form: Mapping[str, object], error: str = "") -> dict[str, object]:
    return {**labels(), "products": catalog.list_products(session=db), "form": form, "error": error}


@router.post("")
def declare(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    title: Annotated[str, Form(max_length=500)] = "",
    severity: Annotated[str, Form(max_length=10)] = "SEV2",
    products: Annotated[list[str] | None, Form()] = None,
    alert_group: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
    inquiry: Annotated[list[int] | None, Form()] = None,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """The declare form, and the "Declare incident" buttons of alert groups and inquiries."""
    try:
        new = IncidentCreate(
            title=title.strip() or None,
            severity=severity,
            products=products or [],
            alert_group_ids=[alert_group] if alert_group else [],
            inquiry_ids=inquiry or [],
            declare=confirmed,
        )
    except ValidationError:
        refused = InvalidInput("inquiry: give the inquiry's number", field="inquiry")
        message = refused.render(translator(request).gettext)
        return render(request, "incidents/new.html", _form_context(db, {}, message), status_code=400)
    # A second "Declare incident" on the same alert group or inquiry joins the incident already open.
    existing = queries.open_incident_linking(
        session=db, alert_group_ids=new.alert_group_ids, inquiry_ids=new.inquiry_ids
    )
    if existing is not None:
        return RedirectResponse(f"/incidents/{existing[0].number}?already=1", status_code=303)
    try:
        incident = service.declare_incident(
            session=db, new=new, by=user.id, now=now, context=announcing_context(request)
        )
    except HikeshiError as error:
        db.rollback()
        form = {"title": title, "severity": severity, "products": products or []}
        message = error.render(translator(request).gettext)
        return render(request, "incidents/new.html", _form_context(db, form, message), error.status_code)
    db.commit()
    return RedirectResponse(f"/incidents/{incident.number}", status_code=303)


def room_context(db: Session, room: views.WarRoom, user: User) -> dict[str, object]:
    role = Role(user.role)
    return {
        **labels(),
        "product_by_id": {product.id: product for product in catalog.list_products(session=db)},
        "parse_time": datetime.fromisoformat,
        "room": room,
        "incident": room.incident,
        "people": {uid: person.name for uid, person in room.users.items()},
        "can_change": role in RESPONDERS,
        "can_work": role in STAFF,
    }


def form_context(db: Session, room: views.WarRoom) -> dict[str, object]:
    """What the war room's forms offer: people to pick, products, services someone can page."""
    return {
        "users": accounts.list_users(session=db, include_inactive=False),
        "products": catalog.list_products(session=db),
        "page_services": escalate.pageable_services(session=db),
        "page_default": escalate.default_service(session=db, incident=room.incident),
    }


@router.get("/{number}")
def room_page(
    request: Request, number: Number, db: DbSession, now: Now, user: AnyUserPage, already: bool = False
) -> Response:
    """The war room; `already`: the visitor tried to declare again from something already linked here."""
    room = views.war_room(session=db, number=number, now=now)
    context = {**room_context(db, room, user), **form_context(db, room), "already": already}
    return render(request, "incidents/incident.html", context)


@router.get("/{number}/live")
def live_part(
    request: Request, number: Number, db: DbSession, now: Now, user: AnyUserPage, shown: str = ""
) -> Response:
    """The polled part of the war room: 204 when what the page shows is still current."""
    room = views.war_room(session=db, number=number, now=now)
    etag = f'W/"{room.fingerprint}"'
    if shown == room.fingerprint or request.headers.get("if-none-match") == etag:
        return Response(status_code=204, headers={"ETag": etag})
    response = render(request, "incidents/_live.html", room_context(db, room, user))
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response
