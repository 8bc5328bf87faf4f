"""Tables of paging: escalation policies and steps, personal notification rules, pages and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hikeshi.db.base import Base


class EscalationPolicy(Base):
    """Who is paged, in which order and after how long; the products and team it answers for."""

    __tablename__ = "escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True, default=None
    )
    # After the last step, the steps run again this many times; then the page is exhausted.
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    steps: Mapped[list[EscalationStep]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="EscalationStep.position"
    )
    products: Mapped[list[EscalationPolicyProduct]] = relationship(cascade="all, delete-orphan")


class EscalationStep(Base):
    """One rung: everyone it targets is notified; `delay_minutes` later the next step runs."""

    __tablename__ = "escalation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    delay_minutes: Mapped[int] = mapped_column(Integer)
    # [{"type": "user" | "schedule", "id": 12}]: schedules are resolved to people when the step runs.
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    policy: Mapped[EscalationPolicy] = relationship(back_populates="steps")


class EscalationPolicyProduct(Base):
    """A product the policy covers: "page web-booking" finds its policy through this."""

    __tablename__ = "escalation_policy_products"

    policy_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NotificationRule(Base):
    """How one person wants to be reached: a contact method, after a delay, for one urgency."""

    __tablename__ = "notification_rules"
    __table_args__ = (Index("ix_notification_rules_user_urgency", "user_id", "urgency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_method_id: Mapped[int] = mapped_column(
        ForeignKey("contact_methods.id", ondelete="CASCADE"), index=True
    )
    urgency: Mapped[str] = mapped_column(String(10))
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class Page(Base):
    """One escalation run: it walks a snapshot of its policy until someone acknowledges it."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_status_created", "status", "created_at"),
        Index("ix_pages_source", "source_kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1024))
    message: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_policies.id", ondelete="SET NULL"), index=True, default=None
    )
    # The policy as it was when the page started: editing the policy never changes a page in flight.
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the page is about: ("alert_group", 12), ("manual", None), ("slack", None).
    source_kind: Mapped[str] = mapped_column(String(30), default="manual")
    source_id: Mapped[int | None] = mapped_column(Integer, default=None)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    exhausted_at: Mapped[datetime | None] = mapped_column(default=None)


class PageEvent(Base):
    """The page's timeline: started, step, notified, suppressed, escalated, acknowledged, resolved…"""

    __tablename__ = "page_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    note: Mapped[str] = mapped_column(String(2000), default="")
    at: Mapped[datetime]


class PageNotification(Base):
    """One notification for a person (or one the rate limit held back): counted for limits and reports."""

    __tablename__ = "page_notifications"
    __table_args__ = (Index("ix_page_notifications_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    step_index: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    at_night: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_id: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime]
