"""JSON shapes of the incidents API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Ids in bodies: out-of-range numbers are refused as bad input, never sent to the database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class IncidentCreate(BaseModel):
    title: str | None = Field(
        default=None, max_length=500, description="What is broken; from the alert group when omitted"
    )
    summary: str = Field(default="", max_length=10_000)
    severity: str = Field(default="SEV2", description="SEV1, SEV2 or SEV3")
    products: list[str] = Field(default_factory=list, description="Slugs of the affected products")
    regions: list[str] = Field(default_factory=list, description="jp, overseas; empty: every region")
    alert_group_ids: list[Id] = Field(default_factory=list, description="Declare from these alert groups")
    inquiry_ids: list[Id] = Field(default_factory=list, description="Declare from these inquiries")
    started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    commander_id: Id | None = None
    comms_lead_id: Id | None = None
    declare: bool = Field(default=False, description="Skip triage: customer impact is already confirmed")


class IncidentUpdate(BaseModel):
    """Only the fields sent are changed; send null to clear an optional one."""

    title: str | None = Field(default=None, max_length=500)
    summary: str | None = Field(default=None, max_length=10_000)
    severity: str | None = None
    products: list[str] | None = None
    regions: list[str] | None = None
    started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    commander_id: Id | None = None
    comms_lead_id: Id | None = None
    hotfix_deployer_id: Id | None = Field(default=None, description="Who deploys the hotfix to production")
    hotfix_planned_at: AwareDatetime | None = Field(default=None, description="When the hotfix is deployed")
    override_stores_japan: int | None = Field(default=None, ge=0, description="Corrects the estimate")
    override_stores_overseas: int | None = Field(default=None, ge=0, description="Corrects the estimate")
    override_web_booking: bool | None = Field(default=None, description="Corrects the estimate")
    impact_note: str | None = Field(default=None, max_length=10_000)


class StatusChange(BaseModel):
    status: str = Field(description="investigating, identified, monitoring, resolved or dismissed")
    reason: str = Field(
        default="", max_length=10_000, description="Required to dismiss; to resolve with no recovery action"
    )


class NoteCreate(BaseModel):
    text: str = Field(max_length=10_000)


class TaskCreate(BaseModel):
    title: str = Field(max_length=500)
    role: str = Field(default="engineer", description="engineer, support, sales, admin")
    owner_id: Id | None = None
    due_at: AwareDatetime | None = None


class TaskChange(BaseModel):
    done: bool | None = None
    owner_id: Id | None = None


class RecoveryActionCreate(BaseModel):
    kind: str = Field(description="hotfix, data_repair, scale_up or other")
    description: str = Field(default="", max_length=10_000)
    performed_by_id: Id | None = Field(default=None, description="Who did it; the caller when omitted")
    performed_at: AwareDatetime | None = Field(default=None, description="When; now when omitted")


class InquiryLink(BaseModel):
    inquiry_ids: list[Id] = Field(min_length=1)


class IncidentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    title: str
    summary: str
    status: str
    severity: str
    source: str
    product_ids: list[int]
    region_codes: list[str]
    impact_store_count: int
    impact_stores_japan: int
    impact_stores_overseas: int
    impact_web_booking: bool
    impact_partner_ids: list[int]
    override_stores_japan: int | None
    override_stores_overseas: int | None
    override_web_booking: bool | None
    impact_note: str
    started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    resolved_at: datetime | None
    dismissed_at: datetime | None
    dismiss_reason: str
    no_action_reason: str
    commander_id: int | None
    comms_lead_id: int | None
    hotfix_deployer_id: int | None
    hotfix_planned_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor_user_id: int | None
    note: str
    data: dict[str, Any]
    at: datetime


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    runbook_key: str | None
    title: str
    role: str
    owner_id: int | None
    due_at: datetime | None
    done_at: datetime | None
    done_by_id: int | None
    created_at: datetime
    overdue: bool = False


class RecoveryActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    description: str
    performed_by_id: int | None
    performed_at: datetime
    recorded_by_id: int | None
    recorded_at: datetime


class ChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    summary: str
    source: str
    occurred_at: datetime


class PageCreate(BaseModel):
    service: str = Field(
        default="", max_length=64, description="Product or team slug; empty: the incident's product"
    )
    urgency: str = Field(default="high", max_length=10, description="high or low")


class PageRefOut(BaseModel):
    """A page in flight (or done) for the incident: started from it or from a linked alert group."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    urgency: str
    source_kind: str
    created_at: datetime


class IncidentDetailOut(IncidentOut):
    allowed_transitions: list[str]
    alert_group_ids: list[int]
    inquiry_ids: list[int]
    events: list[EventOut]
    tasks: list[TaskOut]
    recovery_actions: list[RecoveryActionOut]
    changes: list[ChangeOut]
    pages: list[PageRefOut]
