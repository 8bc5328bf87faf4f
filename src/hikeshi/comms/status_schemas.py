"""The public status page's view model (frozen dataclasses): what status.py builds and the page, its
JSON, its Atom feed and the static copy render. Only public fields live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hikeshi.comms.rules import ComponentStatus, MaintenanceStatus, PublicStatus
from hikeshi.core.i18n import Language
from hikeshi.core.settings import Settings
from hikeshi.core.timezones import DEFAULT_TIMEZONE


@dataclass(frozen=True, slots=True)
class DayBar:
    """One day of one component's history."""

    day: date
    status: ComponentStatus
    events: tuple[str, ...] = ()  # public names of what happened that day, first first


@dataclass(frozen=True, slots=True)
class Site:
    """How the page presents itself: its title, where it lives, the zone its days and times are in."""

    title: str = ""
    base_url: str = ""
    time_zone: str = DEFAULT_TIMEZONE

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        return cls(
            title=settings.status_page_title,
            base_url=(settings.base_url or "").rstrip("/"),
            time_zone=settings.timezone,
        )


@dataclass(frozen=True, slots=True)
class PageInfo:
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PageStatus:
    indicator: str
    description: str


@dataclass(frozen=True, slots=True)
class PublicComponent:
    id: str
    name: str
    description: str
    status: ComponentStatus
    position: int
    created_at: datetime
    updated_at: datetime
    history: tuple[DayBar, ...]
    uptime: float


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    id: str
    status: str
    title: str
    body: str
    created_at: datetime
    display_at: datetime


@dataclass(frozen=True, slots=True)
class ComponentRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicIncident:
    id: str
    name: str
    status: str  # rules.PublicStatus
    impact: str
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    components: tuple[ComponentRef, ...]
    updates: tuple[PublicUpdate, ...]  # newest first

    @property
    def resolved(self) -> bool:
        return self.status == PublicStatus.RESOLVED


@dataclass(frozen=True, slots=True)
class PublicMaintenance:
    id: str
    name: str
    body: str
    status: MaintenanceStatus
    impact: str
    scheduled_for: datetime
    scheduled_until: datetime
    created_at: datetime
    updated_at: datetime
    components: tuple[ComponentRef, ...]
    updates: tuple[PublicUpdate, ...]  # newest first


@dataclass(frozen=True, slots=True)
class StatusSummary:
    language: Language
    page: PageInfo
    status: PageStatus
    components: tuple[PublicComponent, ...]
    active_incidents: tuple[PublicIncident, ...]  # newest first
    resolved_incidents: tuple[PublicIncident, ...]  # resolved in the last 7 days, newest first
    incidents: tuple[PublicIncident, ...]  # the most recent, resolved or not, newest first
    maintenances: tuple[PublicMaintenance, ...]  # scheduled, in progress or verifying; soonest first
    version: int
    generated_at: datetime
