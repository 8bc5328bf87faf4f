"""JSON shapes of the jobs API and of `hikeshi jobs … --json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int
    max_attempts: int | None
    idempotency_key: str | None
    replace_key: str | None
    locked_by: str | None
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
