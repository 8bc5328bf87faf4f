"""The vocabulary of customer communications, shared by every part of comms (pure, no I/O).

Public statuses are Atlassian Statuspage's, so the JSON of the status page is compatible with it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from hikeshi.core.errors import InvalidInput


class NoticeKind(StrEnum):
    FIRST = "first"  # recovery is under way (or already done)
    UPDATE = "update"
    RESOLVED = "resolved"
    MAINTENANCE = "maintenance"  # scheduled maintenance: in advance, started, completed


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # approved by a person allowed to speak for the company, then sent out
    DISCARDED = "discarded"


class NoticeChannel(StrEnum):
    STATUS_PAGE = "status_page"
    IN_APP = "in_app"
    EMAIL = "email"  # the affected stores' accounts
    CALLS = "calls"  # the call list of support and sales
    PARTNERS = "partners"  # affected partners, by email and signed webhook


ALL_CHANNELS = tuple(NoticeChannel)


class PublicStatus(StrEnum):
    """An incident's status on the status page."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # not a Statuspage status: shown nowhere public once cancelled


class ComponentStatus(StrEnum):
    """A product's status on the status page, from best to worst."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class CampaignStatus(StrEnum):
    PREPARING = "preparing"  # recipients are being listed
    SENDING = "sending"
    DONE = "done"  # every recipient sent, failed or skipped


class RecipientStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # permanently: listed for support to follow up
    OPTED_OUT = "opted_out"


class CallOutcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"


def parse_channels(values: list[str]) -> list[NoticeChannel]:
    """Channels named by a person, each once, in the canonical order; unknown ones name themselves."""
    wanted = set()
    for value in values:
        try:
            wanted.add(NoticeChannel(value.strip()))
        except ValueError:
            raise InvalidInput(
                "channels: unknown channel {value}; use {known}",
                field="channels",
                value=value,
                known=", ".join(ALL_CHANNELS),
            ) from None
    return [channel for channel in ALL_CHANNELS if channel in wanted]


class _Scheduled(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def scheduled_for(self) -> datetime: ...
    @property
    def scheduled_until(self) -> datetime: ...


def maintenance_status_at(maintenance: _Scheduled, *, now: datetime) -> MaintenanceStatus:
    """A maintenance's status now: people set verifying, completed and cancelled; the clock the rest.

    It starts on its own at `scheduled_for` and completes on its own at `scheduled_until` (Statuspage's
    auto-complete) unless someone is verifying the work, which then ends when they mark it completed.
    """
    stored = MaintenanceStatus(maintenance.status)
    if stored in (MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED, MaintenanceStatus.VERIFYING):
        return stored
    if now < maintenance.scheduled_for:
        return MaintenanceStatus.SCHEDULED
    if now < maintenance.scheduled_until:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.COMPLETED
