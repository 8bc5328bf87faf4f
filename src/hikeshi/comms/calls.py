"""The call list of an incident: one task per affected store, for support and sales to phone.

Publishing a notice with the `calls` channel lists the stores using the notice's products (in its
regions), in the order of `call_rules`, each with its caller. The list belongs to the incident: a
later notice adds only the stores not on it yet, after the ones already there. Callers record what
came of each call (and may change it: no answer, then reached on the second try), with notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto
from typing import Final, Literal, cast

from sqlalchemy import Executable, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hikeshi.accounts.rules import STAFF, Role
from hikeshi.accounts.service import list_users
from hikeshi.catalog.impact import affected_stores
from hikeshi.catalog.service import stores_by_id
from hikeshi.comms import call_rules
from hikeshi.comms.call_rules import CALLED, TO_CALL, StoreToCall
from hikeshi.comms.models import CallTask, Notice
from hikeshi.comms.rules import CallOutcome
from hikeshi.core.errors import InvalidInput, NotFound

INSERT_CHUNK: Final = 1_000
MAX_PAGE: Final = 500


class _Unchanged(Enum):
    UNCHANGED = auto()


UNCHANGED: Final = _Unchanged.UNCHANGED  # an argument not given (None means "unassigned")
Unchanged = Literal[_Unchanged.UNCHANGED]


@dataclass(frozen=True, slots=True)
class CallProgress:
    total: int
    to_call: int
    reached: int
    voicemail: int
    no_answer: int
    wrong_number: int

    @property
    def called(self) -> int:
        return self.total - self.to_call

    @property
    def percent_called(self) -> int:
        return 0 if self.total == 0 else self.called * 100 // self.total


def create_call_list(*, session: Session, notice: Notice, now: datetime, open_hours: str) -> int:
    """Add the notice's affected stores not yet on its incident's list; how many tasks were added."""
    if notice.incident_id is None:
        raise InvalidInput("channels: a call list is made for an incident's notice only", field="channels")
    incident_id = notice.incident_id
    hours = call_rules.parse_open_hours(open_hours)
    listed = set(session.scalars(select(CallTask.store_id).where(CallTask.incident_id == incident_id)))
    stores = [
        StoreToCall(
            store_id=row.store_id,
            name=row.name,
            timezone=row.timezone,
            sales_rep_user_id=row.sales_rep_user_id,
            uses_web_booking=row.uses_web_booking,
            affected_products=row.affected_products,
        )
        for chunk in affected_stores(
            session=session, product_ids=notice.product_ids, region_codes=notice.region_codes
        )
        for row in chunk
        if row.store_id not in listed
    ]
    if not stores:
        return 0
    ordered = call_rules.call_order(stores, now=now, hours=hours)
    people = list_users(session=session, include_inactive=False)
    support = [person.id for person in people if person.role == Role.SUPPORT]
    callers = call_rules.assign_callers(
        ordered,
        support_ids=support,
        active_ids={person.id for person in people},
        loads=_loads(session, incident_id, support),
    )
    last = session.scalar(select(func.max(CallTask.priority)).where(CallTask.incident_id == incident_id)) or 0
    rows = [
        {
            "incident_id": incident_id,
            "notice_id": notice.id,
            "store_id": store.store_id,
            "assignee_user_id": caller,
            "priority": last + position,
            "notes": "",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for position, (store, caller) in enumerate(zip(ordered, callers, strict=True), start=1)
    ]
    before = _count(session, incident_id)
    # ON CONFLICT: a second publication racing this one lists each store once, and neither fails.
    statement = _INSERTS[session.get_bind().dialect.name]
    connection = session.connection()  # a table-level insert: no ORM bookkeeping for 100,000 rows
    for start in range(0, len(rows), INSERT_CHUNK):
        connection.execute(statement, rows[start : start + INSERT_CHUNK])
    session.flush()
    return _count(session, incident_id) - before


def _insert(dialect_insert: Callable[[Table], postgresql.Insert | sqlite.Insert]) -> Executable:
    statement = dialect_insert(cast(Table, CallTask.__table__))
    return statement.on_conflict_do_nothing(index_elements=["incident_id", "store_id"])


_INSERTS = {"postgresql": _insert(postgresql.insert), "sqlite": _insert(sqlite.insert)}


def _count(session: Session, incident_id: int) -> int:
    return session.scalar(select(func.count(CallTask.id)).where(CallTask.incident_id == incident_id)) or 0


def _loads(session: Session, incident_id: int, support: Sequence[int]) -> dict[int, int]:
    if not support:
        return {}
    query = (
        select(CallTask.assignee_user_id, func.count(CallTask.id))
        .where(CallTask.incident_id == incident_id, CallTask.assignee_user_id.in_(support))
        .group_by(CallTask.assignee_user_id)
    )
    return {int(user_id or 0): int(count) for user_id, count in session.execute(query)}


def call_progress(*, session: Session, incident_id: int) -> CallProgress:
    query = (
        select(CallTask.outcome, func.count(CallTask.id))
        .where(CallTask.incident_id == incident_id)
        .group_by(CallTask.outcome)
    )
    counts: dict[str | None, int] = {outcome: int(count) for outcome, count in session.execute(query)}
    return CallProgress(
        total=sum(counts.values()),
        to_call=counts.get(None, 0),
        reached=counts.get(CallOutcome.REACHED.value, 0),
        voicemail=counts.get(CallOutcome.VOICEMAIL.value, 0),
        no_answer=counts.get(CallOutcome.NO_ANSWER.value, 0),
        wrong_number=counts.get(CallOutcome.WRONG_NUMBER.value, 0),
    )


@dataclass(frozen=True, slots=True)
class CallPage:
    tasks: list[CallTask]
    total: int  # matching the filters
    limit: int
    offset: int


def list_calls(
    *,
    session: Session,
    incident_id: int,
    assignee_id: int | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CallPage:
    """A page of the list in priority order; `state`: to_call, called, or one outcome."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("limit: must be between 1 and {limit}", field="limit", limit=MAX_PAGE)
    if offset < 0:
        raise InvalidInput("offset: must not be negative", field="offset")
    chosen = call_rules.parse_state(state)
    condition = [CallTask.incident_id == incident_id]
    if assignee_id is not None:
        condition.append(CallTask.assignee_user_id == assignee_id)
    if chosen == TO_CALL:
        condition.append(CallTask.outcome.is_(None))
    elif chosen == CALLED:
        condition.append(CallTask.outcome.is_not(None))
    elif chosen is not None:
        condition.append(CallTask.outcome == chosen)
    total = session.scalar(select(func.count(CallTask.id)).where(*condition)) or 0
    query = select(CallTask).where(*condition).order_by(CallTask.priority, CallTask.id)
    tasks = list(session.scalars(query.limit(limit).offset(offset)))
    return CallPage(tasks=tasks, total=total, limit=limit, offset=offset)


