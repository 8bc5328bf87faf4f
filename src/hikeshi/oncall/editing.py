"""Use cases that change schedules: schedules, rotations (layers) with members and restrictions, overrides.

The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.accounts.service import get_team
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.timezones import validate_timezone
from hikeshi.oncall import rules
from hikeshi.oncall.models import Override, Restriction, Rotation, RotationMember, Schedule
from hikeshi.oncall.service import aware, get_schedule

MAX_REASON = 500


# --- schedules -----------------------------------------------------------------------------------------


def _schedule_name(session: Session, name: str, *, schedule_id: int | None = None) -> str:
    text = " ".join(name.split())
    if not text:
        raise InvalidInput("name: give the schedule a name", field="name")
    if len(text) > 200:
        raise InvalidInput("name: at most {limit} characters", field="name", limit=200)
    clash = session.scalar(select(Schedule.id).where(Schedule.name == text))
    if clash is not None and clash != schedule_id:
        raise Conflict("a schedule named '{value}' already exists", value=text)
    return text


def create_schedule(
    *,
    session: Session,
    name: str,
    timezone: str,
    now: datetime,
    description: str = "",
    team_id: int | None = None,
) -> Schedule:
    if team_id is not None:
        get_team(session=session, team_id=team_id)
    schedule = Schedule(
        name=_schedule_name(session, name),
        timezone=validate_timezone(timezone.strip()),
        description=description.strip()[:2000],
        team_id=team_id,
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    session.flush()
    return get_schedule(session=session, schedule_id=schedule.id)


def update_schedule(
    *,
    session: Session,
    schedule_id: int,
    name: str,
    timezone: str,
    now: datetime,
    description: str = "",
    team_id: int | None = None,
) -> Schedule:
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    if team_id is not None:
        get_team(session=session, team_id=team_id)
    schedule.name = _schedule_name(session, name, schedule_id=schedule_id)
    schedule.timezone = validate_timezone(timezone.strip())
    schedule.description = description.strip()[:2000]
    schedule.team_id = team_id
    schedule.updated_at = now
    session.flush()
    return schedule


def delete_schedule(*, session: Session, schedule_id: int) -> None:
    session.delete(get_schedule(session=session, schedule_id=schedule_id))
    session.flush()


# --- rotations -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RotationInput:
    """What a person sets on a rotation; `restrictions` as "mon-fri 19:00-09:00" lines."""

    name: str
    kind: str
    timezone: str
    start_date: date
    handoff_time: str
    member_ids: Sequence[int]
    shift_hours: int | None = None
    restrictions: Sequence[str] = ()
    position: int | None = None


def _apply_rotation(session: Session, rotation: Rotation, given: RotationInput) -> None:
    name = " ".join(given.name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name: give the rotation a name of at most 200 characters", field="name")
    if not given.member_ids:
        raise InvalidInput("members: a rotation needs at least one person", field="members")
    known = set(session.scalars(select(User.id).where(User.id.in_(set(given.member_ids)))))
    if missing := [user_id for user_id in given.member_ids if user_id not in known]:
        raise InvalidInput("members: user {value} does not exist", field="members", value=missing[0])
    windows = [
        window for line in given.restrictions if line.strip() for window in rules.parse_restriction_text(line)
    ]
    rotation.name = name
    rotation.kind = given.kind
    rotation.shift_hours = rules.shift_hours_of(given.kind, given.shift_hours)
    rotation.timezone = validate_timezone(given.timezone.strip())
    rotation.start_date = given.start_date
    rotation.handoff_time = rules.format_clock(rules.parse_clock(given.handoff_time, field="handoff_time"))
    rotation.members = [
        RotationMember(position=index, user_id=user_id) for index, user_id in enumerate(given.member_ids)
    ]
    rotation.restrictions = [
        Restriction(
            weekday=window.weekday,
            start_time=rules.format_clock(window.start),
            end_time=rules.format_clock(window.end),
        )
        for window in windows
    ]


def create_rotation(*, session: Session, schedule_id: int, given: RotationInput, now: datetime) -> Rotation:
    """A new layer; without a position it goes on top of the existing ones."""
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    top = max((rotation.position for rotation in schedule.rotations), default=0)
    rotation = Rotation(
        schedule_id=schedule.id,
        position=given.position if given.position is not None else top + 1,
        created_at=now,
        updated_at=now,
    )
    _apply_rotation(session, rotation, given)
    session.add(rotation)
    session.flush()
    session.expire(schedule, ["rotations"])
    return rotation


def get_rotation(*, session: Session, rotation_id: int) -> Rotation:
    rotation = session.get(Rotation, rotation_id)
    if rotation is None:
        raise NotFound("rotation {value} does not exist", value=rotation_id)
    return rotation


def update_rotation(*, session: Session, rotation_id: int, given: RotationInput, now: datetime) -> Rotation:
    rotation = get_rotation(session=session, rotation_id=rotation_id)
    rotation.members.clear()
    rotation.restrictions.clear()
    session.flush()  # the old member positions go before the new ones arrive (unique per rotation)
    _apply_rotation(session, rotation, given)
    if given.position is not None:
        rotation.position = given.position
    rotation.updated_at = now
    session.flush()
    return rotation


def delete_rotation(*, session: Session, rotation_id: int) -> None:
    session.delete(get_rotation(session=session, rotation_id=rotation_id))
    session.flush()


# --- overrides -----------------------------------------------------------------------------------------


def create_override(
    *,
    session: Session,
    schedule_id: int,
    kind: str,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    reason: str = "",
    replaced_user_id: int | None = None,
    created_by_id: int | None = None,
) -> Override:
    """`replace`: `user_id` instead of `replaced_user_id` (everyone when None); `add`: alongside."""
    schedule = get_schedule(session=session, schedule_id=schedule_id)
    if kind not in (rules.REPLACE, rules.ADD):
        raise InvalidInput("kind: '{value}' is not replace or add", field="kind", value=kind)
    aware(starts_at, field="starts_at")
    aware(ends_at, field="ends_at")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: must be after starts_at", field="ends_at")
    for field, wanted in (("user_id", user_id), ("replaced_user_id", replaced_user_id)):
        if wanted is not None and session.get(User, wanted) is None:
            raise InvalidInput("{field}: user {value} does not exist", field=field, value=wanted)
    if kind == rules.ADD and replaced_user_id is not None:
        raise InvalidInput(
            "replaced_user_id: only a replace override replaces someone", field="replaced_user_id"
        )
    text = " ".join(reason.split())
    if len(text) > MAX_REASON:
        raise InvalidInput("reason: at most {limit} characters", field="reason", limit=MAX_REASON)
    override = Override(
        schedule_id=schedule.id,
        kind=kind,
        user_id=user_id,
        replaced_user_id=replaced_user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=text,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(override)
    session.flush()
    session.expire(schedule, ["overrides"])
    return override


def delete_override(*, session: Session, schedule_id: int, override_id: int) -> None:
    override = session.get(Override, override_id)
    if override is None or override.schedule_id != schedule_id:
        raise NotFound("override {value} does not exist", value=override_id)
    session.delete(override)
    session.flush()
