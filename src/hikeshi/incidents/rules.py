"""Pure rules of incidents: statuses and allowed transitions, severities, task runbook. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.core.i18n import N_


class Status(StrEnum):
    TRIAGE = "triage"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"


class RecoveryKind(StrEnum):
    HOTFIX = "hotfix"
    DATA_REPAIR = "data_repair"
    SCALE_UP = "scale_up"
    OTHER = "other"


class Source(StrEnum):
    ALERT_GROUP = "alert_group"
    INQUIRY = "inquiry"
    MANUAL = "manual"


OPEN_STATUSES: Final = frozenset({Status.TRIAGE, Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING})
ACTIVE_STATUSES: Final = frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING})
CLOSED_STATUSES: Final = frozenset({Status.RESOLVED, Status.DISMISSED})

# Where each status may go. Resolved may reopen (the fix did not hold); dismissed is final.
TRANSITIONS: Final[dict[Status, frozenset[Status]]] = {
    Status.TRIAGE: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.DISMISSED}),
    Status.INVESTIGATING: frozenset({Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED}),
    Status.IDENTIFIED: frozenset({Status.INVESTIGATING, Status.MONITORING, Status.RESOLVED}),
    Status.MONITORING: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.INVESTIGATING}),
    Status.DISMISSED: frozenset(),
}

STATUS_LABELS: Final[dict[Status, str]] = {
    Status.TRIAGE: N_("Triage"),
    Status.INVESTIGATING: N_("Investigating"),
    Status.IDENTIFIED: N_("Identified"),
    Status.MONITORING: N_("Monitoring"),
    Status.RESOLVED: N_("Resolved"),
    Status.DISMISSED: N_("Dismissed"),
}
SEVERITY_MEANINGS: Final[dict[Severity, str]] = {
    Severity.SEV1: N_("Critical: a core product is down or unusable for many stores"),
    Severity.SEV2: N_("Major: an important feature fails or many stores are slowed down"),
    Severity.SEV3: N_("Minor: a limited feature or a few stores are affected; a workaround exists"),
}
RECOVERY_LABELS: Final[dict[RecoveryKind, str]] = {
    RecoveryKind.HOTFIX: N_("Hotfix deployed to production"),
    RecoveryKind.DATA_REPAIR: N_("Data repaired in production"),
    RecoveryKind.SCALE_UP: N_("Infrastructure scaled up"),
    RecoveryKind.OTHER: N_("Other"),
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the checks need to know about an incident besides its status."""

    recovery_actions: int = 0
    no_action_reason: str = ""
    dismiss_reason: str = ""


def parse_status(value: str) -> Status:
    try:
        return Status(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "status: '{value}' is not triage, investigating, identified, monitoring, resolved or dismissed",
            field="status",
            value=value,
        ) from None


def parse_severity(value: str) -> Severity:
    try:
        return Severity(value.strip().upper())
    except ValueError:
        raise InvalidInput(
            "severity: '{value}' is not SEV1, SEV2 or SEV3", field="severity", value=value
        ) from None


def parse_recovery_kind(value: str) -> RecoveryKind:
    try:
        return RecoveryKind(value.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput(
            "kind: '{value}' is not hotfix, data_repair, scale_up or other", field="kind", value=value
        ) from None


def clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput("{field}: must not be empty", field=field)
    if len(cleaned) > limit:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=limit)
    return cleaned


def allowed_transitions(status: Status) -> frozenset[Status]:
    return TRANSITIONS[status]


def check_transition(current: Status, target: Status, facts: Facts) -> None:
    """Raise unless `current → target` is allowed and what `target` requires is there."""
    if target == current:
        raise Conflict("the incident is already {status}", status=current.value)
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "an incident cannot go from {current} to {target}", current=current.value, target=target.value
        )
    if target == Status.DISMISSED and not facts.dismiss_reason.strip():
        raise InvalidInput("reason: say why the incident is dismissed", field="reason")
    if target == Status.RESOLVED and facts.recovery_actions == 0 and not facts.no_action_reason.strip():
        raise Conflict(
            "recovery_action: record at least one recovery action, or give a reason why none was needed",
            field="recovery_action",
        )


