"""Postmortems from opening to publication: opened when an incident is resolved, written, reviewed, published.

draft → in review → published; a reviewer sends it back, a published one is reopened to be corrected.
Each step is also a line on the incident's timeline. Publishing renders the Markdown and enqueues the
job that copies it to the knowledge base (`publishing_handlers`), so nothing leaves before the commit.
These functions never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.accounts.rules import Role
from hikeshi.core.errors import Conflict, NotFound
from hikeshi.core.timezones import DEFAULT_TIMEZONE
from hikeshi.incidents import queries as incidents
from hikeshi.incidents import work
from hikeshi.incidents.models import Incident, IncidentEvent
from hikeshi.incidents.rules import Status
from hikeshi.jobs.service import enqueue
from hikeshi.postmortems import action_items, facts, markdown
from hikeshi.postmortems.document import PostmortemDocument
from hikeshi.postmortems.models import ActionItem, Postmortem
from hikeshi.postmortems.rules import (
    EDITABLE,
    PUBLISH_JOB,
    TEXT_FIELDS,
    IncompletePostmortem,
    PostmortemStatus,
    check_reviewer,
    check_transition,
    clean_text,
    missing_fields,
    parse_status,
)
from hikeshi.postmortems.schemas import PostmortemUpdate

MAX_LIST = 500
LANGUAGE_SUFFIXES = ("ja", "en")


@dataclass(frozen=True, slots=True)
class PostmortemRow:
    """A postmortem in a list, with its incident and the owner's name."""

    postmortem: Postmortem
    incident: Incident
    owner_name: str | None


def get_postmortem(*, session: Session, postmortem_id: int, lock: bool = False) -> Postmortem:
    postmortem = session.get(Postmortem, postmortem_id, with_for_update=lock)
    if postmortem is None:
        raise NotFound("Postmortem {postmortem_id} does not exist", postmortem_id=postmortem_id)
    return postmortem


def postmortem_for_incident(*, session: Session, incident_id: int) -> Postmortem | None:
    return session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))


def list_postmortems(
    *,
    session: Session,
    status: str | None = None,
    owner_id: int | None = None,
    incident_number: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[PostmortemRow]:
    """Newest incident first."""
    query = (
        select(Postmortem, Incident, User.name)
        .join(Incident, Incident.id == Postmortem.incident_id)
        .outerjoin(User, User.id == Postmortem.owner_id)
        .order_by(Incident.number.desc())
        .limit(max(1, min(limit, MAX_LIST)))
        .offset(max(0, offset))
    )
    if status:
        query = query.where(Postmortem.status == parse_status(status).value)
    if owner_id is not None:
        query = query.where(Postmortem.owner_id == owner_id)
    if incident_number is not None:
        query = query.where(Incident.number == incident_number)
    return [
        PostmortemRow(postmortem, incident, name) for postmortem, incident, name in session.execute(query)
    ]


def _record(
    session: Session, postmortem: Postmortem, kind: str, now: datetime, *, by: int | None, note: str = ""
) -> None:
    incident = incidents.get_incident_by_id(session=session, incident_id=postmortem.incident_id)
    work.record_event(session, incident, kind, now, by=by, note=note, data={"postmortem_id": postmortem.id})


def _resolver(session: Session, incident: Incident) -> int | None:
    """Who resolved the incident last (the newest status event into resolved)."""
    events = session.scalars(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "status")
        .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc())
    )
    for event in events:
        if (event.data or {}).get("to") == Status.RESOLVED.value:
            return event.actor_user_id
    return None


