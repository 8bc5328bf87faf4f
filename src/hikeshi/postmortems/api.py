"""JSON API of postmortems: list, read, edit, submit, send back, publish, reopen, Markdown, action items.

Staff (admin, engineer, support, sales) read; responders (admin, engineer) write. Publishing is refused
while a required field is empty (409, naming each field) or by the person who submitted it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse

from hikeshi.accounts.deps import DbSession, Now, ResponderApi, StaffApi
from hikeshi.core.errors import NotFound
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.deps import Number
from hikeshi.postmortems import service
from hikeshi.postmortems.deps import action_item_out, postmortem_out, summary_out, today
from hikeshi.postmortems.schemas import (
    ActionItemIn,
    ActionItemOut,
    PostmortemOut,
    PostmortemSummaryOut,
    PostmortemUpdate,
    ReturnToDraft,
)
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1", tags=["postmortems"])


class MarkdownResponse(PlainTextResponse):
    """Text in Markdown, so that the OpenAPI document names the media type the answer carries."""

    media_type = "text/markdown"


MAX_ID = 2_147_483_647


def _zone(request: Request) -> str:
    zone: str = container(request).settings.timezone
    return zone


def _url(request: Request, postmortem_id: int) -> str:
    url: str = container(request).settings.public_url(f"/postmortems/{postmortem_id}")
    return url


def _out(request: Request, db: DbSession, postmortem_id: int, now: Now) -> PostmortemOut:
    postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
    return postmortem_out(db, postmortem, on=today(now, _zone(request)))


@router.get("/postmortems", response_model=list[PostmortemSummaryOut])
def list_postmortems(
    db: DbSession,
    _: StaffApi,
    status: str | None = None,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ID, description="An incident's number")] = None,
    owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[PostmortemSummaryOut]:
    """Newest incident first; `incident` finds the one postmortem of that incident."""
    rows = service.list_postmortems(
        session=db, status=status, owner_id=owner_id, incident_number=incident, limit=limit, offset=offset
    )
    return [summary_out(row) for row in rows]


@router.get("/postmortems/{postmortem_id}", response_model=PostmortemOut)
def read(postmortem_id: Number, request: Request, db: DbSession, now: Now, _: StaffApi) -> PostmortemOut:
    """The postmortem with its action items, durations and the required fields still empty."""
    return _out(request, db, postmortem_id, now)


@router.get("/incidents/{number}/postmortem", response_model=PostmortemOut)
def read_for_incident(
    number: Number, request: Request, db: DbSession, now: Now, _: StaffApi
) -> PostmortemOut:
    """The incident's postmortem (404 until the incident is resolved)."""
    incident = incidents.get_incident(session=db, number=number)
    found = service.postmortem_for_incident(session=db, incident_id=incident.id)
    if found is None:
        raise NotFound("Incident #{number} has no postmortem yet", number=number)
    return postmortem_out(db, found, on=today(now, _zone(request)))


@router.patch("/postmortems/{postmortem_id}", response_model=PostmortemOut)
def edit(
    postmortem_id: Number,
    body: PostmortemUpdate,
    request: Request,
    db: DbSession,
    now: Now,
    user: ResponderApi,
) -> PostmortemOut:
    """Change the fields sent; send `version` to be refused (409) when someone changed it meanwhile."""
    service.update_postmortem(session=db, postmortem_id=postmortem_id, changes=body, by=user.id, now=now)
    db.commit()
    return _out(request, db, postmortem_id, now)


@router.post("/postmortems/{postmortem_id}/submit", response_model=PostmortemOut)
def submit(
    postmortem_id: Number, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> PostmortemOut:
    """Ask for review (draft → in review)."""
    service.submit_postmortem(session=db, postmortem_id=postmortem_id, by=user.id, now=now)
    db.commit()
    return _out(request, db, postmortem_id, now)


@router.post("/postmortems/{postmortem_id}/return", response_model=PostmortemOut)
def send_back(
    postmortem_id: Number, body: ReturnToDraft, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> PostmortemOut:
    """Send it back to draft (in review → draft) with what to change."""
    service.return_to_draft(session=db, postmortem_id=postmortem_id, by=user.id, now=now, note=body.note)
    db.commit()
    return _out(request, db, postmortem_id, now)


@router.post("/postmortems/{postmortem_id}/publish", response_model=PostmortemOut)
def publish(
    postmortem_id: Number, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> PostmortemOut:
    """Publish (in review → published) and copy it to the knowledge base; 409 names every empty field."""
    service.publish_postmortem(
        session=db,
        postmortem_id=postmortem_id,
        by=user,
        now=now,
        url=_url(request, postmortem_id),
        timezone=_zone(request),
    )
    db.commit()
    return _out(request, db, postmortem_id, now)


@router.post("/postmortems/{postmortem_id}/reopen", response_model=PostmortemOut)
def reopen(
    postmortem_id: Number, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> PostmortemOut:
    """A published postmortem back to draft; publishing again updates the same knowledge-base post."""
    service.reopen_postmortem(session=db, postmortem_id=postmortem_id, by=user.id, now=now)
    db.commit()
    return _out(request, db, postmortem_id, now)


@router.get("/postmortems/{postmortem_id}/markdown", response_class=MarkdownResponse)
def markdown(postmortem_id: Number, request: Request, db: DbSession, _: StaffApi) -> MarkdownResponse:
    """The Markdown: as published when published, else as it would be published now."""
    postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
    text = postmortem.published_markdown if postmortem.status == "published" else ""
    if not text:
        text = service.render_markdown(
            session=db, postmortem=postmortem, timezone=_zone(request), url=_url(request, postmortem_id)
        )
    return MarkdownResponse(text)


@router.post(
    "/postmortems/{postmortem_id}/action-items",
    response_model=ActionItemOut,
    status_code=status.HTTP_201_CREATED,
)
def add_action_item(
    postmortem_id: Number, body: ActionItemIn, request: Request, db: DbSession, now: Now, user: ResponderApi
) -> ActionItemOut:
    """A prevention measure with an owner and a due day (in the company's time zone)."""
    item = service.add_action_item(
        session=db,
        postmortem_id=postmortem_id,
        title=body.title,
        description=body.description,
        owner_id=body.owner_id,
        due_on=body.due_on,
        by=user.id,
        now=now,
    )
    db.commit()
    number = incidents.get_incident_by_id(session=db, incident_id=item.incident_id).number
    return action_item_out(db, item, number=number, on=today(now, _zone(request)))