def is_valid_state(status: Status, facts: Facts, *, declared: bool, resolved: bool) -> bool:
    """The invariants every stored incident keeps (the property tests check them)."""
    if status == Status.DISMISSED and not facts.dismiss_reason.strip():
        return False
    if status == Status.RESOLVED and not (facts.recovery_actions or facts.no_action_reason.strip()):
        return False
    if status == Status.RESOLVED and not resolved:
        return False
    return not (status in ACTIVE_STATUSES | {Status.RESOLVED} and not declared)


@dataclass(frozen=True, slots=True)
class RunbookTask:
    key: str
    title: str
    role: str
    due_minutes: int | None


# What declaring starts, in order (FLOW.md §3); the partner task only when partners are affected.
RUNBOOK: Final[tuple[RunbookTask, ...]] = (
    RunbookTask("hotfix", N_("Prepare the hotfix"), "engineer", None),
    RunbookTask("similar_inquiries", N_("Check similar inquiries"), "support", 15),
    RunbookTask("contact_stores", N_("Prepare to contact the affected stores"), "support", 30),
    RunbookTask("contact_partners", N_("Contact the affected partners"), "support", 30),
)


def runbook_for(*, partners_affected: bool) -> list[RunbookTask]:
    return [task for task in RUNBOOK if task.key != "contact_partners" or partners_affected]


def task_due(
    task: RunbookTask, *, declared_at: datetime, hotfix_planned_at: datetime | None
) -> datetime | None:
    if task.key == "hotfix":
        return hotfix_planned_at
    return None if task.due_minutes is None else declared_at + timedelta(minutes=task.due_minutes)


def is_overdue(*, due_at: datetime | None, done_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and done_at is None and due_at < now


def change_window(
    *, started_at: datetime | None, created_at: datetime, resolved_at: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """Changes (deploys) worth showing beside the incident: from 2 h before it started to its end."""
    start = (started_at or created_at) - timedelta(hours=2)
    return start, resolved_at or now


EVENT_LABELS: Final[dict[str, str]] = {
    "opened": N_("Opened"),
    "status": N_("Status changed"),
    "field": N_("Changed"),
    "note": N_("Note"),
    "task_added": N_("Task added"),
    "task_done": N_("Task done"),
    "task_reopened": N_("Task reopened"),
    "task_assigned": N_("Task assigned"),
    "recovery_action": N_("Recovery action"),
    "alert_group_linked": N_("Alert group linked"),
    "inquiry_linked": N_("Inquiry linked"),
    "change": N_("Change (deploy)"),
    "page_started": N_("On-call paged"),
    # Written by the postmortems domain (above incidents) on the incident's timeline.
    "postmortem_opened": N_("Postmortem opened"),
    "postmortem_submitted": N_("Postmortem submitted for review"),
    "postmortem_returned": N_("Postmortem sent back to draft"),
    "postmortem_published": N_("Postmortem published"),
    "postmortem_reopened": N_("Postmortem reopened"),
}
FIELD_LABELS: Final[dict[str, str]] = {
    "title": N_("What is broken"),
    "summary": N_("Summary"),
    "severity": N_("Severity"),
    "product_ids": N_("Affected products"),
    "region_codes": N_("Regions"),
    "started_at": N_("Started"),
    "detected_at": N_("Detected"),
    "commander_id": N_("Commander"),
    "comms_lead_id": N_("Comms lead"),
    "hotfix_deployer_id": N_("Deploys the hotfix"),
    "hotfix_planned_at": N_("Hotfix deployed at"),
    "override_stores_japan": N_("Stores in Japan"),
    "override_stores_overseas": N_("Stores overseas"),
    "override_web_booking": N_("Web-booking diners affected"),
    "impact_note": N_("Note on the impact"),
}
