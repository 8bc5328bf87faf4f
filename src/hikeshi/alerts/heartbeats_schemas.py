"""JSON shapes of the heartbeat API and of the ping endpoints' answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class HeartbeatCreate(BaseModel):
    name: str = Field(max_length=200)
    period_seconds: int | None = Field(default=None, description="Expect a ping this often; or give cron")
    cron: str | None = Field(default=None, max_length=100, description="Five-field cron expression")
    timezone: str | None = Field(default=None, description="IANA zone the cron expression is read in")
    grace_seconds: int | None = Field(default=None, description="How late a ping may be; 300 if not given")
    product: str | None = Field(default=None, description="A product slug")
    chat_channel: str | None = Field(default=None, max_length=100)
    page_user_id: int | None = None


class HeartbeatOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    key_prefix: str
    integration_id: int
    period_seconds: int | None
    cron: str | None
    timezone: str | None
    grace_seconds: int
    state: str = Field(description="new, up, late, down, failing or paused")
    last_ping_at: datetime | None
    last_ping_kind: str | None
    last_start_at: datetime | None
    last_duration_seconds: float | None
    next_due_at: datetime | None
    created_at: datetime


class HeartbeatDetailOut(HeartbeatOut):
    last_ping_body: str


class HeartbeatCreated(HeartbeatOut):
    key: str = Field(description="The ping key. Shown once; only its hash is stored.")
    ping_url: str = Field(description="What the job requests: GET or POST, with /start and /fail.")


class PingAnswer(BaseModel):
    status: str = "ok"
    state: str
