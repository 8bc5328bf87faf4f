"""JSON shapes of the delivery API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeliveryAttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    outcome: str
    provider_id: str | None
    error: str | None
    attempted_at: datetime
    duration_ms: int


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    target: str
    user_id: int | None
    subject: str
    status: str
    attempts: int
    provider_id: str | None
    last_error: str | None
    possible_duplicate: bool
    source: str
    created_at: datetime
    sent_at: datetime | None


class DeliveryDetailOut(DeliveryOut):
    text: str
    attempt_log: list[DeliveryAttemptOut]


class TestMessageIn(BaseModel):
    channel: str = Field(description="email, sms, voice, chat, chat_webhook, webhook or inbox")
    target: str = Field(max_length=500)


class InboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    link: str | None
    source: str
    created_at: datetime
    read_at: datetime | None
