"""JSON shapes of the metrics and the weekly report (`/api/v1/reports/…`, `hikeshi report weekly`).

Durations are in seconds; None where nothing was measured. Instants are UTC.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LabelOut(_Out):
    key: str
    ja: str
    en: str


class IncidentLineOut(_Out):
    number: int
    title: str
    status: str
    severity: str
    products: list[LabelOut]
    started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    resolved_at: datetime | None
    duration_seconds: float | None
    stores_japan: int
    stores_overseas: int
    diners: bool
    cause_ja: str
    cause_en: str
    postmortem_status: str


class MeanOut(_Out):
    seconds: float | None
    count: int


class CountOut(_Out):
    label: LabelOut
    count: int


class IntegrationVolumeOut(_Out):
    integration_id: int
    name: str
    kind: str
    alerts: int


class PersonPagesOut(_Out):
    user_id: int
    name: str
    pages: int
    night_pages: int
    acknowledged: int


class ActionItemLineOut(_Out):
    id: int
    title: str
    incident_number: int
    owner_name: str
    due_on: date
    overdue: bool


class MetricsOut(_Out):
    since: datetime
    until: datetime
    timezone: str
    as_of: datetime
    incidents: list[IncidentLineOut]
    mttd: MeanOut
    mtta: MeanOut
    mttr: MeanOut
    by_product: list[CountOut]
    by_severity: list[CountOut]
    alerts: int
    integrations: list[IntegrationVolumeOut]
    pages: int
    night_pages: int
    people: list[PersonPagesOut]
    open_items: list[ActionItemLineOut]
    action_items_open: int
    action_items_overdue: int
    action_items_done: int


class WeekPointOut(_Out):
    week: str
    label: str
    incidents: int
    mttr_seconds: float | None
    alerts: int
    pages: int


class WeeklyReportOut(BaseModel):
    week: str
    previous_week: str
    next_week: str
    first_day: date
    last_day: date
    timezone: str
    generated_at: datetime
    metrics: MetricsOut
    trend: list[WeekPointOut]
