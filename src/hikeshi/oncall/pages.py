"""On-call pages: /oncall (every schedule, who is on call now and next) and one schedule's page with its
layers, restrictions, overrides, upcoming shifts and feed; administrators and engineers change them.

A schedule's times are shown, and its forms read, in the schedule's own zone, which the page says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.accounts.service import list_teams, list_users
from hikeshi.core.errors import HikeshiError, InvalidInput
from hikeshi.core.i18n import N_, Translator
from hikeshi.core.timezones import common_timezones
from hikeshi.oncall import editing, feeds, grid, rules, service
from hikeshi.web.kit.context import container, translator

router = APIRouter(prefix="/oncall", tags=["on call pages"], include_in_schema=False)
UPCOMING = timedelta(days=14)
KIND_LABELS = {"daily": N_("Daily"), "weekly": N_("Weekly"), "custom": N_("Custom")}
Text = Annotated[str, Form(max_length=2000)]


def base_context(request: Request, db: Session, user: User) -> dict[str, Any]:
    return {
        "names": service.user_names(session=db),
        "can_change": Role(user.role) in RESPONDERS,
        "weekdays": grid.WEEKDAY_LABELS,
        "kind_labels": KIND_LABELS,
        "timezones": common_timezones(),
    }


def local_speaker(request: Request, zone: str) -> Translator:
    return Translator(language=translator(request).language, timezone=zone)


def _error(request: Request, error: HikeshiError) -> str:
    return error.render(translator(request).gettext)


@router.get("")
def schedules_page(request: Request, db: DbSession, now: Now, user: StaffPage) -> Response:
    context = base_context(request, db, user)
    context.update(current=service.current_shifts(session=db, now=now), teams=list_teams(session=db))
    response: Response = request.app.state.templates.render(request, "oncall/schedule_list.html", context)
    return response


@router.post("/schedules")
def create_schedule(
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Annotated[str, Form(max_length=200)],
    timezone: Annotated[str, Form(max_length=64)],
    description: Text = "",
) -> Response:
    try:
        schedule = editing.create_schedule(
            session=db, name=name, timezone=timezone, description=description, now=now
        )
    except HikeshiError as error:
        db.rollback()
        context = base_context(request, db, user)
        context.update(
            current=service.current_shifts(session=db, now=now),
            teams=list_teams(session=db),
            error=_error(request, error),
            form={"name": name, "timezone": timezone, "description": description},
        )
        response: Response = request.app.state.templates.render(
            request, "oncall/schedule_list.html", context, status_code=error.status_code
        )
        return response
    db.commit()
    return RedirectResponse(f"/oncall/schedules/{schedule.id}", status_code=303)


def schedule_page(
    request: Request,
    db: Session,
    user: User,
    now: datetime,
    schedule_id: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    feed_url: str | None = None,
    status_code: int = 200,
) -> Response:
    schedule = service.get_schedule(session=db, schedule_id=schedule_id)
    shifts = service.schedule_shifts(session=db, schedule_id=schedule_id, start=now, end=now + UPCOMING)
    context = base_context(request, db, user)
    context.update(
        schedule=schedule,
        shifts=shifts,
        layer_names={rotation.id: rotation.name for rotation in schedule.rotations},
        overrides=[override for override in schedule.overrides if override.ends_at > now],
        gaps=rules.gaps(shifts),
        local=local_speaker(request, schedule.timezone).format_datetime,
        restriction_lines={
            rotation.id: grid.restriction_lines(rotation.restrictions) for rotation in schedule.rotations
        },
        users=list_users(session=db, include_inactive=False),
        teams=list_teams(session=db),
        feed=feeds.find_feed_token(session=db, schedule_id=schedule_id),
        feed_url=feed_url,
        error=error,
        notice=notice,
        today=now.date().isoformat(),
    )
    response: Response = request.app.state.templates.render(
        request, "oncall/schedule_detail.html", context, status_code=status_code
    )
    return response


@router.get("/schedules/{schedule_id}")
def show_schedule(request: Request, schedule_id: int, db: DbSession, now: Now, user: StaffPage) -> Response:
    return schedule_page(request, db, user, now, schedule_id)


def _changed(
    request: Request, db: Session, user: User, now: datetime, schedule_id: int, action: Any
) -> Response:
    """Run one change; on bad input show the page again with the message, else go back to it."""
    try:
        action()
    except HikeshiError as error:
        db.rollback()
        return schedule_page(
            request, db, user, now, schedule_id, error=_error(request, error), status_code=error.status_code
        )
    db.commit()
    return RedirectResponse(f"/oncall/schedules/{schedule_id}", status_code=303)


@router.post("/schedules/{schedule_id}")
def update_schedule(
    request: Request,
    schedule_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Annotated[str, Form(max_length=200)],
    timezone: Annotated[str, Form(max_length=64)],
    description: Text = "",
    team_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def action() -> None:
        editing.update_schedule(
            session=db,
            schedule_id=schedule_id,
            name=name,
            timezone=timezone,
            description=description,
            team_id=_optional_int(team_id, field="team_id"),
            now=now,
        )

    return _changed(request, db, user, now, schedule_id, action)


@router.post("/schedules/{schedule_id}/delete")
def delete_schedule(schedule_id: int, db: DbSession, _: ResponderPage) -> Response:
    editing.delete_schedule(session=db, schedule_id=schedule_id)
    db.commit()
    return RedirectResponse("/oncall", status_code=303)


def _optional_int(text: str, *, field: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput("{field}: '{value}' is not a number", field=field, value=text)
    return int(text)


def rotation_input(
    *,
    name: str,
    kind: str,
    length: str,
    unit: str,
    timezone: str,
    start_date: str,
    handoff_time: str,
    member_ids: list[str],
    restrictions: str,
    position: str,
) -> editing.RotationInput:
    """The rotation form's fields: a custom length in hours or days, members in the order of the boxes."""
    hours = _optional_int(length, field="length")
    if hours is not None and unit == "days":
        hours *= 24
    try:
        first_day = date.fromisoformat(start_date.strip())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not a date such as 2026-12-07", field="start_date", value=start_date
        ) from None
    return editing.RotationInput(
        name=name,
        kind=kind,
        shift_hours=hours,
        timezone=timezone,
        start_date=first_day,
        handoff_time=handoff_time,
        member_ids=[int(value) for value in member_ids if value.strip().isdigit()],
        restrictions=restrictions.splitlines(),
        position=_optional_int(position, field="position"),
    )


