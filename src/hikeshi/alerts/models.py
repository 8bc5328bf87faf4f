"""Tables of the alerts domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base

OPEN = text("status != 'resolved'")


class Integration(Base):
    """A source of alerts: its kind picks the parser; its key (stored hashed) authenticates it."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True, default=None
    )
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grouping: Mapped[list[str]] = mapped_column(JSON, default=list)
    chat_channel: Mapped[str | None] = mapped_column(String(100), default=None)
    # Critical alerts page through this escalation policy (on-call's; no foreign key, as SQLite cannot
    # add one to an existing table in place: a policy deleted since is skipped when paging).
    escalation_policy_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # Or, with no policy, this one person directly (a one-step policy).
    page_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # A group with no new alert for this long resolves itself; None: only when the source says so.
    resolve_after_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime]
    key_rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    last_received_at: Mapped[datetime | None] = mapped_column(default=None)


class RoutingRule(Base):
    """First match wins, in `position` order; no rule matching means the integration's default."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any severity
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # all must match
    product_slug: Mapped[str | None] = mapped_column(String(64), default=None)
    post: Mapped[bool] = mapped_column(Boolean, default=True)
    chat_channel: Mapped[str | None] = mapped_column(String(100), default=None)  # None: the integration's
    escalation_policy_id: Mapped[int | None] = mapped_column(Integer, default=None)  # pages through it
    page_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )  # or pages this person directly
    drop: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertGroup(Base):
    """Alerts from one outage, by grouping key: one chat message and one page for all of them."""

    __tablename__ = "alert_groups"
    __table_args__ = (
        Index(
            "uq_alert_groups_open_key",
            "integration_id",
            "grouping_key",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index("ix_alert_groups_status_last_seen", "status", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    grouping_key: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(1024))
    severity: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True, default=None
    )
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    open_alert_count: Mapped[int] = mapped_column(Integer, default=0)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    chat_delivery_id: Mapped[int | None] = mapped_column(default=None)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Alert(Base):
    """One problem a source reported, deduplicated by (integration, dedup key) while it is open."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_dedup_key",
            "integration_id",
            "dedup_key",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index("ix_alerts_group_id", "group_id"),
        Index("ix_alerts_status_last_seen", "status", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id", ondelete="CASCADE"))
    dedup_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raw: Mapped[Any] = mapped_column(JSON, default=None)
    count: Mapped[int] = mapped_column(Integer, default=1)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


class AlertEvent(Base):
    """The history of an alert group: opened, alerts added, acknowledged, resolved, notified; who, when."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), default=None)
    kind: Mapped[str] = mapped_column(String(30))
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class ChangeEvent(Base):
    """Something that changed (a deploy, a config push): shown on incident timelines, notifies no one."""

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_occurred_at", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255), default="")
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]


class MaintenanceWindow(Base):
    """Planned work: alerts inside it are recorded and shown, and notify no one.

    It covers the listed integrations and products; with neither listed it covers everything.
    """

    __tablename__ = "maintenance_windows"
    __table_args__ = (Index("ix_maintenance_windows_span", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500))
    integration_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