def get_call(*, session: Session, call_id: int) -> CallTask:
    task = session.get(CallTask, call_id)
    if task is None:
        raise NotFound("call {value} does not exist", field="call", value=call_id)
    return task


def update_call(
    *,
    session: Session,
    call_id: int,
    by: int,
    now: datetime,
    outcome: str | None = None,
    notes: str | None = None,
    assignee_id: int | Unchanged | None = UNCHANGED,
) -> CallTask:
    """Record an outcome (each one counts an attempt, and may replace the last), notes, or a caller."""
    task = get_call(session=session, call_id=call_id)
    if outcome is not None:
        task.outcome = call_rules.parse_outcome(outcome).value
        task.attempts += 1
        task.called_by_id = by
        task.called_at = now
    if notes is not None:
        task.notes = call_rules.validate_notes(notes)
    if assignee_id is not UNCHANGED:
        task.assignee_user_id = _caller(session, assignee_id)
    task.updated_at = now
    session.flush()
    return task


def _caller(session: Session, user_id: int | None) -> int | None:
    if user_id is None:
        return None
    active = {person.id: person for person in list_users(session=session, include_inactive=False)}
    person = active.get(user_id)
    if person is None or Role(person.role) not in STAFF:
        raise InvalidInput(
            "assignee_id: {value} is not an active member of staff", field="assignee_id", value=user_id
        )
    return person.id


def callers(*, session: Session) -> list[tuple[int, str]]:
    """Who may be given a call: active staff, support and sales first, by name."""
    order = {Role.SUPPORT: 0, Role.SALES: 1}
    people = [p for p in list_users(session=session, include_inactive=False) if Role(p.role) in STAFF]
    people.sort(key=lambda person: (order.get(Role(person.role), 2), person.name, person.id))
    return [(person.id, person.name) for person in people]


@dataclass(frozen=True, slots=True)
class CallRow:
    """One call as the list shows it: the task, its store and the store's time now, the names."""

    id: int
    incident_id: int
    priority: int
    store_id: int
    store_name: str
    store_external_id: str
    phone: str
    timezone: str
    local_time: datetime
    open_now: bool
    assignee_id: int | None
    assignee_name: str | None
    outcome: str | None
    notes: str
    attempts: int
    called_by_id: int | None
    called_by_name: str | None
    called_at: datetime | None
    updated_at: datetime


def call_rows(
    *, session: Session, tasks: Sequence[CallTask], now: datetime, open_hours: str
) -> list[CallRow]:
    """The tasks with their stores (one query per page, not per row) and whether each is open now."""
    hours = call_rules.parse_open_hours(open_hours)
    stores = stores_by_id(session=session, store_ids=[task.store_id for task in tasks])
    names = {person.id: person.name for person in list_users(session=session)}
    rows = []
    for task in tasks:
        store = stores[task.store_id]
        rows.append(
            CallRow(
                id=task.id,
                incident_id=task.incident_id,
                priority=task.priority,
                store_id=store.id,
                store_name=store.name,
                store_external_id=store.external_id,
                phone=store.phone,
                timezone=store.timezone,
                local_time=call_rules.local_time(now, store.timezone),
                open_now=call_rules.is_open(hours, now=now, zone=store.timezone),
                assignee_id=task.assignee_user_id,
                assignee_name=names.get(task.assignee_user_id) if task.assignee_user_id else None,
                outcome=task.outcome,
                notes=task.notes,
                attempts=task.attempts,
                called_by_id=task.called_by_id,
                called_by_name=names.get(task.called_by_id) if task.called_by_id else None,
                called_at=task.called_at,
                updated_at=task.updated_at,
            )
        )
    return rows