def open_postmortem(
    *, session: Session, incident_id: int, now: datetime, timezone: str = DEFAULT_TIMEZONE
) -> Postmortem:
    """The incident's postmortem, opened as a pre-filled draft on first call; the same one afterwards."""
    incident = incidents.get_incident_by_id(session=session, incident_id=incident_id, lock=True)
    existing = postmortem_for_incident(session=session, incident_id=incident.id)
    if existing is not None:
        return existing
    if incident.status != Status.RESOLVED.value:
        raise Conflict(
            "A postmortem opens when the incident is resolved; incident #{number} is {status}",
            number=incident.number,
            status=incident.status,
        )
    postmortem = Postmortem(
        incident_id=incident.id,
        status=PostmortemStatus.DRAFT.value,
        owner_id=incident.commander_id or _resolver(session, incident),
        created_at=now,
        updated_at=now,
        version=1,
        **facts.prefill(session=session, incident=incident, timezone=timezone),
    )
    session.add(postmortem)
    session.flush()
    _record(session, postmortem, "postmortem_opened", now, by=None)
    session.flush()
    return postmortem


def _check_version(postmortem: Postmortem, version: int | None) -> None:
    if version is not None and version != postmortem.version:
        raise Conflict(
            "The postmortem changed since you read it (version {yours}, now {current}); reload and retry",
            yours=version,
            current=postmortem.version,
        )


def _editable(postmortem: Postmortem) -> None:
    if PostmortemStatus(postmortem.status) not in EDITABLE:
        raise Conflict("A published postmortem cannot change; reopen it first")


def _touch(postmortem: Postmortem, now: datetime) -> None:
    postmortem.version += 1
    postmortem.updated_at = now


def update_postmortem(
    *, session: Session, postmortem_id: int, changes: PostmortemUpdate, by: int | None, now: datetime
) -> Postmortem:
    """Change the fields sent (while a draft or in review); nothing sent or nothing new changes nothing."""
    postmortem = get_postmortem(session=session, postmortem_id=postmortem_id, lock=True)
    _editable(postmortem)
    _check_version(postmortem, changes.version)
    sent = changes.model_fields_set
    wanted: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        for suffix in LANGUAGE_SUFFIXES:
            field = f"{name}_{suffix}"
            value = getattr(changes, field)
            if field in sent and value is not None:
                wanted[field] = clean_text(value, field=field)
    if "owner_id" in sent:
        wanted["owner_id"] = action_items.owner_or_none(session, changes.owner_id)
    changed = {field: value for field, value in wanted.items() if getattr(postmortem, field) != value}
    for field, value in changed.items():
        setattr(postmortem, field, value)
    if changed:
        _touch(postmortem, now)
    session.flush()
    return postmortem


def _move(
    session: Session, postmortem_id: int, target: PostmortemStatus, now: datetime, version: int | None
) -> Postmortem:
    postmortem = get_postmortem(session=session, postmortem_id=postmortem_id, lock=True)
    _check_version(postmortem, version)
    check_transition(PostmortemStatus(postmortem.status), target)
    return postmortem


def submit_postmortem(
    *, session: Session, postmortem_id: int, by: int | None, now: datetime, version: int | None = None
) -> Postmortem:
    """Ask for review: someone else then publishes it or sends it back."""
    postmortem = _move(session, postmortem_id, PostmortemStatus.IN_REVIEW, now, version)
    postmortem.status = PostmortemStatus.IN_REVIEW.value
    postmortem.submitted_at = now
    postmortem.submitted_by_id = by
    _touch(postmortem, now)
    _record(session, postmortem, "postmortem_submitted", now, by=by)
    session.flush()
    return postmortem


def return_to_draft(
    *,
    session: Session,
    postmortem_id: int,
    by: int | None,
    now: datetime,
    note: str = "",
    version: int | None = None,
) -> Postmortem:
    """The reviewer sends it back with what to change (kept on the incident's timeline)."""
    postmortem = _move(session, postmortem_id, PostmortemStatus.DRAFT, now, version)
    if postmortem.status != PostmortemStatus.IN_REVIEW.value:
        raise Conflict("Only a postmortem in review is sent back; reopen a published one")
    postmortem.status = PostmortemStatus.DRAFT.value
    postmortem.submitted_at = None
    postmortem.submitted_by_id = None
    _touch(postmortem, now)
    _record(session, postmortem, "postmortem_returned", now, by=by, note=clean_text(note, field="note"))
    session.flush()
    return postmortem


