"""JSON API of incidents under /api/v1/incidents: declare, read, change, resolve; notes, tasks, recovery.

Engineers and administrators change status and fields; support and sales add notes, tasks and
inquiries; everyone signed in reads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from hikeshi.accounts.deps import AnyUserApi, DbSession, Now, ResponderApi, StaffApi
from hikeshi.core.errors import InvalidInput
from hikeshi.incidents import escalate, queries, service, views, work
from hikeshi.incidents.deps import Number, announcing_context
from hikeshi.incidents.schemas import (
    EventOut,
    IncidentCreate,
    IncidentDetailOut,
    IncidentOut,
    IncidentUpdate,
    InquiryLink,
    NoteCreate,
    PageCreate,
    RecoveryActionCreate,
    RecoveryActionOut,
    StatusChange,
    TaskChange,
    TaskCreate,
    TaskOut,
)

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


def _detail(db: DbSession, number: Number, now: Any) -> IncidentDetailOut:
    return views.detail_out(views.war_room(session=db, number=number, now=now))


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    db: DbSession,
    _: AnyUserApi,
    state: str | None = None,
    product: str | None = None,
    severity: str | None = None,
    limit: int = 100,
) -> list[IncidentOut]:
    """`state`: open, closed, all, or one status (triage, investigating, …, resolved, dismissed)."""
    found = queries.list_incidents(
        session=db, state=state, product_slug=product, severity=severity, limit=limit
    )
    return [IncidentOut.model_validate(incident) for incident in found]


@router.post("", response_model=IncidentDetailOut, status_code=status.HTTP_201_CREATED)
def declare(
    body: IncidentCreate, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> IncidentDetailOut:
    incident = service.declare_incident(
        session=db, new=body, by=user.id, now=now, context=announcing_context(request)
    )
    db.commit()
    return _detail(db, incident.number, now)


@router.get("/{number}", response_model=IncidentDetailOut)
def read(number: Number, db: DbSession, now: Now, _: AnyUserApi) -> IncidentDetailOut:
    return _detail(db, number, now)


@router.patch("/{number}", response_model=IncidentDetailOut)
def update(
    number: Number, body: IncidentUpdate, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> IncidentDetailOut:
    service.update_incident(
        session=db, number=number, update=body, by=user.id, now=now, context=announcing_context(request)
    )
    db.commit()
    return _detail(db, number, now)


@router.post("/{number}/status", response_model=IncidentDetailOut)
def change_status(
    number: Number, body: StatusChange, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> IncidentDetailOut:
    """Move the incident; dismissing needs a reason, resolving needs a recovery action or a reason."""
    service.change_status(
        session=db,
        number=number,
        status=body.status,
        reason=body.reason,
        by=user.id,
        now=now,
        context=announcing_context(request),
    )
    db.commit()
    return _detail(db, number, now)


@router.post("/{number}/notes", response_model=EventOut, status_code=status.HTTP_201_CREATED)
def add_note(number: Number, body: NoteCreate, db: DbSession, now: Now, user: StaffApi) -> EventOut:
    event = work.add_note(session=db, number=number, text=body.text, by=user.id, now=now)
    db.commit()
    return EventOut.model_validate(event)


@router.post("/{number}/tasks", response_model=TaskOut, status_code=status.HTTP_201_CREATED)
def add_task(number: Number, body: TaskCreate, db: DbSession, now: Now, user: StaffApi) -> TaskOut:
    task = work.add_task(
        session=db,
        number=number,
        title=body.title,
        role=body.role,
        owner_id=body.owner_id,
        due_at=body.due_at,
        by=user.id,
        now=now,
    )
    db.commit()
    return TaskOut.model_validate(task)


@router.patch("/{number}/tasks/{task_id}", response_model=TaskOut)
def change_task(
    number: Number, task_id: Number, body: TaskChange, db: DbSession, now: Now, user: StaffApi
) -> TaskOut:
    task = None
    if "owner_id" in body.model_fields_set:
        task = work.assign_task(
            session=db, number=number, task_id=task_id, owner_id=body.owner_id, by=user.id, now=now
        )
    if body.done is not None:
        task = work.set_task_done(
            session=db, number=number, task_id=task_id, done=body.done, by=user.id, now=now
        )
    if task is None:
        raise InvalidInput("done: send done or owner_id", field="done")
    db.commit()
    return TaskOut.model_validate(task)


@router.post(
    "/{number}/recovery-actions", response_model=RecoveryActionOut, status_code=status.HTTP_201_CREATED
)
def add_recovery_action(
    number: Number, body: RecoveryActionCreate, db: DbSession, now: Now, user: ResponderApi
) -> RecoveryActionOut:
    action = work.add_recovery_action(
        session=db,
        number=number,
        kind=body.kind,
        description=body.description,
        performed_by_id=body.performed_by_id,
        performed_at=body.performed_at,
        by=user.id,
        now=now,
    )
    db.commit()
    return RecoveryActionOut.model_validate(action)


@router.post("/{number}/pages", response_model=IncidentDetailOut, status_code=status.HTTP_201_CREATED)
def page_oncall(
    number: Number, body: PageCreate, db: DbSession, now: Now, user: StaffApi
) -> IncidentDetailOut:
    """Page whoever answers for a product or team (default: the incident's product); support may too."""
    escalate.page_oncall(
        session=db,
        number=number,
        service=body.service,
        urgency=body.urgency,
        by=user.id,
        by_name=user.name,
        now=now,
    )
    db.commit()
    return _detail(db, number, now)


@router.post("/{number}/inquiries", response_model=IncidentDetailOut)
def link_inquiries(
    number: Number, body: InquiryLink, db: DbSession, now: Now, user: StaffApi
) -> IncidentDetailOut:
    service.link_inquiries(session=db, number=number, inquiry_ids=body.inquiry_ids, by=user.id, now=now)
    db.commit()
    return _detail(db, number, now)
