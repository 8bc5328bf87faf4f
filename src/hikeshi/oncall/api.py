"""JSON API of on call under /api/v1/oncall: who is on call, schedules, rotations, overrides, shifts.

Times are ISO 8601; one without an offset is a wall time in HIKESHI_TIMEZONE (Asia/Tokyo by default).
Staff read; administrators and engineers change.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from hikeshi.accounts.deps import DbSession, Now, ResponderApi, StaffApi
from hikeshi.core.timezones import in_zone
from hikeshi.oncall import editing, schemas, service
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1/oncall", tags=["on call"])
DEFAULT_SPAN = timedelta(days=14)


def _zone(request: Request) -> str:
    return str(container(request).settings.timezone)


@router.get("/now", response_model=list[schemas.OnCallNow])
def on_call_now(db: DbSession, now: Now, _: StaffApi) -> list[schemas.OnCallNow]:
    """Every schedule: who is on call now, until when, and who is next (`gap`: nobody)."""
    names = service.user_names(session=db)
    return [service.now_out(current, names) for current in service.current_shifts(session=db, now=now)]


@router.get("/schedules", response_model=list[schemas.ScheduleOut])
def list_schedules(db: DbSession, _: StaffApi) -> list[schemas.ScheduleOut]:
    return [service.schedule_out(schedule) for schedule in service.list_schedules(session=db)]


@router.post("/schedules", response_model=schemas.ScheduleOut, status_code=status.HTTP_201_CREATED)
def create_schedule(
    body: schemas.ScheduleIn, db: DbSession, now: Now, _: ResponderApi
) -> schemas.ScheduleOut:
    schedule = editing.create_schedule(
        session=db,
        name=body.name,
        timezone=body.timezone,
        description=body.description,
        team_id=body.team_id,
        now=now,
    )
    db.commit()
    return service.schedule_out(service.get_schedule(session=db, schedule_id=schedule.id))


@router.get("/schedules/{schedule_id}", response_model=schemas.ScheduleOut)
def read_schedule(schedule_id: int, db: DbSession, _: StaffApi) -> schemas.ScheduleOut:
    return service.schedule_out(service.get_schedule(session=db, schedule_id=schedule_id))


@router.put("/schedules/{schedule_id}", response_model=schemas.ScheduleOut)
def update_schedule(
    schedule_id: int, body: schemas.ScheduleIn, db: DbSession, now: Now, _: ResponderApi
) -> schemas.ScheduleOut:
    editing.update_schedule(
        session=db,
        schedule_id=schedule_id,
        name=body.name,
        timezone=body.timezone,
        description=body.description,
        team_id=body.team_id,
        now=now,
    )
    db.commit()
    return service.schedule_out(service.get_schedule(session=db, schedule_id=schedule_id))


@router.delete("/schedules/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_schedule(schedule_id: int, db: DbSession, _: ResponderApi) -> Response:
    editing.delete_schedule(session=db, schedule_id=schedule_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/schedules/{schedule_id}/shifts", response_model=schemas.ShiftsOut)
def schedule_shifts(
    schedule_id: int,
    request: Request,
    db: DbSession,
    now: Now,
    _: StaffApi,
    start: str | None = None,
    end: str | None = None,
) -> schemas.ShiftsOut:
    """The final schedule over [start, end) (default: 14 days from now); `gaps`: stretches with nobody."""
    begins = service.parse_when(start, zone=_zone(request), field="start") if start else now
    ends = service.parse_when(end, zone=_zone(request), field="end") if end else begins + DEFAULT_SPAN
    shifts = service.schedule_shifts(session=db, schedule_id=schedule_id, start=begins, end=ends)
    schedule = service.get_schedule(session=db, schedule_id=schedule_id)
    return service.shifts_out(schedule, shifts, service.user_names(session=db), begins, ends)


@router.get("/schedules/{schedule_id}/who", response_model=list[schemas.Person])
def who_is_on_call(
    schedule_id: int, request: Request, db: DbSession, now: Now, _: StaffApi, at: str | None = None
) -> list[schemas.Person]:
    """Who is on call at `at` (default now); an empty list is a gap."""
    moment = service.parse_when(at, zone=_zone(request), field="at") if at else now
    names = service.user_names(session=db)
    people = service.on_call_user_ids(session=db, schedule_id=schedule_id, at=moment)
    return [schemas.Person(id=user_id, name=names.get(user_id, "")) for user_id in people]


def _rotation_input(body: schemas.RotationIn) -> editing.RotationInput:
    return editing.RotationInput(
        name=body.name,
        kind=body.kind,
        shift_hours=body.shift_hours,
        timezone=body.timezone,
        start_date=body.start_date,
        handoff_time=body.handoff_time,
        member_ids=body.member_ids,
        restrictions=body.restrictions,
        position=body.position,
    )


@router.post(
    "/schedules/{schedule_id}/rotations",
    response_model=schemas.RotationOut,
    status_code=status.HTTP_201_CREATED,
)
def create_rotation(
    schedule_id: int, body: schemas.RotationIn, db: DbSession, now: Now, _: ResponderApi
) -> schemas.RotationOut:
    rotation = editing.create_rotation(
        session=db, schedule_id=schedule_id, given=_rotation_input(body), now=now
    )
    db.commit()
    return service.rotation_out(rotation)


@router.get("/rotations/{rotation_id}", response_model=schemas.RotationOut)
def read_rotation(rotation_id: int, db: DbSession, _: StaffApi) -> schemas.RotationOut:
    return service.rotation_out(editing.get_rotation(session=db, rotation_id=rotation_id))


@router.put("/rotations/{rotation_id}", response_model=schemas.RotationOut)
def update_rotation(
    rotation_id: int, body: schemas.RotationIn, db: DbSession, now: Now, _: ResponderApi
) -> schemas.RotationOut:
    rotation = editing.update_rotation(
        session=db, rotation_id=rotation_id, given=_rotation_input(body), now=now
    )
    db.commit()
    return service.rotation_out(rotation)


@router.delete("/rotations/{rotation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rotation(rotation_id: int, db: DbSession, _: ResponderApi) -> Response:
    editing.delete_rotation(session=db, rotation_id=rotation_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/schedules/{schedule_id}/overrides",
    response_model=schemas.OverrideOut,
    status_code=status.HTTP_201_CREATED,
)
def create_override(
    schedule_id: int, body: schemas.OverrideIn, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> schemas.OverrideOut:
    override = editing.create_override(
        session=db,
        schedule_id=schedule_id,
        kind=body.kind,
        user_id=body.user_id,
        replaced_user_id=body.replaced_user_id,
        starts_at=in_zone(body.starts_at, zone=_zone(request), field="starts_at"),
        ends_at=in_zone(body.ends_at, zone=_zone(request), field="ends_at"),
        reason=body.reason,
        created_by_id=user.id,
        now=now,
    )
    db.commit()
    return schemas.OverrideOut.model_validate(override)


@router.delete("/schedules/{schedule_id}/overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_override(schedule_id: int, override_id: int, db: DbSession, _: ResponderApi) -> Response:
    editing.delete_override(session=db, schedule_id=schedule_id, override_id=override_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
