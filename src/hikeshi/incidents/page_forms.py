"""The war room's forms: status buttons, fields, notes, tasks, recovery actions, linked inquiries.

Each form posts, then comes back to the war room; a refused change shows the war room again with
the reason (e.g. "record at least one recovery action …") and the status code of the error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hikeshi.accounts.deps import DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.core.timezones import parse_moment
from hikeshi.incidents import escalate, service, views, work
from hikeshi.incidents.deps import Number, announcing_context
from hikeshi.incidents.pages import form_context, render, room_context
from hikeshi.incidents.schemas import IncidentUpdate
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/incidents", tags=["incident pages"], include_in_schema=False)


def _apply(
    request: Request,
    db: DbSession,
    number: Number,
    user: User,
    now: datetime,
    change: Callable[[], object],
    anchor: str,
) -> Response:
    try:
        change()
    except HikeshiError as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        room = views.war_room(session=db, number=number, now=now)
        context = {**room_context(db, room, user), **form_context(db, room), "error": message}
        return render(request, "incidents/incident.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/incidents/{number}#{anchor}", status_code=303)


def _local_time(request: Request, value: str, *, field: str) -> datetime | None:
    """A `datetime-local` input, read in the viewer's time zone (the company's when signed out)."""
    if not value.strip():
        return None
    user = getattr(request.state, "user", None)
    zone = getattr(user, "timezone", None) or container(request).settings.timezone
    return parse_moment(value, zone=zone, field=field)


MAX_ID = 2_147_483_647


def _user_id(value: str) -> int | None:
    """A select's value: a user id, or "" for nobody."""
    return int(value) if value.strip().isdigit() and int(value) <= MAX_ID else None


def _count(value: str, *, field: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or int(value) > MAX_ID:
        raise InvalidInput("{field}: must be a whole number, 0 or more", field=field)
    return int(value)


@router.post("/{number}/status")
def change_status(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    def change() -> object:
        return service.change_status(
            session=db,
            number=number,
            status=status,
            reason=reason,
            by=user.id,
            now=now,
            context=announcing_context(request),
        )

    return _apply(request, db, number, user, now, change, "status")


@router.post("/{number}/fields")
def change_fields(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    title: Annotated[str, Form(max_length=500)],
    severity: Annotated[str, Form(max_length=10)],
    products: Annotated[list[str] | None, Form()] = None,
    started_at: Annotated[str, Form(max_length=40)] = "",
    detected_at: Annotated[str, Form(max_length=40)] = "",
    commander_id: Annotated[str, Form(max_length=20)] = "",
    comms_lead_id: Annotated[str, Form(max_length=20)] = "",
    hotfix_deployer_id: Annotated[str, Form(max_length=20)] = "",
    hotfix_planned_at: Annotated[str, Form(max_length=40)] = "",
    override_stores_japan: Annotated[str, Form(max_length=10)] = "",
    override_stores_overseas: Annotated[str, Form(max_length=10)] = "",
    override_web_booking: Annotated[str, Form(max_length=5)] = "",
    impact_note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    def change() -> object:
        update = IncidentUpdate(
            title=title,
            severity=severity,
            products=products or [],
            started_at=_local_time(request, started_at, field="started_at"),
            detected_at=_local_time(request, detected_at, field="detected_at"),
            commander_id=_user_id(commander_id),
            comms_lead_id=_user_id(comms_lead_id),
            hotfix_deployer_id=_user_id(hotfix_deployer_id),
            hotfix_planned_at=_local_time(request, hotfix_planned_at, field="hotfix_planned_at"),
            override_stores_japan=_count(override_stores_japan, field="override_stores_japan"),
            override_stores_overseas=_count(override_stores_overseas, field="override_stores_overseas"),
            override_web_booking={"yes": True, "no": False}.get(override_web_booking),
            impact_note=impact_note,
        )
        return service.update_incident(
            session=db, number=number, update=update, by=user.id, now=now, context=announcing_context(request)
        )

    return _apply(request, db, number, user, now, change, "fields")


@router.post("/{number}/notes")
def add_note(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    def change() -> object:
        return work.add_note(session=db, number=number, text=text, by=user.id, now=now)

    return _apply(request, db, number, user, now, change, "timeline")


@router.post("/{number}/tasks")
def add_task(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    title: Annotated[str, Form(max_length=500)] = "",
    role: Annotated[str, Form(max_length=20)] = "engineer",
    owner_id: Annotated[str, Form(max_length=20)] = "",
    due_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def change() -> object:
        return work.add_task(
            session=db,
            number=number,
            title=title,
            role=role,
            owner_id=_user_id(owner_id),
            due_at=_local_time(request, due_at, field="due_at"),
            by=user.id,
            now=now,
        )

    return _apply(request, db, number, user, now, change, "tasks")


@router.post("/{number}/tasks/{task_id}")
def tick_task(
    request: Request,
    number: Number,
    task_id: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    done: Annotated[bool, Form()] = False,
) -> Response:
    def change() -> object:
        return work.set_task_done(session=db, number=number, task_id=task_id, done=done, by=user.id, now=now)

    return _apply(request, db, number, user, now, change, "tasks")


@router.post("/{number}/actions")
def add_recovery_action(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    kind: Annotated[str, Form(max_length=20)],
    description: Annotated[str, Form(max_length=10_000)] = "",
    performed_by_id: Annotated[str, Form(max_length=20)] = "",
    performed_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    def change() -> object:
        return work.add_recovery_action(
            session=db,
            number=number,
            kind=kind,
            description=description,
            performed_by_id=_user_id(performed_by_id),
            performed_at=_local_time(request, performed_at, field="performed_at"),
            by=user.id,
            now=now,
        )

    return _apply(request, db, number, user, now, change, "recovery")


@router.post("/{number}/page")
def page_oncall(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    service: Annotated[str, Form(max_length=64)] = "",
    urgency: Annotated[str, Form(max_length=10)] = "high",
) -> Response:
    def change() -> object:
        return escalate.page_oncall(
            session=db,
            number=number,
            service=service,
            urgency=urgency,
            by=user.id,
            by_name=user.name,
            now=now,
        )

    return _apply(request, db, number, user, now, change, "pages")


@router.post("/{number}/inquiries")
def link_inquiry(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    inquiry_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def change() -> object:
        digits = inquiry_id.strip().lstrip("#")
        if not digits.isdigit() or not 1 <= int(digits) <= MAX_ID:
            raise InvalidInput("inquiry_id: give the inquiry's number", field="inquiry_id")
        ids = [int(digits)]
        return service.link_inquiries(session=db, number=number, inquiry_ids=ids, by=user.id, now=now)

    return _apply(request, db, number, user, now, change, "links")
