"""JSON shapes of the notices API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TITLE_LIMIT = 255
BODY_LIMIT = 20_000


class NoticeCreate(BaseModel):
    """A draft; every field left out is pre-filled from the incident's facts."""

    kind: str = Field(description="first, update or resolved")
    channels: list[str] | None = Field(
        default=None, description="status_page, in_app, email, calls, partners; omitted: the defaults"
    )
    title_ja: str | None = Field(default=None, max_length=TITLE_LIMIT)
    title_en: str | None = Field(default=None, max_length=TITLE_LIMIT)
    body_ja: str | None = Field(default=None, max_length=BODY_LIMIT)
    body_en: str | None = Field(default=None, max_length=BODY_LIMIT)
    public_status: str | None = Field(
        default=None, description="investigating, identified, monitoring, resolved"
    )
    impact: str | None = Field(default=None, description="none, minor, major, critical")
    component_statuses: dict[str, str] | None = Field(
        default=None, description="product id → operational, degraded_performance, partial_outage, …"
    )


class NoticeUpdate(BaseModel):
    """Only the fields sent change; a published or discarded notice cannot change."""

    channels: list[str] | None = None
    title_ja: str | None = Field(default=None, max_length=TITLE_LIMIT)
    title_en: str | None = Field(default=None, max_length=TITLE_LIMIT)
    body_ja: str | None = Field(default=None, max_length=BODY_LIMIT)
    body_en: str | None = Field(default=None, max_length=BODY_LIMIT)
    public_status: str | None = None
    impact: str | None = None
    component_statuses: dict[str, str] | None = None


class NoticeDiscard(BaseModel):
    reason: str = Field(max_length=2000, description="Why this draft is not sent")


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int | None
    maintenance_id: int | None
    kind: str
    status: str
    channels: list[str]
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    public_status: str
    impact: str
    component_statuses: dict[str, str]
    product_ids: list[int]
    region_codes: list[str]
    drafted_by_rule: bool
    revision: int
    created_by_id: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    published_at: datetime | None
    discarded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    revision: int
    action: str
    snapshot: dict[str, Any]
    actor_user_id: int | None
    at: datetime


class NoticeDetailOut(NoticeOut):
    incident_number: int | None = None
    history: list[RevisionOut] = Field(default_factory=list)


class EmailPreviewOut(BaseModel):
    language: str
    subject: str
    text: str
    html: str


class PreviewOut(BaseModel):
    """What each channel would show, exactly as it would be sent."""

    notice_id: int
    status_page: dict[str, Any]
    in_app: dict[str, dict[str, object]]
    email: list[EmailPreviewOut]
    partners: dict[str, Any]
