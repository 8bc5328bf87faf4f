"""Tables of the postmortems domain: one postmortem per resolved incident and its action items.

A postmortem's people-written fields come in Japanese (`*_ja`, required to publish) and English
(`*_en`, published when written). Durations, the impact figures and the timeline are not stored: they
are read from the incident when the document is built, so they are never out of date; what was
published is kept as `published_markdown`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Postmortem(Base):
    __tablename__ = "postmortems"
    __table_args__ = (Index("ix_postmortems_status", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # rules.PostmortemStatus
    symptom_ja: Mapped[str] = mapped_column(Text, default="")
    symptom_en: Mapped[str] = mapped_column(Text, default="")
    recovery_ja: Mapped[str] = mapped_column(Text, default="")
    recovery_en: Mapped[str] = mapped_column(Text, default="")
    impact_ja: Mapped[str] = mapped_column(Text, default="")
    impact_en: Mapped[str] = mapped_column(Text, default="")
    cause_ja: Mapped[str] = mapped_column(Text, default="")
    cause_en: Mapped[str] = mapped_column(Text, default="")
    # The prevention measures as prose; each measure itself is an ActionItem with an owner and a due date.
    prevention_ja: Mapped[str] = mapped_column(Text, default="")
    prevention_en: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    published_markdown: Mapped[str] = mapped_column(Text, default="")
    # Where the published copy lives: `rules.KnowledgeBaseKind`, esa's post number and URL or the file.
    kb_kind: Mapped[str] = mapped_column(String(10), default="")
    kb_post_number: Mapped[int | None] = mapped_column(Integer, default=None)
    kb_location: Mapped[str] = mapped_column(String(1000), default="")
    kb_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    kb_synced_version: Mapped[int] = mapped_column(Integer, default=0)  # `version` that reached it
    kb_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 on every change people make


class ActionItem(Base):
    """A prevention measure: what will be done, by whom, by when (a day in HIKESHI_TIMEZONE)."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_id: Mapped[int] = mapped_column(ForeignKey("postmortems.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # rules.ActionItemStatus
    note: Mapped[str] = mapped_column(Text, default="")  # why it was cancelled, how it was done
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Reminders already sent: the due day the "due soon" reminder was for, the day of the last overdue one.
    reminded_due_on: Mapped[date | None] = mapped_column(Date, default=None)
    overdue_reminded_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
