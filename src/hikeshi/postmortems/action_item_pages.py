"""The action items page, `/action-items`: every incident's prevention measures, with filters.

Done, cancel (with a reason) and reopen work in place with htmx (the row is swapped); without
JavaScript the same forms post and come back to the list. Overdue rows stand out. Staff read the
list; engineers and admins change any item, and an owner may mark their own item done.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.core.errors import InvalidInput, PermissionDenied
from hikeshi.postmortems import action_items
from hikeshi.postmortems.rules import ACTION_ITEM_STATUS_LABELS, ActionItemStatus, local_day
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["action item pages"], include_in_schema=False)
PAGE_SIZE: Final = 50
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
EVERY_STATUS: Final = "all"
MINE: Final = "mine"
STATUS_CHOICES: Final = (*(status.value for status in ActionItemStatus), EVERY_STATUS)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _today(request: Request, now: datetime) -> date:
    return local_day(now, container(request).settings.timezone)


def _labels(request: Request) -> dict[str, str]:
    _ = translator(request).gettext
    labels = {status.value: _(label) for status, label in ACTION_ITEM_STATUS_LABELS.items()}
    return {**labels, EVERY_STATUS: _("Every status")}


def _filters(status: str, owner: str, overdue: bool, incident: str) -> dict[str, str]:
    """The filters as the query string keeps them (the defaults left out)."""
    values = (
        ("status", "" if status == ActionItemStatus.OPEN else status),
        ("owner", owner),
        ("overdue", "1" if overdue else ""),
        ("incident", incident),
    )
    return {name: value for name, value in values if value}


def _owner_id(owner: str, user: User) -> int | None:
    if not owner:
        return None
    if owner == MINE:
        return user.id
    if not owner.isdigit():
        raise InvalidInput("owner: '{value}' is not 'mine' nor a person's id", field="owner", value=owner)
    return int(owner)


def _incident(value: str) -> int | None:
    text = value.strip().removeprefix("#")
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise InvalidInput(
            "incident: '{value}' is not an incident number such as 12", field="incident", value=value
        )
    return int(text)


@router.get("/action-items")
def action_items_page(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffPage,
    status: Annotated[str, Query(max_length=20)] = ActionItemStatus.OPEN.value,
    owner: Annotated[str, Query(max_length=20)] = "",
    overdue: bool = False,
    incident: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    error = None
    try:
        if status not in STATUS_CHOICES:
            raise InvalidInput("status must be one of: {choices}", choices=", ".join(STATUS_CHOICES))
        owner_id, number = _owner_id(owner, user), _incident(incident)
    except InvalidInput as refused:
        error = refused.render(translator(request).gettext)
        status, owner, incident, owner_id, number = ActionItemStatus.OPEN.value, "", "", None, None
    today = _today(request, now)
    listed = action_items.list_action_items(
        session=db,
        today=today,
        status=None if status == EVERY_STATUS else ActionItemStatus(status),
        owner_id=owner_id,
        overdue_on=today if overdue else None,
        incident_number=number,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = _filters(status, owner, overdue, incident)
    context = {
        "section": "action_items",
        "rows": listed.rows,
        "total": listed.total,
        "page": page,
        "pages": max(1, -(-listed.total // PAGE_SIZE)),
        "filters": filters,
        "status": status,
        "owner": owner,
        "overdue": overdue,
        "incident": incident,
        "statuses": STATUS_CHOICES,
        "owners": action_items.action_item_owners(session=db),
        "back": "/action-items" + (f"?{urlencode(filters)}" if filters else ""),
        **_row_context(request, user, today),
        "error": error,
    }
    return _render(request, "postmortems/action_items.html", context, 400 if error else 200)


def _row_context(request: Request, user: User, today: date) -> dict[str, Any]:
    return {
        "labels": _labels(request),
        "responder": Role(user.role) in RESPONDERS,
        "today": today,
    }


@router.post("/action-items/{item_id}/status")
def change_status(
    request: Request,
    item_id: Id,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=20_000)] = "",
    back: Annotated[str, Form(max_length=500)] = "/action-items",
) -> Response:
    """Done, Cancel (with a note) or Reopen; htmx gets the row back, a plain form the list."""
    htmx = request.headers.get("hx-request") == "true"
    error = None
    try:
        if status not in {s.value for s in ActionItemStatus}:
            raise InvalidInput("status must be one of: {choices}", choices=", ".join(ActionItemStatus))
        action_items.change_action_item(
            session=db,
            item_id=item_id,
            by=user,
            now=now,
            status=ActionItemStatus(status),
            note=note if note.strip() else None,
        )
    except (InvalidInput, PermissionDenied) as refused:
        if not htmx:
            raise  # the error page; the session ends unsaved (a rollback would expire the user first)
        db.rollback()
        error = refused.render(translator(request).gettext)
    else:
        db.commit()
    if not htmx:
        target = back if back.startswith("/action-items") and "//" not in back else "/action-items"
        return RedirectResponse(f"{target}#action-item-{item_id}", status_code=303)
    return _row(request, db, user, now, item_id, error)


def _row(
    request: Request, db: Session, user: User, now: datetime, item_id: int, error: str | None
) -> Response:
    today = _today(request, now)
    item = action_items.get_action_item(session=db, item_id=item_id)
    context = {
        "row": action_items.action_item_row(session=db, item=item, today=today),
        "back": "/action-items",
        "error": error,
        **_row_context(request, user, today),
    }
    # htmx swaps only 2xx answers: a refused change comes back as the row with its message.
    return _render(request, "postmortems/action_item_row.html", context)
