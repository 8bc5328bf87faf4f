"""JSON API of customer notices: draft, edit, preview, publish, discard, read with history.

Staff (admin, engineer, support, sales) draft, edit and read; publishing needs a person allowed to speak
for the company (an administrator or a support team lead), which the service checks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.orm import Session

from hikeshi.accounts.deps import DbSession, Now, StaffApi
from hikeshi.comms import notices, publishing
from hikeshi.comms.models import Notice
from hikeshi.comms.publishing import PublishingContext
from hikeshi.comms.schemas import (
    EmailPreviewOut,
    NoticeCreate,
    NoticeDetailOut,
    NoticeDiscard,
    NoticeOut,
    NoticeUpdate,
    PreviewOut,
    RevisionOut,
)
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.deps import Number
from hikeshi.web.kit.context import container

router = APIRouter(prefix="/api/v1", tags=["notices"])


def _context(request: Request) -> PublishingContext:
    return PublishingContext.from_settings(container(request).settings)


def detail_out(db: Session, notice: Notice) -> NoticeDetailOut:
    history = notices.notice_history(session=db, notice_id=notice.id)
    return NoticeDetailOut(
        **NoticeOut.model_validate(notice).model_dump(),
        incident_number=notices.incident_number(session=db, incident_id=notice.incident_id),
        history=[RevisionOut.model_validate(revision) for revision in history],
    )


@router.get("/notices", response_model=list[NoticeOut])
def list_notices(
    db: DbSession,
    _: StaffApi,
    incident: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    status: str | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NoticeOut]:
    """Drafts awaiting approval first, then the others, newest first. `incident`: its number."""
    incident_id = None
    if incident is not None:
        incident_id = incidents.get_incident(session=db, number=incident).id
    found = notices.list_notices(session=db, incident_id=incident_id, status=status, kind=kind, limit=limit)
    return [NoticeOut.model_validate(notice) for notice in found]


@router.get("/notices/{notice_id:int}", response_model=NoticeDetailOut)
def read(notice_id: Number, db: DbSession, _: StaffApi) -> NoticeDetailOut:
    return detail_out(db, notices.get_notice(session=db, notice_id=notice_id))


@router.post(
    "/incidents/{number}/notices", response_model=NoticeDetailOut, status_code=status.HTTP_201_CREATED
)
def draft(
    number: Number, body: NoticeCreate, request: Request, db: DbSession, now: Now, user: StaffApi
) -> NoticeDetailOut:
    """A draft; the fields left out are pre-filled from the incident's facts."""
    incident = incidents.get_incident(session=db, number=number)
    notice = notices.create_notice(
        session=db,
        incident_id=incident.id,
        maintenance_id=None,
        kind=body.kind,
        by=user.id,
        now=now,
        channels=body.channels,
        title_ja=body.title_ja,
        title_en=body.title_en,
        body_ja=body.body_ja,
        body_en=body.body_en,
        public_status=body.public_status,
        impact=body.impact,
        component_statuses=body.component_statuses,
        timezone=container(request).settings.timezone,
    )
    db.commit()
    return detail_out(db, notice)


@router.patch("/notices/{notice_id:int}", response_model=NoticeDetailOut)
def edit(notice_id: Number, body: NoticeUpdate, db: DbSession, now: Now, user: StaffApi) -> NoticeDetailOut:
    notice = notices.update_notice(session=db, notice_id=notice_id, changes=body, by=user.id, now=now)
    db.commit()
    return detail_out(db, notice)


@router.post("/notices/{notice_id:int}/publish", response_model=NoticeDetailOut)
def publish(notice_id: Number, request: Request, db: DbSession, now: Now, user: StaffApi) -> NoticeDetailOut:
    """Approve and publish to the notice's channels (administrators and support team leads)."""
    context = _context(request)
    notice = publishing.publish_notice(
        session=db,
        notice_id=notice_id,
        by=user.id,
        now=now,
        base_url=context.base_url,
        open_hours=context.open_hours,
    )
    db.commit()
    return detail_out(db, notice)


@router.post("/notices/{notice_id:int}/discard", response_model=NoticeDetailOut)
def discard(
    notice_id: Number, body: NoticeDiscard, db: DbSession, now: Now, user: StaffApi
) -> NoticeDetailOut:
    notice = notices.discard_notice(session=db, notice_id=notice_id, reason=body.reason, by=user.id, now=now)
    db.commit()
    return detail_out(db, notice)


@router.get("/notices/{notice_id:int}/preview", response_model=PreviewOut)
def preview(notice_id: Number, request: Request, db: DbSession, _: StaffApi) -> PreviewOut:
    """Each channel as it would be sent: status page card, in-app item, emails, partner message."""
    context = _context(request)
    shown = publishing.preview_notice(
        session=db, notice_id=notice_id, base_url=context.base_url, company=context.company
    )
    return PreviewOut(
        notice_id=notice_id,
        status_page=shown.status_page,
        in_app=shown.in_app,
        email=[
            EmailPreviewOut(language=lang, subject=mail.subject, text=mail.text, html=mail.html)
            for lang, mail in shown.emails.items()
        ],
        partners={
            "email": {
                "subject": shown.partner_email.subject,
                "text": shown.partner_email.text,
                "html": shown.partner_email.html,
            },
            "webhook": shown.partner_webhook,
        },
    )
