"""Tables of on-call schedules: schedules, their layers (rotations), members, restrictions, overrides, feeds.

A layer is a rotation placed on one schedule at a `position`; where several layers have someone on call,
the highest position wins. Wall-clock fields (handoff time, restriction windows) are read in the layer's
own IANA zone, so a 09:00 handoff stays at 09:00 local across daylight-saving changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hikeshi.db.base import Base


class Schedule(Base):
    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    rotations: Mapped[list[Rotation]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="Rotation.position"
    )
    overrides: Mapped[list[Override]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="Override.starts_at"
    )


class Rotation(Base):
    """One layer of a schedule: members take turns of `shift_hours` wall-clock hours from the handoff."""

    __tablename__ = "oncall_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    # daily, weekly or custom; shift_hours is the truth (24, 168, or any whole number of hours).
    kind: Mapped[str] = mapped_column(String(10))
    shift_hours: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    handoff_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local wall-clock time
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    schedule: Mapped[Schedule] = relationship(back_populates="rotations")
    members: Mapped[list[RotationMember]] = relationship(
        back_populates="rotation", cascade="all, delete-orphan", order_by="RotationMember.position"
    )
    restrictions: Mapped[list[Restriction]] = relationship(
        back_populates="rotation",
        cascade="all, delete-orphan",
        order_by="(Restriction.weekday, Restriction.start_time)",
    )


class RotationMember(Base):
    __tablename__ = "oncall_rotation_members"
    __table_args__ = (UniqueConstraint("rotation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("oncall_rotations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    rotation: Mapped[Rotation] = relationship(back_populates="members")


class Restriction(Base):
    """A weekly window in the rotation's zone when the layer is active: from `weekday` `start_time`
    until `end_time` (the next day when it is not later than the start; equal means 24 hours)."""

    __tablename__ = "oncall_restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_rotations.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0 … Sunday 6
    start_time: Mapped[str] = mapped_column(String(5))
    end_time: Mapped[str] = mapped_column(String(5))

    rotation: Mapped[Rotation] = relationship(back_populates="restrictions")


class Override(Base):
    """For a window, `replace` puts `user_id` in place of `replaced_user_id` (of everyone when empty);
    `add` puts `user_id` on call alongside whoever already is."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_span", "schedule_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    replaced_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]

    schedule: Mapped[Schedule] = relationship(back_populates="overrides")


class FeedToken(Base):
    """The secret of one iCalendar feed (a schedule's, or a person's own shifts); only its hash is kept."""

    __tablename__ = "oncall_feed_tokens"
    __table_args__ = (
        UniqueConstraint("schedule_id"),
        UniqueConstraint("user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
