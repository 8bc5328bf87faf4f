"""The work on an incident: its timeline, notes, tasks and recovery actions. They never commit.

Every change here is also a timeline entry and bumps the incident's version, so the war-room page
knows something changed without comparing anything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.rules import parse_role
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents.models import Incident, IncidentEvent, IncidentTask, RecoveryAction
from hikeshi.incidents.rules import RECOVERY_LABELS, RunbookTask, clean_text, parse_recovery_kind, task_due

NOTE_LIMIT = 10_000
TITLE_LIMIT = 500
TIMELINE_LIMIT = 1_000


def load_incident(session: Session, number: int, *, lock: bool = False) -> Incident:
    query = select(Incident).where(Incident.number == number)
    if lock:
        query = query.with_for_update()
    incident = session.scalar(query)
    if incident is None:
        raise NotFound("incident #{value} does not exist", value=number)
    return incident


def record_event(
    session: Session,
    incident: Incident,
    kind: str,
    now: datetime,
    *,
    by: int | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    """One timeline entry; the incident's version grows so pages polling it see the change."""
    event = IncidentEvent(
        incident_id=incident.id, kind=kind, actor_user_id=by, note=note, data=data or {}, at=now
    )
    session.add(event)
    incident.version = (incident.version or 1) + 1
    incident.updated_at = now
    return event


def user_id_of(session: Session, user_id: int | None, *, field: str) -> int | None:
    """A user id that exists (None stays None); the error names the field."""
    if user_id is None:
        return None
    try:
        accounts.get_user(session=session, user_id=user_id)
    except NotFound:
        raise NotFound("{field}: user {value} does not exist", field=field, value=user_id) from None
    return user_id


def add_note(*, session: Session, number: int, text: str, by: int | None, now: datetime) -> IncidentEvent:
    incident = load_incident(session, number, lock=True)
    event = record_event(
        session, incident, "note", now, by=by, note=clean_text(text, field="note", limit=NOTE_LIMIT)
    )
    session.flush()
    return event


def create_runbook_tasks(
    session: Session,
    incident: Incident,
    tasks: list[RunbookTask],
    *,
    support_owner_id: int | None,
    now: datetime,
) -> list[IncidentTask]:
    """The tasks declaring starts: the hotfix to whoever deploys it (else the commander), other
    engineers' tasks to the commander, support's to the comms lead if in support."""
    made = []
    for task in tasks:
        owner = incident.commander_id if task.role == "engineer" else support_owner_id
        if task.key == "hotfix" and incident.hotfix_deployer_id is not None:
            owner = incident.hotfix_deployer_id
        item = IncidentTask(
            incident_id=incident.id,
            runbook_key=task.key,
            title=task.title,
            role=task.role,
            owner_id=owner,
            due_at=task_due(
                task, declared_at=incident.declared_at or now, hotfix_planned_at=incident.hotfix_planned_at
            ),
            created_at=now,
        )
        session.add(item)
        made.append(item)
    return made


def add_task(
    *,
    session: Session,
    number: int,
    title: str,
    role: str,
    owner_id: int | None,
    due_at: datetime | None,
    by: int | None,
    now: datetime,
) -> IncidentTask:
    incident = load_incident(session, number, lock=True)
    task = IncidentTask(
        incident_id=incident.id,
        title=clean_text(title, field="title", limit=TITLE_LIMIT),
        role=parse_role(role).value,
        owner_id=user_id_of(session, owner_id, field="owner"),
        due_at=due_at,
        created_by_id=by,
        created_at=now,
    )
    session.add(task)
    session.flush()
    record_event(session, incident, "task_added", now, by=by, note=task.title, data={"task_id": task.id})
    session.flush()
    return task


def _task(session: Session, incident: Incident, task_id: int) -> IncidentTask:
    task = session.get(IncidentTask, task_id)
    if task is None or task.incident_id != incident.id:
        raise NotFound("task {value} does not exist", field="task", value=task_id)
    return task


def set_task_done(
    *, session: Session, number: int, task_id: int, done: bool, by: int | None, now: datetime
) -> IncidentTask:
    """Tick (or untick) a task of the checklist; who and when are kept."""
    incident = load_incident(session, number, lock=True)
    task = _task(session, incident, task_id)
    if done == (task.done_at is not None):
        return task
    task.done_at, task.done_by_id = (now, by) if done else (None, None)
    kind = "task_done" if done else "task_reopened"
    record_event(session, incident, kind, now, by=by, note=task.title, data={"task_id": task.id})
    session.flush()
    return task


def assign_task(
    *, session: Session, number: int, task_id: int, owner_id: int | None, by: int | None, now: datetime
) -> IncidentTask:
    incident = load_incident(session, number, lock=True)
    task = _task(session, incident, task_id)
    task.owner_id = user_id_of(session, owner_id, field="owner")
    record_event(
        session,
        incident,
        "task_assigned",
        now,
        by=by,
        note=task.title,
        data={"task_id": task.id, "owner_id": owner_id},
    )
    session.flush()
    return task


def add_recovery_action(
    *,
    session: Session,
    number: int,
    kind: str,
    description: str,
    performed_by_id: int | None,
    performed_at: datetime | None,
    by: int | None,
    now: datetime,
) -> RecoveryAction:
    """What was done to recover (a hotfix deployed, data repaired, scaled up), by whom and when."""
    incident = load_incident(session, number, lock=True)
    chosen = parse_recovery_kind(kind)
    if performed_at is not None and performed_at > now:
        raise InvalidInput("performed_at: must not be in the future", field="performed_at")
    action = RecoveryAction(
        incident_id=incident.id,
        kind=chosen.value,
        description=clean_text(description, field="description", limit=NOTE_LIMIT, required=False),
        performed_by_id=user_id_of(
            session, performed_by_id if performed_by_id is not None else by, field="by"
        ),
        performed_at=performed_at or now,
        recorded_by_id=by,
        recorded_at=now,
    )
    session.add(action)
    session.flush()
    record_event(
        session,
        incident,
        "recovery_action",
        now,
        by=by,
        note=action.description,
        data={"kind": chosen.value, "label": RECOVERY_LABELS[chosen], "action_id": action.id},
    )
    session.flush()
    return action


def count_recovery_actions(session: Session, incident_id: int) -> int:
    query = select(func.count(RecoveryAction.id)).where(RecoveryAction.incident_id == incident_id)
    return session.scalar(query) or 0


def list_events(*, session: Session, incident_id: int, limit: int = TIMELINE_LIMIT) -> list[IncidentEvent]:
    query = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def list_tasks(*, session: Session, incident_id: int) -> list[IncidentTask]:
    query = select(IncidentTask).where(IncidentTask.incident_id == incident_id).order_by(IncidentTask.id)
    return list(session.scalars(query))


def list_recovery_actions(*, session: Session, incident_id: int) -> list[RecoveryAction]:
    query = (
        select(RecoveryAction)
        .where(RecoveryAction.incident_id == incident_id)
        .order_by(RecoveryAction.performed_at, RecoveryAction.id)
    )
    return list(session.scalars(query))
