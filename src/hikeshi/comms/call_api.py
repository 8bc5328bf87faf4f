"""JSON API of the call list: `GET /api/v1/incidents/{number}/calls`, `PATCH /api/v1/calls/{id}`.

Staff read and work the list (support and sales are the callers); viewers do not see stores' phones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, StaffApi
from hikeshi.comms import calls
from hikeshi.comms.call_schemas import CallChange, CallListOut, CallOut, CallProgressOut
from hikeshi.incidents.service import get_incident
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1", tags=["calls"])
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _hours(request: Request) -> str:
    hours: str = container(request).settings.store_open_hours
    return hours


@router.get("/incidents/{number}/calls", response_model=CallListOut)
def list_calls(
    number: Id,
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffApi,
    mine: Annotated[bool, Query(description="Only the calls assigned to me")] = False,
    state: Annotated[str | None, Query(description="to_call, called, or one outcome")] = None,
    limit: Annotated[int, Query(ge=1, le=calls.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CallListOut:
    """The incident's call list in priority order, with its progress."""
    incident = get_incident(session=db, number=number)
    page = calls.list_calls(
        session=db,
        incident_id=incident.id,
        assignee_id=user.id if mine else None,
        state=state,
        limit=limit,
        offset=offset,
    )
    return _list_out(db, incident.number, incident.id, page, now=now, hours=_hours(request))


def _list_out(
    db: Session, number: int, incident_id: int, page: calls.CallPage, *, now: datetime, hours: str
) -> CallListOut:
    rows = calls.call_rows(session=db, tasks=page.tasks, now=now, open_hours=hours)
    progress = calls.call_progress(session=db, incident_id=incident_id)
    return CallListOut(
        incident_number=number,
        progress=CallProgressOut.model_validate(progress),
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        calls=[CallOut.model_validate(row) for row in rows],
    )


@router.patch("/calls/{call_id}", response_model=CallOut)
def change_call(
    call_id: Id, body: CallChange, request: Request, db: DbSession, now: Now, user: StaffApi
) -> CallOut:
    """Record an outcome (another attempt), notes, or give the call to someone else."""
    changes = body.model_fields_set
    task = calls.update_call(
        session=db,
        call_id=call_id,
        by=user.id,
        now=now,
        outcome=body.outcome,
        notes=body.notes,
        assignee_id=body.assignee_id if "assignee_id" in changes else calls.UNCHANGED,
    )
    db.commit()
    row = calls.call_rows(session=db, tasks=[task], now=now, open_hours=_hours(request))[0]
    return CallOut.model_validate(row)
