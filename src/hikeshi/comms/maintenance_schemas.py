"""JSON shapes of the scheduled-maintenance API and CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

TITLE_LIMIT = 255
BODY_LIMIT = 10_000
TIME_HELP = "ISO 8601; without an offset, a wall time in HIKESHI_TIMEZONE"


class MaintenanceCreate(BaseModel):
    title_ja: str = Field(max_length=TITLE_LIMIT, description="What customers read, in Japanese")
    title_en: str = Field(default="", max_length=TITLE_LIMIT)
    body_ja: str = Field(default="", max_length=BODY_LIMIT)
    body_en: str = Field(default="", max_length=BODY_LIMIT)
    products: list[str] = Field(description="Slugs of the products under maintenance")
    regions: list[str] = Field(default_factory=list, description="jp, overseas; empty: every region")
    scheduled_for: datetime = Field(description=TIME_HELP)
    scheduled_until: datetime = Field(description=TIME_HELP)


class MaintenanceUpdate(BaseModel):
    """Only the fields sent change; a new time, once announced, drafts a notice saying so."""

    title_ja: str | None = Field(default=None, max_length=TITLE_LIMIT)
    title_en: str | None = Field(default=None, max_length=TITLE_LIMIT)
    body_ja: str | None = Field(default=None, max_length=BODY_LIMIT)
    body_en: str | None = Field(default=None, max_length=BODY_LIMIT)
    products: list[str] | None = None
    regions: list[str] | None = None
    scheduled_for: datetime | None = Field(default=None, description=TIME_HELP)
    scheduled_until: datetime | None = Field(default=None, description=TIME_HELP)


class MaintenanceNoticeOut(BaseModel):
    id: int
    status: str = Field(description="draft, published or discarded")
    title_ja: str
    channels: list[str]
    published_at: datetime | None


class MaintenanceOut(BaseModel):
    id: int
    status: str = Field(description="scheduled, in_progress, verifying, completed or cancelled (now)")
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    products: list[str]
    regions: list[str]
    scheduled_for: datetime
    scheduled_until: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    notices: list[MaintenanceNoticeOut] = Field(default_factory=list)
