"""JSON shapes of the paging API: escalation policies, notification rules, pages and their events, metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepIn(BaseModel):
    delay_minutes: int = Field(ge=1, le=24 * 60, description="Minutes before the next step runs")
    targets: list[str] = Field(
        min_length=1,
        max_length=20,
        description="user:EMAIL, user:ID, schedule:NAME or schedule:ID",
    )


class PolicyIn(BaseModel):
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    team_id: int | None = None
    repeat_count: int = Field(default=0, ge=0, le=9, description="Times the steps run again after the last")
    products: list[str] = Field(default_factory=list, description="Product slugs the policy answers for")
    steps: list[StepIn] = Field(min_length=1, max_length=20)


class TargetOut(BaseModel):
    type: str
    id: int
    name: str = ""


class StepOut(BaseModel):
    position: int
    delay_minutes: int
    targets: list[TargetOut]


class PolicyOut(BaseModel):
    id: int
    name: str
    description: str
    team_id: int | None
    repeat_count: int
    products: list[str]
    steps: list[StepOut]
    created_at: datetime
    updated_at: datetime


class RuleIn(BaseModel):
    contact_method_id: int
    delay_minutes: int = Field(ge=0, le=120)


class RulesIn(BaseModel):
    urgency: str = Field(description="high or low")
    rules: list[RuleIn] = Field(max_length=20)


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    contact_method_id: int
    urgency: str
    delay_minutes: int


class PageIn(BaseModel):
    service: str | None = Field(default=None, max_length=64, description="Product or team slug")
    policy_id: int | None = None
    user_id: int | None = Field(default=None, description="Page one person directly")
    message: str = Field(min_length=1, max_length=1000)
    urgency: str = "high"


class PageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    message: str
    urgency: str
    status: str
    policy_id: int | None
    policy_snapshot: dict[str, Any]
    source_kind: str
    source_id: int | None
    requested_by_id: int | None
    requested_by_name: str
    step_index: int
    round: int
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    resolved_at: datetime | None
    resolved_by_id: int | None
    exhausted_at: datetime | None


class PageEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    user_id: int | None
    channel: str | None
    note: str
    at: datetime


class PageDetailOut(PageOut):
    events: list[PageEventOut]
    time_to_acknowledge_seconds: float | None
    notified_user_ids: list[int]
    at_night: bool = Field(description="It reached someone between 22:00 and 07:00 their time")
    suppressed_notifications: int


class PersonLoadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    name: str
    pages: int
    night_pages: int
    notifications: int
    suppressed: int
    acknowledged: int


class MetricsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    since: datetime
    until: datetime
    pages: int
    acknowledged: int
    exhausted: int
    night_pages: int
    tta_p50_seconds: float | None
    tta_p90_seconds: float | None
    tta_p95_seconds: float | None
    people: list[PersonLoadOut]
