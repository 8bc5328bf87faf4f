"""JSON shapes of the call list, shared by its API and its CLI (`--json`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hikeshi.comms.call_rules import MAX_NOTES


class CallOut(BaseModel):
    """One store to phone; `local_time` and `open_now` are the store's, at the time of the answer."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    priority: int
    store_id: int
    store_external_id: str
    store_name: str
    phone: str
    timezone: str
    local_time: datetime
    open_now: bool
    assignee_id: int | None
    assignee_name: str | None
    outcome: str | None = Field(description="reached, voicemail, no_answer, wrong_number; null: to call")
    notes: str
    attempts: int
    called_by_id: int | None
    called_by_name: str | None
    called_at: datetime | None
    updated_at: datetime


class CallProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    total: int
    to_call: int
    called: int
    reached: int
    voicemail: int
    no_answer: int
    wrong_number: int


class CallListOut(BaseModel):
    incident_number: int
    progress: CallProgressOut
    total: int = Field(description="Calls matching the filters")
    limit: int
    offset: int
    calls: list[CallOut]


class CallChange(BaseModel):
    """Only the fields sent change; `assignee_id: null` leaves the call unassigned."""

    model_config = ConfigDict(extra="forbid")

    outcome: str | None = Field(default=None, description="reached, voicemail, no_answer or wrong_number")
    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    assignee_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
