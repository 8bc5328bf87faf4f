"""Action items (prevention measures): added on a postmortem, owned by one person, due on a day.

They outlive their postmortem's publication: owners mark them done long after, and the list across
incidents (`list_action_items`) and the reminders follow them until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, auto
from typing import Final, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.core.errors import InvalidInput, NotFound, PermissionDenied
from hikeshi.incidents.models import Incident
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.rules import MAX_TITLE, ActionItemStatus, clean_text


class _Unchanged(Enum):
    UNCHANGED = auto()


UNCHANGED: Final = _Unchanged.UNCHANGED  # an argument not given (None means "nobody")
Unchanged = Literal[_Unchanged.UNCHANGED]


def owner_or_none(session: Session, owner_id: int | None) -> int | None:
    """`owner_id` when it names an active user (a postmortem's or an action item's owner), else 400."""
    if owner_id is None:
        return None
    person = session.get(User, owner_id)
    if person is None or not person.is_active:
        raise InvalidInput(
            "owner: user {value} does not exist or is deactivated", value=owner_id, field="owner"
        )
    return person.id


def get_action_item(*, session: Session, item_id: int, lock: bool = False) -> ActionItem:
    query = select(ActionItem).where(ActionItem.id == item_id)
    if lock:
        query = query.with_for_update()
    item = session.scalars(query).one_or_none()
    if item is None:
        raise NotFound("Action item {item_id} does not exist", item_id=item_id)
    return item


def action_items_of(*, session: Session, postmortem_id: int) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.postmortem_id == postmortem_id)
    return list(session.scalars(query.order_by(ActionItem.due_on, ActionItem.id)))


def create_action_item(
    *,
    session: Session,
    postmortem_id: int,
    title: str,
    due_on: date,
    owner_id: int | None,
    description: str = "",
    created_by_id: int | None,
    now: datetime,
) -> ActionItem:
    postmortem = session.get(Postmortem, postmortem_id)
    if postmortem is None:
        raise NotFound("Postmortem {postmortem_id} does not exist", postmortem_id=postmortem_id)
    item = ActionItem(
        postmortem_id=postmortem.id,
        incident_id=postmortem.incident_id,
        title=clean_text(title, field="title", limit=MAX_TITLE, required=True),
        description=clean_text(description, field="description"),
        owner_id=owner_or_none(session, owner_id),
        due_on=due_on,
        status=ActionItemStatus.OPEN.value,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def update_action_item(
    *,
    session: Session,
    item_id: int,
    now: datetime,
    title: str | None = None,
    description: str | None = None,
    owner_id: int | Unchanged | None = UNCHANGED,
    due_on: date | None = None,
) -> ActionItem:
    item = get_action_item(session=session, item_id=item_id, lock=True)
    if title is not None:
        item.title = clean_text(title, field="title", limit=MAX_TITLE, required=True)
    if description is not None:
        item.description = clean_text(description, field="description")
    if owner_id is not UNCHANGED:
        item.owner_id = owner_or_none(session, owner_id)
    if due_on is not None and due_on != item.due_on:
        item.due_on = due_on
        # A new due day earns its own reminders.
        item.reminded_due_on = None
        item.overdue_reminded_on = None
    item.updated_at = now
    session.flush()
    return item


def set_action_item_status(
    *,
    session: Session,
    item_id: int,
    status: ActionItemStatus,
    user_id: int | None,
    now: datetime,
    note: str = "",
) -> ActionItem:
    """Done, cancelled (with a reason) or open again; setting the status it has changes nothing."""
    item = get_action_item(session=session, item_id=item_id, lock=True)
    if status == ActionItemStatus.CANCELLED and not note.strip():
        raise InvalidInput("note: say why the action item is cancelled", field="note")
    if item.status == status.value:
        return item
    item.status = status.value
    item.note = clean_text(note, field="note") or item.note
    if status == ActionItemStatus.OPEN:
        item.done_at = None
        item.done_by_id = None
    else:
        item.done_at = now
        item.done_by_id = user_id
    item.updated_at = now
    session.flush()
    return item


MAX_PAGE: Final = 500


@dataclass(frozen=True, slots=True)
class ActionItemRow:
    """An action item as lists show it: with its incident and owner, and whether it is overdue."""

    id: int
    postmortem_id: int
    incident_id: int
    incident_number: int
    incident_title: str
    title: str
    description: str
    owner_id: int | None
    owner_name: str | None
    due_on: date
    status: str
    note: str
    done_at: datetime | None
    overdue: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ActionItemPage:
    total: int  # items matching the filters
    limit: int
    offset: int
    rows: list[ActionItemRow]


def is_overdue(item: ActionItem, *, today: date) -> bool:
    """Open and due before today (a day in the company's time zone): due today is not late yet."""
    return item.status == ActionItemStatus.OPEN and item.due_on < today


def list_action_items(
    *,
    session: Session,
    today: date,
    status: ActionItemStatus | None = None,
    owner_id: int | None = None,
    overdue_on: date | None = None,
    incident_number: int | None = None,
    due_from: date | None = None,
    due_until: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ActionItemPage:
    """Action items across incidents, the earliest due first; `overdue_on`: only those late on that day.

    `today` (in HIKESHI_TIMEZONE) decides each row's `overdue`.
    """
    if due_from is not None and due_until is not None and due_from > due_until:
        raise InvalidInput("due_from: {value} is after due_until", field="due_from", value=due_from)
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    query: Select[tuple[ActionItem]] = select(ActionItem)
    if status is not None:
        query = query.where(ActionItem.status == status.value)
    if owner_id is not None:
        query = query.where(ActionItem.owner_id == owner_id)
    if overdue_on is not None:
        query = query.where(ActionItem.status == ActionItemStatus.OPEN.value, ActionItem.due_on < overdue_on)
    if incident_number is not None:
        query = query.join(Incident, Incident.id == ActionItem.incident_id).where(
            Incident.number == incident_number
        )
    if due_from is not None:
        query = query.where(ActionItem.due_on >= due_from)
    if due_until is not None:
        query = query.where(ActionItem.due_on <= due_until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(ActionItem.due_on, ActionItem.id).limit(limit).offset(offset)
    rows = action_item_rows(session=session, items=list(session.scalars(ordered)), today=today)
    return ActionItemPage(total=total, limit=limit, offset=offset, rows=rows)


def action_item_rows(*, session: Session, items: Sequence[ActionItem], today: date) -> list[ActionItemRow]:
    """Rows for these items, with two queries for their incidents and owners whatever their number."""
    incident_ids = {item.incident_id for item in items}
    owner_ids = {item.owner_id for item in items if item.owner_id is not None}
    incidents = {
        row.id: (row.number, row.title)
        for row in session.execute(
            select(Incident.id, Incident.number, Incident.title).where(Incident.id.in_(incident_ids))
        )
    }
    names = {
        row.id: row.name for row in session.execute(select(User.id, User.name).where(User.id.in_(owner_ids)))
    }
    return [
        ActionItemRow(
            id=item.id,
            postmortem_id=item.postmortem_id,
            incident_id=item.incident_id,
            incident_number=incidents[item.incident_id][0],
            incident_title=incidents[item.incident_id][1],
            title=item.title,
            description=item.description,
            owner_id=item.owner_id,
            owner_name=names.get(item.owner_id) if item.owner_id is not None else None,
            due_on=item.due_on,
            status=item.status,
            note=item.note,
            done_at=item.done_at,
            overdue=is_overdue(item, today=today),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
        for item in items
    ]


def action_item_owners(*, session: Session) -> list[tuple[int, str]]:
    """Everyone who owns an action item, by name: the choices of the list's owner filter."""
    query = (
        select(User.id, User.name)
        .where(User.id.in_(select(ActionItem.owner_id).where(ActionItem.owner_id.is_not(None))))
        .order_by(User.name, User.id)
    )
    return [(row.id, row.name) for row in session.execute(query)]


def action_item_row(*, session: Session, item: ActionItem, today: date) -> ActionItemRow:
    return action_item_rows(session=session, items=[item], today=today)[0]


def check_may_change(
    *, user: User, item: ActionItem, fields: set[str], status: ActionItemStatus | None = None
) -> None:
    """Engineers and admins change anything; an item's owner, whatever their role, may mark it done
    (or open again, to undo that) with a note."""
    if Role(user.role) in RESPONDERS:
        return
    own = item.owner_id is not None and item.owner_id == user.id
    undo = status == ActionItemStatus.OPEN and item.status == ActionItemStatus.DONE
    if own and fields <= {"status", "note"} and (status in (None, ActionItemStatus.DONE) or undo):
        return
    raise PermissionDenied(
        "Only engineers and admins may change this action item; its owner may mark it done"
    )


def change_action_item(
    *,
    session: Session,
    item_id: int,
    by: User,
    now: datetime,
    title: str | None = None,
    description: str | None = None,
    owner_id: int | Unchanged | None = UNCHANGED,
    due_on: date | None = None,
    status: ActionItemStatus | None = None,
    note: str | None = None,
) -> ActionItem:
    """What a person asks for in one go (the API's PATCH, a button): checked, then edited, then moved."""
    item = get_action_item(session=session, item_id=item_id, lock=True)
    given = {
        name
        for name, value in (
            ("title", title),
            ("description", description),
            ("due_on", due_on),
            ("status", status),
            ("note", note),
        )
        if value is not None
    }
    if owner_id is not UNCHANGED:
        given.add("owner_id")
    check_may_change(user=by, item=item, fields=given, status=status)
    if given & {"title", "description", "owner_id", "due_on"}:
        update_action_item(
            session=session,
            item_id=item.id,
            now=now,
            title=title,
            description=description,
            owner_id=owner_id,
            due_on=due_on,
        )
    if status is not None and status.value != item.status:
        return set_action_item_status(
            session=session, item_id=item.id, status=status, user_id=by.id, now=now, note=note or ""
        )
    if note is not None:
        item.note = clean_text(note, field="note")
        item.updated_at = now
        session.flush()
    return item
