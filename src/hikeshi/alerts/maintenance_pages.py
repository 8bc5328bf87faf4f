"""The /maintenance page: windows now, ahead and past; a form to schedule one; End and Cancel buttons.

The form's times are wall-clock times in the viewer's time zone (their profile's), which the page says.
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
from hikeshi.alerts import integrations, maintenance
from hikeshi.alerts.maintenance import WindowStatus
from hikeshi.catalog.service import list_products
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.timezones import parse_moment
from hikeshi.web.kit.context import translator

router = APIRouter(prefix="/maintenance", tags=["maintenance pages"], include_in_schema=False)
PAST_SHOWN = 20


def _page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    def windows(status: WindowStatus, limit: int = 200) -> list[Any]:
        return maintenance.list_windows(session=db, now=now, status=status, limit=limit)

    context = {
        "active": windows(WindowStatus.ACTIVE),
        "upcoming": windows(WindowStatus.UPCOMING),
        "past": windows(WindowStatus.PAST, PAST_SHOWN),
        "integrations": {i.id: i for i in integrations.list_integrations(session=db)},
        "products": {p.id: p for p in list_products(session=db)},
        "can_change": Role(user.role) in RESPONDERS,
        "zone": translator(request).timezone,
        "form": form or {},
        "error": error,
        "notice": notice,
    }
    response: Response = request.app.state.templates.render(
        request, "alerts/maintenance.html", context, status_code=status_code
    )
    return response


@router.get("")
def maintenance_page(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffPage,
    created: int | None = None,
    ended: int | None = None,
) -> Response:
    speaker = translator(request)
    notice = None
    if created is not None:
        notice = speaker.gettext("Maintenance window {id} is scheduled.").format(id=created)
    elif ended is not None:
        notice = speaker.gettext("Maintenance window {id} no longer silences anything.").format(id=ended)
    return _page(request, db, user, now, notice=notice)


@router.post("")
def create_window(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    starts_at: Annotated[str, Form(max_length=40)],
    ends_at: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=500)] = "",
    integration_ids: Annotated[list[int] | None, Form()] = None,
    products: Annotated[list[str] | None, Form()] = None,
) -> Response:
    zone = translator(request).timezone
    form = {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "reason": reason,
        "integration_ids": integration_ids or [],
        "products": products or [],
    }
    try:
        window = maintenance.create_window(
            session=db,
            starts_at=parse_moment(starts_at, zone=zone, field="starts_at"),
            ends_at=parse_moment(ends_at, zone=zone, field="ends_at"),
            reason=reason,
            integration_ids=integration_ids or [],
            product_slugs=products or [],
            created_by_id=user.id,
            now=now,
        )
    except InvalidInput as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _page(request, db, user, now, form=form, error=message, status_code=400)
    db.commit()
    return RedirectResponse(f"/maintenance?created={window.id}", status_code=303)


@router.post("/{window_id}/end")
def end_window(request: Request, window_id: int, db: DbSession, now: Now, user: ResponderPage) -> Response:
    try:
        maintenance.end_window(session=db, window_id=window_id, now=now)
    except (Conflict, NotFound) as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _page(request, db, user, now, error=message, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/maintenance?ended={window_id}", status_code=303)