def documents(
    *, session: Session, postmortem: Postmortem, timezone: str, url: str
) -> tuple[PostmortemDocument, PostmortemDocument]:
    """The Japanese and the English documents (the English one's text is "" where none is written)."""
    return (
        facts.build_document(
            session=session, postmortem=postmortem, language="ja", timezone=timezone, url=url
        ),
        facts.build_document(
            session=session, postmortem=postmortem, language="en", timezone=timezone, url=url
        ),
    )


def render_markdown(*, session: Session, postmortem: Postmortem, timezone: str, url: str) -> str:
    """The Markdown as it would be published now (English only when some is written)."""
    ja, en = documents(session=session, postmortem=postmortem, timezone=timezone, url=url)
    return markdown.render(ja, en if facts.has_english(postmortem) else None)


def missing_for(*, session: Session, postmortem: Postmortem) -> list[str]:
    """The required fields still empty, as `RequiredField` values."""
    return [field.value for field in missing_fields(facts.gate_facts(session=session, postmortem=postmortem))]


def publish_postmortem(
    *,
    session: Session,
    postmortem_id: int,
    by: User,
    now: datetime,
    url: str,
    timezone: str = DEFAULT_TIMEZONE,
    version: int | None = None,
) -> Postmortem:
    """Publish after review: refused while a required field is empty (naming each) or by its submitter.

    The Markdown is fixed now; the knowledge-base copy is made by the publish job after the commit.
    """
    postmortem = _move(session, postmortem_id, PostmortemStatus.PUBLISHED, now, version)
    missing = missing_fields(facts.gate_facts(session=session, postmortem=postmortem))
    if missing:
        raise IncompletePostmortem(missing)
    check_reviewer(
        submitted_by_id=postmortem.submitted_by_id,
        publisher_id=by.id,
        publisher_is_admin=by.role == Role.ADMIN.value,
    )
    postmortem.published_markdown = render_markdown(
        session=session, postmortem=postmortem, timezone=timezone, url=url
    )
    postmortem.status = PostmortemStatus.PUBLISHED.value
    postmortem.published_at = now
    postmortem.published_by_id = by.id
    _touch(postmortem, now)
    enqueue(
        session=session,
        kind=PUBLISH_JOB,
        payload={"postmortem_id": postmortem.id, "version": postmortem.version},
        now=now,
        idempotency_key=f"{PUBLISH_JOB}:{postmortem.id}:{postmortem.version}",
    )
    _record(session, postmortem, "postmortem_published", now, by=by.id)
    session.flush()
    return postmortem


def reopen_postmortem(
    *, session: Session, postmortem_id: int, by: int | None, now: datetime, version: int | None = None
) -> Postmortem:
    """A published postmortem back to draft, to be corrected; publishing again updates the same post."""
    postmortem = _move(session, postmortem_id, PostmortemStatus.DRAFT, now, version)
    if postmortem.status != PostmortemStatus.PUBLISHED.value:
        raise Conflict("Only a published postmortem is reopened")
    postmortem.status = PostmortemStatus.DRAFT.value
    postmortem.submitted_at = None
    postmortem.submitted_by_id = None
    _touch(postmortem, now)
    _record(session, postmortem, "postmortem_reopened", now, by=by)
    session.flush()
    return postmortem


def add_action_item(
    *,
    session: Session,
    postmortem_id: int,
    title: str,
    due_on: date,
    owner_id: int | None,
    by: int | None,
    now: datetime,
    description: str = "",
) -> ActionItem:
    """A prevention measure on a postmortem being written (reopen a published one first)."""
    postmortem = get_postmortem(session=session, postmortem_id=postmortem_id, lock=True)
    _editable(postmortem)
    item = action_items.create_action_item(
        session=session,
        postmortem_id=postmortem.id,
        title=title,
        due_on=due_on,
        owner_id=owner_id,
        description=description,
        created_by_id=by,
        now=now,
    )
    postmortem.updated_at = now
    session.flush()
    return item
