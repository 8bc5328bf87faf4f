"""Where an incident's internal announcement went, and what it said last (to tell what changed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class IncidentAnnouncement(Base):
    """One per announced incident: the channel post kept current in place, the all-staff emails."""

    __tablename__ = "incident_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    chat_channel: Mapped[str] = mapped_column(String(200), default="")  # "" : no chat post
    # The channel post (a delivery): its updates and thread replies refer to it.
    chat_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), default=None
    )
    email_address: Mapped[str] = mapped_column(String(254), default="")  # "" : no email
    emails_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_emailed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_emailed_status: Mapped[str] = mapped_column(String(20), default="")
    # The facts as last announced (`announcement.Facts.to_json`) and their digest.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    facts_hash: Mapped[str] = mapped_column(String(64), default="")
    revisions: Mapped[int] = mapped_column(Integer, default=1)  # 1: as first posted
    posted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
