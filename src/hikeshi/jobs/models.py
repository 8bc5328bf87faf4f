"""The `jobs` table: the outbox every message and timer goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids, the outbox never wraps.
JobId = BigInteger().with_variant(Integer(), "sqlite")


class Job(Base):
    """One unit of work: pending → running → succeeded, or back to pending to retry, or dead."""

    __tablename__ = "jobs"
    # Claiming walks this index in order (status = 'pending', soonest due first, oldest first among
    # equals) and stops after a batch; without `id` PostgreSQL would sort every due job to find them.
    __table_args__ = (Index("ix_jobs_status_due_at", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(JobId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None: the kind's own maximum (JobSpec.max_attempts), looked up when the job runs.
    max_attempts: Mapped[int | None] = mapped_column(Integer, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    replace_key: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    locked_by: Mapped[str | None] = mapped_column(String(100), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