@router.post("/schedules/{schedule_id}/rotations")
def create_rotation(
    request: Request,
    schedule_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Annotated[str, Form(max_length=200)],
    start_date: Annotated[str, Form(max_length=10)],
    kind: Annotated[str, Form(max_length=10)] = "weekly",
    length: Annotated[str, Form(max_length=6)] = "",
    unit: Annotated[str, Form(max_length=5)] = "hours",
    timezone: Annotated[str, Form(max_length=64)] = "Asia/Tokyo",
    handoff_time: Annotated[str, Form(max_length=5)] = "09:00",
    member_ids: Annotated[list[str] | None, Form()] = None,
    restrictions: Text = "",
    position: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    def action() -> None:
        given = rotation_input(
            name=name,
            kind=kind,
            length=length,
            unit=unit,
            timezone=timezone,
            start_date=start_date,
            handoff_time=handoff_time,
            member_ids=member_ids or [],
            restrictions=restrictions,
            position=position,
        )
        editing.create_rotation(session=db, schedule_id=schedule_id, given=given, now=now)

    return _changed(request, db, user, now, schedule_id, action)


@router.post("/rotations/{rotation_id}")
def update_rotation(
    request: Request,
    rotation_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    name: Annotated[str, Form(max_length=200)],
    start_date: Annotated[str, Form(max_length=10)],
    kind: Annotated[str, Form(max_length=10)] = "weekly",
    length: Annotated[str, Form(max_length=6)] = "",
    unit: Annotated[str, Form(max_length=5)] = "hours",
    timezone: Annotated[str, Form(max_length=64)] = "Asia/Tokyo",
    handoff_time: Annotated[str, Form(max_length=5)] = "09:00",
    member_ids: Annotated[list[str] | None, Form()] = None,
    restrictions: Text = "",
    position: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    schedule_id = editing.get_rotation(session=db, rotation_id=rotation_id).schedule_id

    def action() -> None:
        given = rotation_input(
            name=name,
            kind=kind,
            length=length,
            unit=unit,
            timezone=timezone,
            start_date=start_date,
            handoff_time=handoff_time,
            member_ids=member_ids or [],
            restrictions=restrictions,
            position=position,
        )
        editing.update_rotation(session=db, rotation_id=rotation_id, given=given, now=now)

    return _changed(request, db, user, now, schedule_id, action)


@router.post("/rotations/{rotation_id}/delete")
def delete_rotation(rotation_id: int, db: DbSession, _: ResponderPage) -> Response:
    schedule_id = editing.get_rotation(session=db, rotation_id=rotation_id).schedule_id
    editing.delete_rotation(session=db, rotation_id=rotation_id)
    db.commit()
    return RedirectResponse(f"/oncall/schedules/{schedule_id}", status_code=303)


@router.post("/schedules/{schedule_id}/overrides")
def create_override(
    request: Request,
    schedule_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    user_id: Annotated[str, Form(max_length=20)],
    starts_at: Annotated[str, Form(max_length=40)],
    ends_at: Annotated[str, Form(max_length=40)],
    kind: Annotated[str, Form(max_length=10)] = "replace",
    replaced_user_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def action() -> None:
        zone = service.get_schedule(session=db, schedule_id=schedule_id).timezone
        person = _optional_int(user_id, field="user_id")
        if person is None:
            raise InvalidInput("user_id: choose who will be on call", field="user_id")
        editing.create_override(
            session=db,
            schedule_id=schedule_id,
            kind=kind,
            user_id=person,
            replaced_user_id=_optional_int(replaced_user_id, field="replaced_user_id"),
            starts_at=service.parse_when(starts_at, zone=zone, field="starts_at"),
            ends_at=service.parse_when(ends_at, zone=zone, field="ends_at"),
            reason=reason,
            created_by_id=user.id,
            now=now,
        )

    return _changed(request, db, user, now, schedule_id, action)


@router.post("/schedules/{schedule_id}/overrides/{override_id}/delete")
def delete_override(schedule_id: int, override_id: int, db: DbSession, _: ResponderPage) -> Response:
    editing.delete_override(session=db, schedule_id=schedule_id, override_id=override_id)
    db.commit()
    return RedirectResponse(f"/oncall/schedules/{schedule_id}", status_code=303)


def feed_url(request: Request, path: str, token: str) -> str:
    base = (container(request).settings.base_url or str(request.base_url)).rstrip("/")
    return f"{base}{path}?token={token}"


@router.post("/schedules/{schedule_id}/feed")
def rotate_schedule_feed(
    request: Request, schedule_id: int, db: DbSession, now: Now, user: ResponderPage
) -> Response:
    """A new secret for the schedule's calendar feed, shown once on the page it answers with."""
    secret = feeds.issue_feed_token(session=db, schedule_id=schedule_id, now=now)
    db.commit()
    url = feed_url(request, f"/oncall/{schedule_id}.ics", secret)
    notice = translator(request).gettext("A new feed address is made; the old one no longer works.")
    return schedule_page(request, db, user, now, schedule_id, notice=notice, feed_url=url)
