"""The heartbeat table: a job that must ping hikeshi on schedule, or an alert goes off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Heartbeat(Base):
    """A dead man's switch. Its alerts go through its own integration (kind `heartbeat`), so they are
    grouped, routed, posted and paged like any other alert, and silenced by maintenance windows.

    The schedule is either a period (`period_seconds`) or a cron expression read in `timezone`; a ping
    is expected by `next_due_at`, and the alert goes off `grace_seconds` after that.
    """

    __tablename__ = "heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The ping URL is a secret like an integration key: shown once, stored hashed.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    period_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    cron: Mapped[str | None] = mapped_column(String(100), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    grace_seconds: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    last_ping_at: Mapped[datetime | None] = mapped_column(default=None)
    last_ping_kind: Mapped[str | None] = mapped_column(String(10), default=None)
    last_ping_body: Mapped[str] = mapped_column(Text, default="")
    last_start_at: Mapped[datetime | None] = mapped_column(default=None)
    last_duration_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    next_due_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
