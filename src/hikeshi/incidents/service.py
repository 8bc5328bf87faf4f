"""Use cases of incidents: declare one (from alert groups, inquiries or by hand), move it through its
lifecycle, change its fields, list them. They never commit. Linking what an incident came from is in
`links` (declaring from an alert group acknowledges it and stops its pages: someone is on it now).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.rules import Role
from hikeshi.alerts import groups
from hikeshi.catalog import service as catalog
from hikeshi.catalog.impact import estimate_impact
from hikeshi.catalog.rules import parse_regions
from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.incidents import announcing, links
from hikeshi.incidents.announcing import AnnouncementContext
from hikeshi.incidents.links import link_alert_group as link_alert_group
from hikeshi.incidents.links import link_inquiries as link_inquiries
from hikeshi.incidents.models import Incident, IncidentTask
from hikeshi.incidents.queries import get_incident as get_incident
from hikeshi.incidents.queries import list_incidents as list_incidents
from hikeshi.incidents.rules import (
    ACTIVE_STATUSES,
    Facts,
    Source,
    Status,
    check_transition,
    clean_text,
    parse_severity,
    parse_status,
    runbook_for,
)
from hikeshi.incidents.schemas import IncidentCreate, IncidentUpdate
from hikeshi.incidents.work import (
    NOTE_LIMIT,
    TITLE_LIMIT,
    count_recovery_actions,
    create_runbook_tasks,
    load_incident,
    record_event,
    user_id_of,
)
from hikeshi.inquiries import service as inquiries
from hikeshi.jobs.service import enqueue

NUMBER_ATTEMPTS = 5
# Told to the domains above (customer notices) after every status change, in the same transaction.
STATUS_CHANGED_JOB = "incidents.status_changed"
INQUIRY_TITLE_LIMIT = 120
USER_FIELDS = ("commander_id", "comms_lead_id", "hotfix_deployer_id")
PLAIN_FIELDS = (
    "started_at",
    "detected_at",
    "hotfix_planned_at",
    "override_stores_japan",
    "override_stores_overseas",
    "override_web_booking",
)


def _announce(
    session: Session,
    incident: Incident,
    changes: list[str],
    now: datetime,
    context: AnnouncementContext | None,
) -> None:
    """Tell the company what changed in the announced facts (the announcement decides what to post).

    No context: the caller announces nothing (a data import, a test of the lifecycle alone)."""
    if context is not None:
        announcing.announce_incident(
            session=session, incident=incident, changes=changes, now=now, context=context
        )


def declare_incident(
    *,
    session: Session,
    new: IncidentCreate,
    by: int | None,
    now: datetime,
    context: AnnouncementContext | None = None,
) -> Incident:
    """Open an incident in triage (or declared at once), linking the alert groups and inquiries named."""
    found_groups = [
        groups.get_group(session=session, group_id=gid) for gid in dict.fromkeys(new.alert_group_ids)
    ]
    found_inquiries = [
        inquiries.get_inquiry(session=session, inquiry_id=i) for i in dict.fromkeys(new.inquiry_ids)
    ]
    links.refuse_duplicate(session, new)
    title = new.title or (found_groups[0].title if found_groups else "")
    if not title.strip() and found_inquiries:  # the first line of what the store said, to be edited
        title = found_inquiries[0].body.strip().splitlines()[0][:INQUIRY_TITLE_LIMIT]
    product_ids = [p.id for p in catalog.products_by_slug(session=session, slugs=new.products)]
    for source_product in [g.product_id for g in found_groups] + [i.product_id for i in found_inquiries]:
        if source_product is not None and source_product not in product_ids:
            product_ids.append(source_product)
    first_seen = [g.first_seen_at for g in found_groups] + [i.created_at for i in found_inquiries]
    if (new.started_at and new.started_at > now) or (new.detected_at and new.detected_at > now):
        raise InvalidInput("started_at: must not be in the future", field="started_at")
    source = Source.ALERT_GROUP if found_groups else Source.INQUIRY if found_inquiries else Source.MANUAL
    incident = Incident(
        number=0,  # given when inserted
        title=clean_text(title, field="title", limit=TITLE_LIMIT),
        summary=clean_text(new.summary, field="summary", limit=NOTE_LIMIT, required=False),
        status=Status.TRIAGE.value,
        severity=parse_severity(new.severity).value,
        source=source.value,
        product_ids=sorted(product_ids),
        region_codes=[r.value for r in parse_regions(new.regions)],
        started_at=new.started_at or (min(first_seen) if first_seen else None),
        detected_at=new.detected_at or (min(first_seen) if first_seen else now),
        commander_id=user_id_of(session, new.commander_id, field="commander_id") or by,
        comms_lead_id=user_id_of(session, new.comms_lead_id, field="comms_lead_id"),
        created_by_id=by,
        created_at=now,
        updated_at=now,
        version=1,
    )
    _estimate(session, incident, now)
    _insert_numbered(session, incident)
    record_event(session, incident, "opened", now, by=by, note=incident.title, data={"source": source.value})
    for group in found_groups:
        links.take_alert_group(session, incident, group.id, by, now)
    for inquiry in found_inquiries:
        links.link_inquiry(session, incident, inquiry.id, by, now)
    _announce(session, incident, ["opened"], now, context)
    if new.declare:
        return change_status(
            session=session,
            number=incident.number,
            status=Status.INVESTIGATING,
            by=by,
            now=now,
            context=context,
        )
    session.flush()
    return incident


def _insert_numbered(session: Session, incident: Incident) -> None:
    """The next number; two declared at the same moment both get one (the loser of the race retries)."""
    for _ in range(NUMBER_ATTEMPTS):
        incident.number = (session.scalar(select(func.max(Incident.number))) or 0) + 1
        try:
            with session.begin_nested():
                session.add(incident)
                session.flush()
            return
        except IntegrityError:
            continue
    raise Conflict("incidents are being declared too fast; try again")


def _estimate(session: Session, incident: Incident, now: datetime) -> None:
    impact = estimate_impact(
        session=session,
        product_ids=incident.product_ids,
        region_codes=incident.region_codes,
        store_limit=0,
        with_emails=False,
    )
    incident.impact_store_count = impact.store_count
    incident.impact_stores_japan = impact.japan
    incident.impact_stores_overseas = impact.overseas
    incident.impact_web_booking = impact.web_booking_affected
    incident.impact_partner_ids = sorted(partner.id for partner in impact.partners)
    incident.impact_estimated_at = now


def change_status(
    *,
    session: Session,
    number: int,
    status: str,
    by: int | None,
    now: datetime,
    reason: str = "",
    context: AnnouncementContext | None = None,
) -> Incident:
    """Move the incident on; the rules say where it may go and what it needs to get there."""
    incident = load_incident(session, number, lock=True)
    current, target = Status(incident.status), parse_status(status)
    reason = reason.strip()
    facts = Facts(
        recovery_actions=count_recovery_actions(session, incident.id),
        no_action_reason=reason if target == Status.RESOLVED else "",
        dismiss_reason=reason if target == Status.DISMISSED else "",
    )
    check_transition(current, target, facts)
    incident.status = target.value
    if target in ACTIVE_STATUSES and incident.declared_at is None:
        incident.declared_at = now
        _start_runbook(session, incident, now)
    if target == Status.RESOLVED:
        incident.resolved_at = now
        incident.no_action_reason = "" if facts.recovery_actions else reason
    elif target == Status.DISMISSED:
        incident.dismissed_at = now
        incident.dismiss_reason = reason
    elif current == Status.RESOLVED:
        incident.resolved_at = None  # reopened: the fix did not hold
    data = {"from": current.value, "to": target.value}
    record_event(session, incident, "status", now, by=by, note=reason, data=data)
    session.flush()
    enqueue(
        session=session,
        kind=STATUS_CHANGED_JOB,
        payload={"incident_id": incident.id, **data},
        now=now,
    )
    _announce(session, incident, ["status"], now, context)
    return incident


def _start_runbook(session: Session, incident: Incident, now: datetime) -> None:
    started = session.scalar(
        select(IncidentTask.id).where(
            IncidentTask.incident_id == incident.id, IncidentTask.runbook_key.is_not(None)
        )
    )
    if started is not None:
        return
    support_owner = None
    if incident.comms_lead_id is not None:
        lead = accounts.get_user(session=session, user_id=incident.comms_lead_id)
        support_owner = lead.id if lead.role == Role.SUPPORT else None
    tasks = runbook_for(partners_affected=bool(incident.impact_partner_ids))
    create_runbook_tasks(session, incident, tasks, support_owner_id=support_owner, now=now)


def resolve_incident(
    *,
    session: Session,
    number: int,
    by: int | None,
    now: datetime,
    no_action_reason: str = "",
    context: AnnouncementContext | None = None,
) -> Incident:
    return change_status(
        session=session,
        number=number,
        status=Status.RESOLVED,
        by=by,
        now=now,
        reason=no_action_reason,
        context=context,
    )


def dismiss_incident(
    *,
    session: Session,
    number: int,
    reason: str,
    by: int | None,
    now: datetime,
    context: AnnouncementContext | None = None,
) -> Incident:
    return change_status(
        session=session,
        number=number,
        status=Status.DISMISSED,
        by=by,
        now=now,
        reason=reason,
        context=context,
    )


def update_incident(
    *,
    session: Session,
    number: int,
    update: IncidentUpdate,
    by: int | None,
    now: datetime,
    context: AnnouncementContext | None = None,
) -> Incident:
    """Change the fields sent; each change is a timeline entry naming the field, old and new value."""
    incident = load_incident(session, number, lock=True)
    if incident.status == Status.DISMISSED:
        raise Conflict("incident #{value} is dismissed; it cannot change", value=number)
    wanted = _wanted_values(session, update, now)
    changed = []
    for name, value in wanted.items():
        old = getattr(incident, name)
        if old == value:
            continue
        setattr(incident, name, value)
        changed.append(name)
        record_event(
            session,
            incident,
            "field",
            now,
            by=by,
            data={"field": name, "from": _shown(old), "to": _shown(value)},
        )
    if {"product_ids", "region_codes"} & set(changed):
        _estimate(session, incident, now)
    if {"hotfix_planned_at", "hotfix_deployer_id"} & set(changed):
        _follow_recovery_plan(session, incident)
    session.flush()
    if changed:
        _announce(session, incident, changed, now, context)
    return incident


def _wanted_values(session: Session, update: IncidentUpdate, now: datetime) -> dict[str, Any]:
    sent = update.model_fields_set
    wanted: dict[str, Any] = {}
    if "title" in sent:
        wanted["title"] = clean_text(update.title or "", field="title", limit=TITLE_LIMIT)
    if "summary" in sent:
        wanted["summary"] = clean_text(
            update.summary or "", field="summary", limit=NOTE_LIMIT, required=False
        )
    if "impact_note" in sent:
        wanted["impact_note"] = clean_text(
            update.impact_note or "", field="impact_note", limit=NOTE_LIMIT, required=False
        )
    if "severity" in sent:
        wanted["severity"] = parse_severity(update.severity or "").value
    if "products" in sent:
        found = catalog.products_by_slug(session=session, slugs=update.products or [])
        wanted["product_ids"] = sorted(p.id for p in found)
    if "regions" in sent:
        wanted["region_codes"] = [r.value for r in parse_regions(update.regions or [])]
    for name in USER_FIELDS:
        if name in sent:
            wanted[name] = user_id_of(session, getattr(update, name), field=name)
    for name in PLAIN_FIELDS:
        if name in sent:
            wanted[name] = getattr(update, name)
    for name in ("started_at", "detected_at"):
        if wanted.get(name) is not None and wanted[name] > now:
            raise InvalidInput("{field}: must not be in the future", field=name)
    return wanted


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _follow_recovery_plan(session: Session, incident: Incident) -> None:
    """The open hotfix task is due when the plan says, and is owned by whoever deploys it."""
    query = select(IncidentTask).where(
        IncidentTask.incident_id == incident.id,
        IncidentTask.runbook_key == "hotfix",
        IncidentTask.done_at.is_(None),
    )
    for task in session.scalars(query):
        task.due_at = incident.hotfix_planned_at
        if incident.hotfix_deployer_id is not None:
            task.owner_id = incident.hotfix_deployer_id
