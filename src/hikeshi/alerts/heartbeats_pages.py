"""The /heartbeats page: each heartbeat's state, last ping and next due time; create, pause, resume."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.alerts import heartbeats
from hikeshi.alerts.heartbeats_rules import STATE_LABELS
from hikeshi.alerts.timing import format_duration, parse_duration
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import InvalidInput
from hikeshi.core.timezones import common_timezones
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/heartbeats", tags=["heartbeat pages"], include_in_schema=False)


def _page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    created: Any = None,
    status_code: int = 200,
) -> Response:
    rows = [(h, heartbeats.heartbeat_out(h, now=now)) for h in heartbeats.list_heartbeats(session=db)]
    context = {
        "rows": rows,
        "state_labels": STATE_LABELS,
        "duration": format_duration,
        "products": list_products(session=db),
        "timezones": common_timezones(),
        "default_zone": container(request).settings.timezone,
        "can_change": Role(user.role) in RESPONDERS,
        "form": form or {},
        "error": error,
        "created": created,
    }
    response: Response = request.app.state.templates.render(
        request, "alerts/heartbeats.html", context, status_code=status_code
    )
    return response


@router.get("")
def heartbeats_page(request: Request, db: DbSession, now: Now, user: StaffPage) -> Response:
    return _page(request, db, user, now)


def _seconds(text: str, field: str) -> int | None:
    return int(parse_duration(text, field=field).total_seconds()) if text.strip() else None


@router.post("")
def create_heartbeat(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Annotated[str, Form(max_length=200)] = "",
    period: Annotated[str, Form(max_length=20)] = "",
    cron: Annotated[str, Form(max_length=100)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    grace: Annotated[str, Form(max_length=20)] = "",
    product: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Shows the page with the new ping URL, once: it is not stored."""
    form = {
        "name": name,
        "period": period,
        "cron": cron,
        "timezone": timezone,
        "grace": grace,
        "product": product,
    }
    settings = container(request).settings
    try:
        heartbeat, key = heartbeats.create_heartbeat(
            session=db,
            name=name,
            now=now,
            default_timezone=settings.timezone,
            period_seconds=_seconds(period, "period"),
            grace_seconds=_seconds(grace, "grace"),
            cron=cron,
            timezone=timezone,
            product_slug=product or None,
        )
    except InvalidInput as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _page(request, db, user, now, form=form, error=message, status_code=400)
    db.commit()
    created = {"name": heartbeat.name, "url": heartbeats.ping_url(settings.public_url(""), key)}
    return _page(request, db, user, now, created=created, status_code=201)


@router.post("/{heartbeat_id}/pause")
def pause_heartbeat(heartbeat_id: int, db: DbSession, _: ResponderPage) -> Response:
    heartbeats.pause_heartbeat(session=db, heartbeat_id=heartbeat_id)
    db.commit()
    return RedirectResponse(f"/heartbeats#heartbeat-{heartbeat_id}", status_code=303)


@router.post("/{heartbeat_id}/resume")
def resume_heartbeat(heartbeat_id: int, db: DbSession, now: Now, _: ResponderPage) -> Response:
    heartbeats.resume_heartbeat(session=db, heartbeat_id=heartbeat_id, now=now)
    db.commit()
    return RedirectResponse(f"/heartbeats#heartbeat-{heartbeat_id}", status_code=303)
