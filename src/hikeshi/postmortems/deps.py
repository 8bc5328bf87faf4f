"""What the postmortem entry points (API, pages, CLI) share: the JSON shapes built from the service's rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents import queries as incidents
from hikeshi.postmortems import action_items, service
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.rules import durations, local_day
from hikeshi.postmortems.schemas import ActionItemOut, PostmortemOut, PostmortemSummaryOut

TEXT_COLUMNS = (
    "symptom_ja",
    "symptom_en",
    "recovery_ja",
    "recovery_en",
    "impact_ja",
    "impact_en",
    "cause_ja",
    "cause_en",
    "prevention_ja",
    "prevention_en",
)


def today(now: datetime, zone: str) -> date:
    """Today in the company's time zone: action items are due on days there."""
    return local_day(now, zone)


def _name(db: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        return accounts.get_user(session=db, user_id=user_id).name
    except NotFound:
        return None


def action_item_out(db: Session, item: ActionItem, *, number: int, on: date) -> ActionItemOut:
    return ActionItemOut.of(item, incident_number=number, owner_name=_name(db, item.owner_id), today=on)


def postmortem_out(db: Session, postmortem: Postmortem, *, on: date) -> PostmortemOut:
    incident = incidents.get_incident_by_id(session=db, incident_id=postmortem.incident_id)
    spans = durations(
        started_at=incident.started_at, detected_at=incident.detected_at, resolved_at=incident.resolved_at
    )
    seconds = {
        name: int(value.total_seconds()) if value is not None else None
        for name, value in (
            ("start_to_detection", spans.start_to_detection),
            ("detection_to_resolution", spans.detection_to_resolution),
            ("start_to_resolution", spans.start_to_resolution),
        )
    }
    items = action_items.action_items_of(session=db, postmortem_id=postmortem.id)
    return PostmortemOut(
        id=postmortem.id,
        incident_id=incident.id,
        incident_number=incident.number,
        incident_title=incident.title,
        status=postmortem.status,
        **{column: getattr(postmortem, column) for column in TEXT_COLUMNS},
        owner_id=postmortem.owner_id,
        owner_name=_name(db, postmortem.owner_id),
        submitted_at=postmortem.submitted_at,
        submitted_by_id=postmortem.submitted_by_id,
        published_at=postmortem.published_at,
        published_by_id=postmortem.published_by_id,
        kb_kind=postmortem.kb_kind,
        kb_post_number=postmortem.kb_post_number,
        kb_location=postmortem.kb_location,
        kb_synced_at=postmortem.kb_synced_at,
        kb_synced_version=postmortem.kb_synced_version,
        kb_error=postmortem.kb_error,
        missing=service.missing_for(session=db, postmortem=postmortem),
        durations=seconds,
        action_items=[action_item_out(db, item, number=incident.number, on=on) for item in items],
        created_at=postmortem.created_at,
        updated_at=postmortem.updated_at,
        version=postmortem.version,
    )


def summary_out(row: service.PostmortemRow) -> PostmortemSummaryOut:
    postmortem, incident = row.postmortem, row.incident
    return PostmortemSummaryOut(
        id=postmortem.id,
        incident_id=incident.id,
        incident_number=incident.number,
        incident_title=incident.title,
        severity=incident.severity,
        status=postmortem.status,
        owner_id=postmortem.owner_id,
        owner_name=row.owner_name,
        resolved_at=incident.resolved_at,
        published_at=postmortem.published_at,
        kb_location=postmortem.kb_location,
        updated_at=postmortem.updated_at,
        version=postmortem.version,
    )


def parse_day(value: str, *, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("{field}: give a day as YYYY-MM-DD: {value}", field=field, value=value) from None


def user_by_email(db: Session, email: str | None, *, field: str) -> int | None:
    """The id of the user with this email (None when none is given); the error names the field."""
    if email is None or not email.strip():
        return None
    person = accounts.find_user_by_email(session=db, email=email.strip())
    if person is None:
        raise NotFound("{field}: user {value} does not exist", field=field, value=email)
    return person.id
