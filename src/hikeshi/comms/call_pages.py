"""The call list page, `/incidents/{number}/calls`: progress, filters, the stores in priority order.

Each row records an outcome, notes or a new caller with htmx (the row and the progress are swapped,
the page is not reloaded); without JavaScript the same forms post and come back to the list. The
incident page's customer-notice panel shows the same progress with a link here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, StaffPage
from hikeshi.accounts.models import User
from hikeshi.comms import calls
from hikeshi.comms.call_rules import CALLED, OUTCOME_LABELS, TO_CALL
from hikeshi.comms.rules import CallOutcome
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents.service import get_incident
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/incidents", tags=["call pages"], include_in_schema=False)
PAGE_SIZE = 50
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
STATE_CHOICES = ("", TO_CALL, CALLED, *CallOutcome)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # stores' phone numbers: not for shared caches
    return response


def _hours(request: Request) -> str:
    hours: str = container(request).settings.store_open_hours
    return hours


def _labels(request: Request) -> dict[str, str]:
    _ = translator(request).gettext
    return {
        "": _("Every call"),
        TO_CALL: _("To call"),
        CALLED: _("Called"),
        **{outcome.value: _(label) for outcome, label in OUTCOME_LABELS.items()},
    }


def _row_context(request: Request, db: Session, number: int, call_id: int, now: datetime) -> dict[str, Any]:
    tasks = [calls.get_call(session=db, call_id=call_id)]
    return {
        "number": number,
        "rows": calls.call_rows(session=db, tasks=tasks, now=now, open_hours=_hours(request)),
        "callers": calls.callers(session=db),
        "outcomes": list(CallOutcome),
        "labels": _labels(request),
    }


@router.get("/{number}/calls")
def calls_page(
    request: Request,
    number: Id,
    db: DbSession,
    now: Now,
    user: StaffPage,
    mine: bool = False,
    state: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _page(request, db, user, now, number=number, mine=mine, state=state, page=page)


def _page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    *,
    number: int,
    mine: bool = False,
    state: str = "",
    page: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    incident = get_incident(session=db, number=number)
    if state not in STATE_CHOICES:
        error = translator(request).gettext("Choose a state from the list.")
        state, status_code = "", 400
    listed = calls.list_calls(
        session=db,
        incident_id=incident.id,
        assignee_id=user.id if mine else None,
        state=state or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "incident": incident,
        "number": incident.number,
        "progress": calls.call_progress(session=db, incident_id=incident.id),
        "rows": calls.call_rows(session=db, tasks=listed.tasks, now=now, open_hours=_hours(request)),
        "callers": calls.callers(session=db),
        "outcomes": list(CallOutcome),
        "labels": _labels(request),
        "states": STATE_CHOICES,
        "filters": {
            name: value for name, value in (("mine", "1" if mine else ""), ("state", state)) if value
        },
        "total": listed.total,
        "page": page,
        "pages": max(1, -(-listed.total // PAGE_SIZE)),
        "open_hours": _hours(request),
        "error": error,
    }
    return _render(request, "comms/calls.html", context, status_code=status_code)


@router.post("/{number}/calls/{call_id}")
def change_call(
    request: Request,
    number: Id,
    call_id: Id,
    db: DbSession,
    now: Now,
    user: StaffPage,
    outcome: Annotated[str | None, Form(max_length=20)] = None,
    notes: Annotated[str | None, Form(max_length=4000)] = None,
    assignee: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """An outcome button, the notes' Save, or Reassign; htmx gets the row and the progress back."""
    htmx = request.headers.get("hx-request") == "true"
    incident = get_incident(session=db, number=number)
    if calls.get_call(session=db, call_id=call_id).incident_id != incident.id:
        raise NotFound("call {value} does not exist", field="call", value=call_id)
    error = None
    try:
        calls.update_call(
            session=db,
            call_id=call_id,
            by=user.id,
            now=now,
            outcome=outcome or None,
            notes=notes,
            assignee_id=_assignee(assignee),
        )
    except InvalidInput as refused:
        db.rollback()
        error = refused.render(translator(request).gettext)
        if not htmx:
            return _page(request, db, user, now, number=number, error=error, status_code=refused.status_code)
    else:
        db.commit()
    if not htmx:
        return RedirectResponse(f"/incidents/{number}/calls#call-{call_id}", status_code=303)
    # htmx swaps only 2xx answers: a refused change comes back as the row with its message.
    context = _row_context(request, db, incident.number, call_id, now)
    context.update(progress=calls.call_progress(session=db, incident_id=incident.id), error=error)
    return _render(request, "comms/_call_change.html", context)


def _assignee(value: str | None) -> int | calls.Unchanged | None:
    """Not sent: unchanged; empty: unassigned; otherwise a user id (an unknown one the service refuses)."""
    if value is None:
        return calls.UNCHANGED
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput("assignee_id: '{value}' is not a person's id", field="assignee_id", value=value)
    return int(value)
