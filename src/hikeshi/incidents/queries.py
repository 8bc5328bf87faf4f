"""Reading incidents: one by number, lists with filters, what each is linked to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.catalog import service as catalog
from hikeshi.core.errors import NotFound
from hikeshi.incidents.models import Incident, IncidentAlertGroup, IncidentInquiry
from hikeshi.incidents.rules import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Status,
    allowed_transitions,
    parse_severity,
    parse_status,
)
from hikeshi.incidents.work import load_incident

MAX_LIST = 500


def get_incident(*, session: Session, number: int) -> Incident:
    return load_incident(session, number)


def get_incident_by_id(*, session: Session, incident_id: int, lock: bool = False) -> Incident:
    """By row id (jobs and other domains keep ids); `lock`: held until the caller's transaction ends."""
    incident = session.get(Incident, incident_id, with_for_update=lock)
    if incident is None:
        raise NotFound("incident {value} does not exist", value=incident_id)
    return incident


def list_incidents(
    *,
    session: Session,
    state: str | None = None,
    product_slug: str | None = None,
    severity: str | None = None,
    limit: int = 100,
) -> list[Incident]:
    """Newest first. `state`: open, resolved, dismissed, closed, or a status; None: all."""
    limit = max(1, min(limit, MAX_LIST))
    query = select(Incident).order_by(Incident.number.desc())
    if not product_slug:  # products are a JSON list: that filter runs below, on the incidents found
        query = query.limit(limit)
    if state == "open":
        query = query.where(Incident.status.in_([s.value for s in OPEN_STATUSES]))
    elif state == "closed":
        query = query.where(Incident.status.in_([s.value for s in CLOSED_STATUSES]))
    elif state and state != "all":
        query = query.where(Incident.status == parse_status(state).value)
    if severity:
        query = query.where(Incident.severity == parse_severity(severity).value)
    found = list(session.scalars(query))
    if product_slug:
        product = catalog.get_product_by_slug(session=session, slug=product_slug)
        found = [incident for incident in found if product.id in incident.product_ids]
    return found[:limit]


def linked_alert_group_ids(*, session: Session, incident_id: int) -> list[int]:
    query = select(IncidentAlertGroup.alert_group_id).where(IncidentAlertGroup.incident_id == incident_id)
    return sorted(session.scalars(query))


def linked_inquiry_ids(*, session: Session, incident_id: int) -> list[int]:
    query = select(IncidentInquiry.inquiry_id).where(IncidentInquiry.incident_id == incident_id)
    return sorted(session.scalars(query))


def open_incident_linking(
    *, session: Session, alert_group_ids: Sequence[int] = (), inquiry_ids: Sequence[int] = ()
) -> tuple[Incident, str, int] | None:
    """An open incident already linked to one of these alert groups or inquiries: (it, "alert_group"
    or "inquiry", which one). Declaring again from them would open a duplicate."""
    still_open = [s.value for s in OPEN_STATUSES]
    checks = (
        ("alert_group", IncidentAlertGroup.alert_group_id, IncidentAlertGroup.incident_id, alert_group_ids),
        ("inquiry", IncidentInquiry.inquiry_id, IncidentInquiry.incident_id, inquiry_ids),
    )
    for kind, linked_id, incident_id, wanted in checks:
        if not wanted:
            continue
        query = (
            select(Incident, linked_id)
            .join(Incident, Incident.id == incident_id)
            .where(linked_id.in_(list(wanted)), Incident.status.in_(still_open))
            .order_by(Incident.number)
            .limit(1)
        )
        found = session.execute(query).first()
        if found is not None:
            return found[0], kind, int(found[1])
    return None


def transitions_of(incident: Incident) -> list[Status]:
    return sorted(allowed_transitions(Status(incident.status)), key=list(Status).index)
