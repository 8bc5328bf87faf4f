"""Tables of the comms domain: notices and their history, scheduled maintenance, what each notice reached.

A notice is written once (Japanese and English) and fans out to the channels it names. What the public
sees is only ever a notice's own public fields (`title_*`, `body_*`, `public_status`, `impact`,
`component_statuses`), never the incident's internal title, notes or store names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Maintenance(Base):
    """Scheduled maintenance announced to customers: in advance, while it runs, and when it is over."""

    __tablename__ = "status_maintenances"
    __table_args__ = (Index("ix_status_maintenances_until", "scheduled_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ja: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255), default="")
    body_ja: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every region
    scheduled_for: Mapped[datetime]
    scheduled_until: Mapped[datetime]
    # `rules.MaintenanceStatus`; scheduled and in progress follow the clock, the rest are set by people.
    status: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Notice(Base):
    """One message to customers about an incident or a maintenance, from draft to published.

    `channels` are `rules.NoticeChannel` values. `component_statuses` maps a product id (as text,
    JSON keys are strings) to the `rules.ComponentStatus` the status page shows while this notice
    is the latest one.
    """

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_incident", "incident_id", "created_at"),
        Index("ix_notices_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), default=None
    )
    maintenance_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_maintenances.id", ondelete="CASCADE"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(20))  # rules.NoticeKind
    status: Mapped[str] = mapped_column(String(20))  # rules.NoticeStatus
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    title_ja: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255), default="")
    body_ja: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")
    # What the status page says with this notice (Statuspage vocabulary).
    public_status: Mapped[str] = mapped_column(String(20))  # rules.PublicStatus or MaintenanceStatus
    impact: Mapped[str] = mapped_column(String(10), default="minor")  # rules.Impact
    component_statuses: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Whom it concerns: the in-app feed and the email campaign select stores by these.
    product_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every region
    drafted_by_rule: Mapped[bool] = mapped_column(Boolean, default=False)  # the late-recovery rule
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    discarded_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NoticeRevision(Base):
    """The notice's history: every draft, edit, approval, publication and discard, with who and when."""

    __tablename__ = "notice_revisions"
    __table_args__ = (UniqueConstraint("notice_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # drafted, edited, approved, published, discarded
    # The notice as it stood after the action: title, body, channels, statuses.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    at: Mapped[datetime]


class CommsVersion(Base):
    """One row: grows whenever anything public changes, so feeds and the status page answer 304 cheaply."""

    __tablename__ = "comms_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1, inserted by the migration
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(default=None)


class EmailCampaign(Base):
    """The emails of one notice to the affected stores' accounts: built by a job, sent by delivery."""

    __tablename__ = "email_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # rules.CampaignStatus
    recipients_total: Mapped[int | None] = mapped_column(Integer, default=None)  # None: still counting
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class CampaignRecipient(Base):
    """One address of a campaign, in its store's language; its delivery carries the sending state."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "email"),
        Index("ix_campaign_recipients_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("email_campaigns.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="SET NULL"), default=None)
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))  # rules.RecipientStatus
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True, default=None
    )
    error: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime]


class EmailOptOut(Base):
    """An address that asked not to get notices by email (the unsubscribe link, or support on its behalf)."""

    __tablename__ = "email_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    source: Mapped[str] = mapped_column(String(20))  # link | staff
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]


class CallTask(Base):
    """One store to phone about an incident: who calls, in what order, and what came of it."""

    __tablename__ = "call_tasks"
    __table_args__ = (
        UniqueConstraint("incident_id", "store_id"),
        Index("ix_call_tasks_assignee", "assignee_user_id", "outcome"),
        Index("ix_call_tasks_incident_priority", "incident_id", "priority"),  # the list, page by page
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"), default=None)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    priority: Mapped[int] = mapped_column(Integer)  # 1 first
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)  # rules.CallOutcome; None: to call
    notes: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    called_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    called_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PartnerNotification(Base):
    """A notice sent to an affected partner, by email to a contact or by signed webhook."""

    __tablename__ = "partner_notifications"
    __table_args__ = (UniqueConstraint("notice_id", "partner_id", "channel", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
