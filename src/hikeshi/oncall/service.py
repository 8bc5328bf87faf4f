"""Reading on-call schedules: who is on call when, the final schedule of a window, JSON shapes of them.

The computing is in `rules` (pure); this module loads rows and turns them into its dataclasses and back.
Changes are in `editing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hikeshi.accounts.models import User
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import parse_moment
from hikeshi.oncall import rules, schemas
from hikeshi.oncall.models import Rotation, Schedule

MAX_WINDOW = timedelta(days=400)
# The instants asked about (who at T, shifts from T, overrides, reports) stay well inside the calendar,
# so no computation near year 1 or 9999 ever overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
OUTSIDE = N_("{field}: '{value}' is outside the years 1900 to 2199")
LOOKAHEAD = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Current:
    """A schedule's answer now: the shift under way and the one after it (either may be a gap)."""

    schedule: Schedule
    now: rules.Shift | None
    next: rules.Shift | None


# --- reading -----------------------------------------------------------------------------------------


def _loaded() -> list[Any]:
    return [
        selectinload(Schedule.rotations).selectinload(Rotation.members),
        selectinload(Schedule.rotations).selectinload(Rotation.restrictions),
        selectinload(Schedule.overrides),
    ]


def get_schedule(*, session: Session, schedule_id: int) -> Schedule:
    schedule = session.get(Schedule, schedule_id, options=_loaded())
    if schedule is None:
        raise NotFound("schedule {value} does not exist", value=schedule_id)
    return schedule


def find_schedule(*, session: Session, name_or_id: str) -> Schedule:
    """By exact name, else by id (for the CLI)."""
    schedule = session.scalar(select(Schedule).where(Schedule.name == name_or_id.strip()))
    if schedule is None and name_or_id.strip().isdigit():
        return get_schedule(session=session, schedule_id=int(name_or_id))
    if schedule is None:
        raise NotFound("schedule '{value}' does not exist", value=name_or_id)
    return get_schedule(session=session, schedule_id=schedule.id)


def list_schedules(*, session: Session) -> list[Schedule]:
    return list(session.scalars(select(Schedule).options(*_loaded()).order_by(Schedule.name, Schedule.id)))


def spec_of(schedule: Schedule) -> rules.ScheduleSpec:
    """The pure description of a loaded schedule."""
    layers = tuple(
        rules.LayerSpec(
            id=rotation.id,
            position=rotation.position,
            timezone=rotation.timezone,
            start_date=rotation.start_date,
            handoff=rules.parse_clock(rotation.handoff_time, field="handoff_time"),
            shift_hours=rotation.shift_hours,
            member_ids=tuple(member.user_id for member in rotation.members),
            restrictions=tuple(
                rules.RestrictionSpec(
                    item.weekday,
                    rules.parse_clock(item.start_time, field="restrictions"),
                    rules.parse_clock(item.end_time, field="restrictions"),
                )
                for item in rotation.restrictions
            ),
        )
        for rotation in schedule.rotations
    )
    overrides = tuple(
        rules.OverrideSpec(
            id=item.id,
            kind=item.kind,
            user_id=item.user_id,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            replaced_user_id=item.replaced_user_id,
        )
        for item in schedule.overrides
    )
    return rules.ScheduleSpec(layers=layers, overrides=overrides)


def on_call_user_ids(*, session: Session, schedule_id: int, at: datetime) -> list[int]:
    """Who is on call on this schedule at `at` (aware): user ids, final layer order, overrides applied."""
    aware(at, field="at")
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    return list(rules.on_call_at(spec_of(schedule), at).user_ids)


def schedule_shifts(
    *, session: Session, schedule_id: int, start: datetime, end: datetime
) -> list[rules.Shift]:
    """The final schedule over [start, end), gaps included as shifts with nobody."""
    aware(start, field="start")
    aware(end, field="end")
    if end <= start:
        raise InvalidInput("end: must be after start", field="end")
    if end - start > MAX_WINDOW:
        raise InvalidInput("end: at most {limit} days after start", field="end", limit=MAX_WINDOW.days)
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    return rules.final_schedule(spec_of(schedule), start, end)


