"""JSON shapes of the maintenance-window API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class MaintenanceWindowCreate(BaseModel):
    starts_at: datetime = Field(description="ISO 8601; without an offset, a wall time in HIKESHI_TIMEZONE")
    ends_at: datetime = Field(description="ISO 8601; without an offset, a wall time in HIKESHI_TIMEZONE")
    reason: str = Field(max_length=500)
    integration_ids: list[int] = Field(default_factory=list, description="None and no products: everything")
    products: list[str] = Field(default_factory=list, description="Product slugs")


class MaintenanceWindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    integration_ids: list[int]
    product_ids: list[int]
    created_by_id: int | None
    created_at: datetime
    status: str = Field(
        default="", description="upcoming, active or past; cancelled once an upcoming one ends"
    )
