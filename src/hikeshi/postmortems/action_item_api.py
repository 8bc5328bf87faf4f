"""JSON API of action items across incidents: `GET /api/v1/action-items`, `GET|PATCH …/{id}`.

Staff read; engineers and admins change anything; an item's owner, whatever their role, may mark it
done (or open again).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from hikeshi.accounts.deps import AnyUserApi, DbSession, Now, StaffApi
from hikeshi.accounts.models import User
from hikeshi.core.errors import InvalidInput
from hikeshi.postmortems import action_items
from hikeshi.postmortems.action_items import ActionItemRow
from hikeshi.postmortems.rules import local_day, parse_action_item_status
from hikeshi.postmortems.schemas import ActionItemOut, ActionItemPatch
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1", tags=["action items"])
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
MINE = frozenset({"me", "mine"})


def today_of(request: Request, now: datetime) -> date:
    """Today in the company's time zone: what "overdue" is measured against."""
    return local_day(now, container(request).settings.timezone)


def item_out(row: ActionItemRow) -> ActionItemOut:
    return ActionItemOut.model_validate(asdict(row))


def owner_filter(value: str | None, user: User) -> int | None:
    """`me` or `mine` (the caller), a person's id, or nothing."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text in MINE:
        return user.id
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise InvalidInput("owner: '{value}' is not 'me' nor a person's id", field="owner", value=value)
    return int(text)


@router.get("/action-items", response_model=list[ActionItemOut])
def list_action_items(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffApi,
    status: Annotated[str | None, Query(description="open, done or cancelled")] = None,
    owner: Annotated[str | None, Query(max_length=20, description="'me' or a person's id")] = None,
    overdue: Annotated[bool, Query(description="Only open items past their due day")] = False,
    incident: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Incident number")] = None,
    due_from: Annotated[date | None, Query(description="Due on or after this day")] = None,
    due_until: Annotated[date | None, Query(description="Due on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=action_items.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[ActionItemOut]:
    """Action items across incidents, the earliest due first."""
    today = today_of(request, now)
    page = action_items.list_action_items(
        session=db,
        today=today,
        status=parse_action_item_status(status) if status else None,
        owner_id=owner_filter(owner, user),
        overdue_on=today if overdue else None,
        incident_number=incident,
        due_from=due_from,
        due_until=due_until,
        limit=limit,
        offset=offset,
    )
    return [item_out(row) for row in page.rows]


@router.get("/action-items/{item_id}", response_model=ActionItemOut)
def read_action_item(item_id: Id, request: Request, db: DbSession, now: Now, _: StaffApi) -> ActionItemOut:
    item = action_items.get_action_item(session=db, item_id=item_id)
    return item_out(action_items.action_item_row(session=db, item=item, today=today_of(request, now)))


@router.patch("/action-items/{item_id}", response_model=ActionItemOut)
def change_action_item(
    item_id: Id, body: ActionItemPatch, request: Request, db: DbSession, now: Now, user: AnyUserApi
) -> ActionItemOut:
    """Only the fields sent change; `status: cancelled` needs a `note` saying why."""
    sent = body.model_fields_set
    item = action_items.change_action_item(
        session=db,
        item_id=item_id,
        by=user,
        now=now,
        title=body.title,
        description=body.description,
        owner_id=body.owner_id if "owner_id" in sent else action_items.UNCHANGED,
        due_on=body.due_on,
        status=parse_action_item_status(body.status) if body.status is not None else None,
        note=body.note,
    )
    db.commit()
    return item_out(action_items.action_item_row(session=db, item=item, today=today_of(request, now)))
