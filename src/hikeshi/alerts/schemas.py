"""JSON shapes of the alerts API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class IntegrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    key_prefix: str
    product_id: int | None
    grouping: list[str]
    chat_channel: str | None
    escalation_policy_id: int | None
    page_user_id: int | None
    is_enabled: bool
    resolve_after_minutes: int | None
    created_at: datetime
    key_rotated_at: datetime | None
    last_received_at: datetime | None


class IntegrationCreated(IntegrationOut):
    key: str = Field(description="The integration key. Shown once; only its hash is stored.")
    url: str = Field(description="Where the monitoring tool sends its webhooks.")


class IntegrationCreate(BaseModel):
    name: str = Field(max_length=200)
    kind: str
    product: str | None = Field(default=None, description="A product slug")
    config: dict[str, Any] = Field(default_factory=dict)
    grouping: list[str] = Field(default_factory=list)
    chat_channel: str | None = Field(default=None, max_length=100)
    escalation_policy_id: int | None = Field(default=None, description="Critical alerts page through it")
    page_user_id: int | None = Field(default=None, description="With no policy, page this person directly")
    resolve_after_minutes: int | None = Field(
        default=None, ge=1, le=10080, description="Resolve a group after this many minutes with no new alert"
    )


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    integration_id: int
    group_id: int
    dedup_key: str
    status: str
    severity: str
    summary: str
    source: str
    name: str
    labels: dict[str, str]
    links: list[dict[str, str]]
    count: int
    suppressed: bool
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class AlertDetailOut(AlertOut):
    details: dict[str, Any]
    raw: Any


class AlertGroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    integration_id: int
    status: str
    title: str
    severity: str
    product_id: int | None
    alert_count: int
    open_alert_count: int
    event_count: int
    suppressed: bool
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None


class AlertEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    alert_id: int | None
    actor_user_id: int | None
    note: str
    at: datetime


class AlertGroupDetailOut(AlertGroupOut):
    alerts: list[AlertOut]
    events: list[AlertEventOut]
