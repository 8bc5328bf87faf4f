"""JSON shapes of the postmortems and action items API and CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hikeshi.postmortems.models import ActionItem
from hikeshi.postmortems.rules import MAX_TEXT, MAX_TITLE, ActionItemStatus

# Ids in bodies: out-of-range numbers are refused as bad input, never sent to the database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class ActionItemOut(BaseModel):
    """An action item with what a reader needs next to it: the incident's number, the owner's name."""

    id: int
    postmortem_id: int
    incident_id: int
    incident_number: int
    title: str
    description: str
    owner_id: int | None
    owner_name: str | None
    due_on: date
    status: str
    note: str
    done_at: datetime | None
    overdue: bool = Field(description="Open and due before today in the company's time zone")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, item: ActionItem, *, incident_number: int, owner_name: str | None, today: date
    ) -> ActionItemOut:
        return cls(
            id=item.id,
            postmortem_id=item.postmortem_id,
            incident_id=item.incident_id,
            incident_number=incident_number,
            title=item.title,
            description=item.description,
            owner_id=item.owner_id,
            owner_name=owner_name,
            due_on=item.due_on,
            status=item.status,
            note=item.note,
            done_at=item.done_at,
            overdue=item.status == ActionItemStatus.OPEN.value and item.due_on < today,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


class ActionItemIn(BaseModel):
    """A new prevention measure on a postmortem."""

    title: str = Field(max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_TEXT)
    owner_id: Id | None = Field(default=None, description="Who does it; null: nobody yet")
    due_on: date = Field(description="A day in the company's time zone")


class ActionItemPatch(BaseModel):
    """Only the fields sent change; send owner_id null to leave it without an owner."""

    title: str | None = Field(default=None, max_length=MAX_TITLE)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    owner_id: Id | None = None
    due_on: date | None = None
    status: str | None = Field(default=None, description="open, done or cancelled")
    note: str | None = Field(default=None, max_length=MAX_TEXT, description="Required to cancel")


class PostmortemUpdate(BaseModel):
    """Only the fields sent change; `version`, when sent, must be the version you read."""

    symptom_ja: str | None = Field(default=None, max_length=MAX_TEXT)
    symptom_en: str | None = Field(default=None, max_length=MAX_TEXT)
    recovery_ja: str | None = Field(default=None, max_length=MAX_TEXT)
    recovery_en: str | None = Field(default=None, max_length=MAX_TEXT)
    impact_ja: str | None = Field(default=None, max_length=MAX_TEXT)
    impact_en: str | None = Field(default=None, max_length=MAX_TEXT)
    cause_ja: str | None = Field(default=None, max_length=MAX_TEXT)
    cause_en: str | None = Field(default=None, max_length=MAX_TEXT)
    prevention_ja: str | None = Field(default=None, max_length=MAX_TEXT)
    prevention_en: str | None = Field(default=None, max_length=MAX_TEXT)
    owner_id: Id | None = None
    version: int | None = Field(default=None, ge=1, description="Refused with 409 when it changed since")


class ReturnToDraft(BaseModel):
    note: str = Field(default="", max_length=MAX_TEXT, description="What to change")


class PostmortemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    incident_number: int
    incident_title: str
    status: str
    symptom_ja: str
    symptom_en: str
    recovery_ja: str
    recovery_en: str
    impact_ja: str
    impact_en: str
    cause_ja: str
    cause_en: str
    prevention_ja: str
    prevention_en: str
    owner_id: int | None
    owner_name: str | None
    submitted_at: datetime | None
    submitted_by_id: int | None
    published_at: datetime | None
    published_by_id: int | None
    kb_kind: str
    kb_post_number: int | None
    kb_location: str
    kb_synced_at: datetime | None
    kb_synced_version: int
    kb_error: str
    missing: list[str] = Field(description="Required fields still empty (the publishing gate)")
    durations: dict[str, int | None] = Field(
        description="Seconds: start_to_detection, detection_to_resolution, start_to_resolution"
    )
    action_items: list[ActionItemOut]
    created_at: datetime
    updated_at: datetime
    version: int


class PostmortemSummaryOut(BaseModel):
    id: int
    incident_id: int
    incident_number: int
    incident_title: str
    severity: str
    status: str
    owner_id: int | None
    owner_name: str | None
    resolved_at: datetime | None
    published_at: datetime | None
    kb_location: str
    updated_at: datetime
    version: int
