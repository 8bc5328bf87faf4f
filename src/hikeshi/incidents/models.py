"""Tables of the incidents domain: the incident, its timeline, tasks, recovery actions and links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Incident(Base):
    """Something that hurts customers' business, from triage to resolution (or dismissal).

    The impact estimate (from the catalog) is stored beside a person's corrections: `impact_*` columns
    hold the estimate, `override_*` columns (None: not corrected) what a person says instead.
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_declared", "status", "declared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # human and sequential: #12
    title: Mapped[str] = mapped_column(String(500))  # what is broken
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # alert_group | inquiry | manual
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # affected products
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every region
    impact_store_count: Mapped[int] = mapped_column(Integer, default=0)
    impact_stores_japan: Mapped[int] = mapped_column(Integer, default=0)
    impact_stores_overseas: Mapped[int] = mapped_column(Integer, default=0)
    impact_web_booking: Mapped[bool] = mapped_column(Boolean, default=False)
    impact_partner_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    impact_estimated_at: Mapped[datetime | None] = mapped_column(default=None)
    override_stores_japan: Mapped[int | None] = mapped_column(Integer, default=None)
    override_stores_overseas: Mapped[int | None] = mapped_column(Integer, default=None)
    override_web_booking: Mapped[bool | None] = mapped_column(Boolean, default=None)
    impact_note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    detected_at: Mapped[datetime | None] = mapped_column(default=None)
    declared_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")
    no_action_reason: Mapped[str] = mapped_column(Text, default="")  # resolved with no recovery action
    commander_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    comms_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # The recovery plan: who deploys the hotfix to production, and when.
    hotfix_deployer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    hotfix_planned_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Grows with every change, so the war-room page can answer "unchanged" cheaply (ETag).
    version: Mapped[int] = mapped_column(Integer, default=1)


class IncidentEvent(Base):
    """One line of the timeline: a status change, a field change, a note, a task done; who and when."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime]


class IncidentTask(Base):
    """A checklist item with an owner: created from the runbook on declaration, or added by people."""

    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    runbook_key: Mapped[str | None] = mapped_column(String(40), default=None)  # None: added by a person
    title: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))  # the role expected to do it
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]


class RecoveryAction(Base):
    """What was done to recover (hotfix deployed, data repaired, scaled up, other); who and when."""

    __tablename__ = "recovery_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    performed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    performed_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    recorded_at: Mapped[datetime]


class IncidentAlertGroup(Base):
    """An alert group the incident was declared from or linked to later."""

    __tablename__ = "incident_alert_groups"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    alert_group_id: Mapped[int] = mapped_column(
        ForeignKey("alert_groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime]


class IncidentInquiry(Base):
    """A customer inquiry linked to the incident."""

    __tablename__ = "incident_inquiries"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("inquiries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime]
