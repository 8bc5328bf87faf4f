"""JSON shapes of the on-call schedule API and CLI."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ScheduleIn(BaseModel):
    name: str = Field(max_length=200)
    timezone: str = Field(default="Asia/Tokyo", max_length=64, description="IANA zone, e.g. Asia/Tokyo")
    description: str = Field(default="", max_length=2000)
    team_id: int | None = None


class RotationIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field(default="weekly", description="daily, weekly or custom")
    shift_hours: int | None = Field(default=None, description="custom rotations: hours per turn")
    timezone: str = Field(default="Asia/Tokyo", max_length=64, description="IANA zone of the handoff")
    start_date: date
    handoff_time: str = Field(default="09:00", max_length=5, description="HH:MM local wall-clock time")
    member_ids: list[int] = Field(min_length=1, description="in turn order")
    restrictions: list[str] = Field(
        default_factory=list, description='windows when the layer is active, e.g. "mon-fri 19:00-09:00"'
    )
    position: int | None = Field(default=None, description="higher layers win; default: on top")


class OverrideIn(BaseModel):
    kind: str = Field(default="replace", description="replace or add")
    user_id: int
    replaced_user_id: int | None = Field(default=None, description="replace: whom (default everyone)")
    starts_at: datetime = Field(description="ISO 8601; without an offset, a wall time in HIKESHI_TIMEZONE")
    ends_at: datetime = Field(description="ISO 8601; without an offset, a wall time in HIKESHI_TIMEZONE")
    reason: str = Field(default="", max_length=500)


class RestrictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    weekday: int = Field(description="Monday 0 … Sunday 6")
    start_time: str
    end_time: str


class RotationOut(BaseModel):
    id: int
    schedule_id: int
    name: str
    position: int
    kind: str
    shift_hours: int
    timezone: str
    start_date: date
    handoff_time: str
    member_ids: list[int]
    restrictions: list[RestrictionOut]


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    schedule_id: int
    kind: str
    user_id: int
    replaced_user_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by_id: int | None
    created_at: datetime


class ScheduleOut(BaseModel):
    id: int
    name: str
    description: str
    timezone: str
    team_id: int | None
    rotations: list[RotationOut]
    overrides: list[OverrideOut]


class Person(BaseModel):
    id: int
    name: str


class ShiftOut(BaseModel):
    start: datetime
    end: datetime
    user_ids: list[int]
    users: list[Person]
    gap: bool = Field(description="nobody is on call")
    source: str = Field(description="layer, override or gap")
    source_id: int | None = Field(description="the rotation or override id")


class ShiftsOut(BaseModel):
    schedule_id: int
    schedule: str
    timezone: str
    start: datetime
    end: datetime
    shifts: list[ShiftOut]
    gaps: list[ShiftOut]


class OnCallNow(BaseModel):
    schedule_id: int
    schedule: str
    timezone: str
    users: list[Person] = Field(description="on call now; empty: a gap")
    until: datetime | None
    gap: bool
    next: ShiftOut | None


class ScheduleSummary(BaseModel):
    id: int
    name: str
    timezone: str
    team_id: int | None
    layers: int
    overrides: int