def current_shifts(*, session: Session, now: datetime) -> list[Current]:
    """Every schedule: the shift under way and the next one, looking two months ahead."""
    answers = []
    for schedule in list_schedules(session=session):
        shifts = rules.final_schedule(spec_of(schedule), now, now + LOOKAHEAD)
        answers.append(
            Current(schedule, shifts[0] if shifts else None, shifts[1] if len(shifts) > 1 else None)
        )
    return answers


def user_shifts(
    *, session: Session, user_id: int, start: datetime, end: datetime
) -> list[tuple[Schedule, rules.Shift]]:
    """One person's shifts on every schedule over [start, end), earliest first."""
    found: list[tuple[Schedule, rules.Shift]] = []
    for schedule in list_schedules(session=session):
        for shift in rules.shifts_of_user(rules.final_schedule(spec_of(schedule), start, end), user_id):
            found.append((schedule, shift))
    found.sort(key=lambda pair: (pair[1].start, pair[0].name))
    return found


def parse_when(text: str, *, zone: str, field: str) -> datetime:
    """ISO 8601 as people type it (without an offset: a wall time in `zone`), checked as `aware` checks."""
    try:
        moment = parse_moment(text, zone=zone, field=field)
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        raise InvalidInput(OUTSIDE, field=field, value=text.strip()) from None
    aware(moment, field=field)
    return moment


def aware(moment: datetime, *, field: str) -> None:
    """An instant with its time zone, within the years schedules are computed for (1900 to 2199)."""
    if moment.tzinfo is None:
        raise InvalidInput("{field}: times must carry a time zone", field=field)
    try:
        inside = EARLIEST <= moment < LATEST
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        inside = False
    if not inside:
        raise InvalidInput(OUTSIDE, field=field, value=moment.isoformat(timespec="minutes"))


def user_names(*, session: Session) -> dict[int, str]:
    """Every user's display name by id, for showing shifts."""
    return {row.id: row.name for row in session.execute(select(User.id, User.name))}


# --- JSON shapes -------------------------------------------------------------------------------------


def schedule_out(schedule: Schedule) -> schemas.ScheduleOut:
    return schemas.ScheduleOut(
        id=schedule.id,
        name=schedule.name,
        description=schedule.description,
        timezone=schedule.timezone,
        team_id=schedule.team_id,
        rotations=[rotation_out(rotation) for rotation in schedule.rotations],
        overrides=[schemas.OverrideOut.model_validate(item) for item in schedule.overrides],
    )


def rotation_out(rotation: Rotation) -> schemas.RotationOut:
    return schemas.RotationOut(
        id=rotation.id,
        schedule_id=rotation.schedule_id,
        name=rotation.name,
        position=rotation.position,
        kind=rotation.kind,
        shift_hours=rotation.shift_hours,
        timezone=rotation.timezone,
        start_date=rotation.start_date,
        handoff_time=rotation.handoff_time,
        member_ids=[member.user_id for member in rotation.members],
        restrictions=[schemas.RestrictionOut.model_validate(item) for item in rotation.restrictions],
    )


def shift_out(shift: rules.Shift, names: dict[int, str]) -> schemas.ShiftOut:
    return schemas.ShiftOut(
        start=shift.start,
        end=shift.end,
        user_ids=list(shift.user_ids),
        users=[
            schemas.Person(id=user_id, name=names.get(user_id, f"#{user_id}")) for user_id in shift.user_ids
        ],
        gap=shift.is_gap,
        source=shift.source,
        source_id=shift.source_id,
    )


def shifts_out(
    schedule: Schedule, shifts: Sequence[rules.Shift], names: dict[int, str], start: datetime, end: datetime
) -> schemas.ShiftsOut:
    shown = [shift_out(shift, names) for shift in shifts]
    return schemas.ShiftsOut(
        schedule_id=schedule.id,
        schedule=schedule.name,
        timezone=schedule.timezone,
        start=start,
        end=end,
        shifts=shown,
        gaps=[shift for shift in shown if shift.gap],
    )


def now_out(current: Current, names: dict[int, str]) -> schemas.OnCallNow:
    shift = current.now
    people = [] if shift is None else shift_out(shift, names).users
    return schemas.OnCallNow(
        schedule_id=current.schedule.id,
        schedule=current.schedule.name,
        timezone=current.schedule.timezone,
        users=people,
        until=None if shift is None or current.next is None else shift.end,
        gap=not people,
        next=None if current.next is None else shift_out(current.next, names),
    )
