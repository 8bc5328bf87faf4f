"""Tables of the inquiries domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hikeshi.db.base import Base


class Inquiry(Base):
    """What a store (or an employee, channel `internal`) told us, as support logged it."""

    __tablename__ = "inquiries"
    __table_args__ = (
        Index("ix_inquiries_product_created", "product_id", "created_at"),
        Index("ix_inquiries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="SET NULL"), index=True, default=None
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    looks_like_bug: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # The alert group engineers triage it in: its own ("looks like a bug") or its burst's.
    alert_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_groups.id", ondelete="SET NULL"), default=None
    )
    burst_id: Mapped[int | None] = mapped_column(
        ForeignKey("inquiry_bursts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]


class InquiryBurst(Base):
    """Many inquiries about one product in a short time: one alert, whose count grows with the burst.

    A burst is named by its first inquiry, so two requests that see the same window agree on it.
    """

    __tablename__ = "inquiry_bursts"
    __table_args__ = (UniqueConstraint("product_id", "first_inquiry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    first_inquiry_id: Mapped[int] = mapped_column(Integer)
    dedup_key: Mapped[str] = mapped_column(String(255))
    inquiry_count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    last_inquiry_at: Mapped[datetime]
    alert_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_groups.id", ondelete="SET NULL"), default=None
    )
