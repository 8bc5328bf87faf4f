"""What the war room shows: an incident with its timeline, tasks, recovery actions, links, the changes
(deploys) around it and the pages in flight, read in a handful of queries; and a fingerprint of it all,
so a page polling every few seconds is answered "unchanged" without rendering anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.models import User
from hikeshi.alerts import groups, integrations
from hikeshi.alerts.models import AlertGroup, ChangeEvent
from hikeshi.catalog import service as catalog
from hikeshi.catalog.models import Product
from hikeshi.incidents import escalate, queries, service, work
from hikeshi.incidents.models import Incident, IncidentEvent, IncidentTask, RecoveryAction
from hikeshi.incidents.rules import OPEN_STATUSES, Status, change_window, is_overdue
from hikeshi.incidents.schemas import (
    ChangeOut,
    EventOut,
    IncidentDetailOut,
    IncidentOut,
    PageRefOut,
    RecoveryActionOut,
    TaskOut,
)
from hikeshi.inquiries import service as inquiries
from hikeshi.inquiries.models import Inquiry
from hikeshi.oncall import paging
from hikeshi.oncall.paging_models import Page

OPEN_PAGE_STATUSES = ("triggered", "exhausted")


@dataclass(frozen=True, slots=True)
class TaskView:
    task: IncidentTask
    overdue: bool


@dataclass(frozen=True, slots=True)
class Impact:
    """The estimate, with a person's corrections winning where given."""

    stores_japan: int
    stores_overseas: int
    web_booking: bool
    corrected: bool


@dataclass(frozen=True, slots=True)
class WarRoom:
    incident: Incident
    transitions: list[Status]
    events: list[IncidentEvent]
    tasks: list[TaskView]
    actions: list[RecoveryAction]
    alert_groups: list[AlertGroup]
    inquiries: list[Inquiry]
    pages: list[Page]
    changes: list[ChangeEvent]
    affected: list[Product]
    unaffected: list[Product]
    impact: Impact
    users: dict[int, User]
    fingerprint: str

    @property
    def overdue_count(self) -> int:
        return sum(1 for task in self.tasks if task.overdue)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """The incident's own events and the changes (deploys) around it, oldest first."""
        entries = [TimelineEntry(event.at, event.kind, event, None) for event in self.events]
        entries += [TimelineEntry(change.occurred_at, "change", None, change) for change in self.changes]
        return sorted(entries, key=lambda entry: entry.at)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    event: IncidentEvent | None
    change: ChangeEvent | None


def effective_impact(incident: Incident) -> Impact:
    corrected = (
        incident.override_stores_japan is not None
        or incident.override_stores_overseas is not None
        or incident.override_web_booking is not None
    )
    return Impact(
        stores_japan=_either(incident.override_stores_japan, incident.impact_stores_japan),
        stores_overseas=_either(incident.override_stores_overseas, incident.impact_stores_overseas),
        web_booking=(
            incident.override_web_booking
            if incident.override_web_booking is not None
            else incident.impact_web_booking
        ),
        corrected=corrected,
    )


def _either(override: int | None, estimate: int) -> int:
    return estimate if override is None else override


def products_split(session: Session, incident: Incident) -> tuple[list[Product], list[Product]]:
    """Affected products, and the customer-facing ones not affected (the announcement names both)."""
    products = catalog.list_products(session=session)
    affected = [p for p in products if p.id in incident.product_ids]
    unaffected = [p for p in products if p.customer_facing and p.id not in incident.product_ids]
    return affected, unaffected


def war_room(*, session: Session, number: int, now: datetime) -> WarRoom:
    incident = service.get_incident(session=session, number=number)
    group_ids = queries.linked_alert_group_ids(session=session, incident_id=incident.id)
    inquiry_ids = queries.linked_inquiry_ids(session=session, incident_id=incident.id)
    pages = [
        page
        for group_id in group_ids
        for page in paging.pages_for_source(session=session, source_kind="alert_group", source_id=group_id)
    ]
    pages += escalate.pages_of(session=session, incident=incident)
    since, until = change_window(
        started_at=incident.started_at,
        created_at=incident.created_at,
        resolved_at=incident.resolved_at,
        now=now,
    )
    still_open = Status(incident.status) in OPEN_STATUSES  # a closed incident's leftovers are not late
    tasks = [
        TaskView(task, still_open and is_overdue(due_at=task.due_at, done_at=task.done_at, now=now))
        for task in work.list_tasks(session=session, incident_id=incident.id)
    ]
    affected, unaffected = products_split(session, incident)
    room = WarRoom(
        incident=incident,
        transitions=queries.transitions_of(incident),
        events=work.list_events(session=session, incident_id=incident.id),
        tasks=tasks,
        actions=work.list_recovery_actions(session=session, incident_id=incident.id),
        alert_groups=[groups.get_group(session=session, group_id=gid) for gid in group_ids],
        inquiries=[inquiries.get_inquiry(session=session, inquiry_id=iid) for iid in inquiry_ids],
        pages=pages,
        changes=integrations.list_changes(session=session, since=since, until=until),
        affected=affected,
        unaffected=unaffected,
        impact=effective_impact(incident),
        users={user.id: user for user in accounts.list_users(session=session)},
        fingerprint="",
    )
    return replace(room, fingerprint=fingerprint_of(room))


def fingerprint_of(room: WarRoom) -> str:
    """Changes whenever anything shown changes: the incident's version covers its own data; pages,
    groups, changes and overdue tasks live elsewhere or change with time, so they are named too."""
    parts = [
        f"v{room.incident.version}",
        *(f"p{page.id}:{page.status}" for page in room.pages),
        *(f"g{group.id}:{group.status}" for group in room.alert_groups),
        *(f"c{change.id}" for change in room.changes),
        f"o{room.overdue_count}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def detail_out(room: WarRoom) -> IncidentDetailOut:
    """The war room as the API and `hikeshi incident show --json` give it."""
    base = IncidentOut.model_validate(room.incident).model_dump()
    return IncidentDetailOut(
        **base,
        allowed_transitions=[status.value for status in room.transitions],
        alert_group_ids=[group.id for group in room.alert_groups],
        inquiry_ids=[inquiry.id for inquiry in room.inquiries],
        events=[EventOut.model_validate(event) for event in room.events],
        tasks=[
            TaskOut.model_validate(view.task).model_copy(update={"overdue": view.overdue})
            for view in room.tasks
        ],
        recovery_actions=[RecoveryActionOut.model_validate(action) for action in room.actions],
        changes=[ChangeOut.model_validate(change) for change in room.changes],
        pages=[PageRefOut.model_validate(page) for page in room.pages],
    )
