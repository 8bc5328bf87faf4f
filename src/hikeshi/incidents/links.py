"""Linking an incident to what it came from: alert groups (acknowledged, their pages stopped) and
customer inquiries; and the refusal to open a second incident from what an open one already holds.
They never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from hikeshi.alerts import groups
from hikeshi.alerts.rules import AlertStatus
from hikeshi.core.errors import Conflict
from hikeshi.incidents.models import Incident, IncidentAlertGroup, IncidentInquiry
from hikeshi.incidents.queries import open_incident_linking
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.incidents.work import load_incident, record_event
from hikeshi.inquiries import service as inquiries
from hikeshi.oncall import paging
from hikeshi.oncall.paging_rules import PageStatus

PAGES_IN_FLIGHT = (PageStatus.TRIGGERED, PageStatus.EXHAUSTED)


def refuse_duplicate(session: Session, new: IncidentCreate) -> None:
    """An alert group or inquiry already in an open incident: that incident is the one to work in."""
    found = open_incident_linking(
        session=session, alert_group_ids=new.alert_group_ids, inquiry_ids=new.inquiry_ids
    )
    if found is None:
        return
    incident, kind, source_id = found
    if kind == "alert_group":
        raise Conflict(
            "alert_group_ids: alert group {value} is already part of open incident #{number}",
            field="alert_group_ids",
            value=source_id,
            number=incident.number,
        )
    raise Conflict(
        "inquiry_ids: inquiry {value} is already part of open incident #{number}",
        field="inquiry_ids",
        value=source_id,
        number=incident.number,
    )


def take_alert_group(
    session: Session, incident: Incident, group_id: int, by: int | None, now: datetime
) -> None:
    """Link the group; someone is on it now, so it is acknowledged and its pages stop."""
    if session.get(IncidentAlertGroup, (incident.id, group_id)) is not None:
        return
    session.add(IncidentAlertGroup(incident_id=incident.id, alert_group_id=group_id, linked_at=now))
    group = groups.get_group(session=session, group_id=group_id)
    in_flight = [
        page.id
        for page in paging.pages_for_source(session=session, source_kind="alert_group", source_id=group_id)
        if page.status in PAGES_IN_FLIGHT
    ]
    if group.status == AlertStatus.TRIGGERED and by is not None:
        groups.acknowledge_group(session=session, group_id=group_id, user_id=by, now=now)
    # Acknowledging the group stops its pages too; pages of a group acknowledged earlier, or with no
    # one named to acknowledge it, are stopped here.
    paging.acknowledge_source_pages(
        session=session, source_kind="alert_group", source_id=group_id, user_id=by, now=now
    )
    record_event(
        session,
        incident,
        "alert_group_linked",
        now,
        by=by,
        note=group.title,
        data={"alert_group_id": group_id, "pages_stopped": in_flight},
    )


def link_inquiry(
    session: Session, incident: Incident, inquiry_id: int, by: int | None, now: datetime
) -> None:
    if session.get(IncidentInquiry, (incident.id, inquiry_id)) is not None:
        return
    session.add(IncidentInquiry(incident_id=incident.id, inquiry_id=inquiry_id, linked_at=now))
    record_event(session, incident, "inquiry_linked", now, by=by, data={"inquiry_id": inquiry_id})


def link_inquiries(
    *, session: Session, number: int, inquiry_ids: Sequence[int], by: int | None, now: datetime
) -> Incident:
    incident = load_incident(session, number, lock=True)
    for inquiry_id in dict.fromkeys(inquiry_ids):
        inquiries.get_inquiry(session=session, inquiry_id=inquiry_id)
        link_inquiry(session, incident, inquiry_id, by, now)
    session.flush()
    return incident


def link_alert_group(
    *, session: Session, number: int, group_id: int, by: int | None, now: datetime
) -> Incident:
    incident = load_incident(session, number, lock=True)
    groups.get_group(session=session, group_id=group_id)
    take_alert_group(session, incident, group_id, by, now)
    session.flush()
    return incident
