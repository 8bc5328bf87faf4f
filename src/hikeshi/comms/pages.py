"""Notice pages: the list (drafts awaiting approval first), one notice to edit, preview, approve and
publish, and the notices panel on the incident page (`/incidents/{number}/comms-panel`, loaded by htmx:
incidents sit below comms and cannot render it themselves).

A refused change shows the notice again with the reason and the error's status code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import STAFF, Role
from hikeshi.catalog import service as catalog
from hikeshi.comms import calls, campaigns, notices, partner_notices, publishing
from hikeshi.comms.approvers import list_approvers, speaks_for_company
from hikeshi.comms.models import Notice
from hikeshi.comms.publishing import PublishingContext
from hikeshi.comms.rules import (
    ALL_CHANNELS,
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    NoticeChannel,
    NoticeKind,
    NoticeStatus,
    PublicStatus,
)
from hikeshi.comms.schemas import BODY_LIMIT, TITLE_LIMIT, NoticeUpdate
from hikeshi.comms.status_rules import COMPONENT_LABELS, INCIDENT_LABELS, MAINTENANCE_LABELS
from hikeshi.core.errors import HikeshiError
from hikeshi.core.i18n import LANGUAGES, N_, translations
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.deps import Number
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["notice pages"], include_in_schema=False)

KIND_LABELS = {
    NoticeKind.FIRST: N_("First notice"),
    NoticeKind.UPDATE: N_("Update"),
    NoticeKind.RESOLVED: N_("Resolved notice"),
    NoticeKind.MAINTENANCE: N_("Maintenance notice"),
}
STATUS_LABELS = {
    NoticeStatus.DRAFT: N_("Awaiting approval"),
    NoticeStatus.PUBLISHED: N_("Published"),
    NoticeStatus.DISCARDED: N_("Discarded"),
}
CHANNEL_LABELS = {
    NoticeChannel.STATUS_PAGE: N_("Status page"),
    NoticeChannel.IN_APP: N_("In-app notices"),
    NoticeChannel.EMAIL: N_("Email to the affected stores"),
    NoticeChannel.CALLS: N_("Phone calls to the affected stores"),
    NoticeChannel.PARTNERS: N_("Partners (email and webhook)"),
}
ACTION_LABELS = {
    "drafted": N_("Drafted"),
    "edited": N_("Edited"),
    "published": N_("Approved and published"),
    "discarded": N_("Discarded"),
}
IMPACT_LABELS = {
    Impact.NONE: N_("None"),
    Impact.MINOR: N_("Minor"),
    Impact.MAJOR: N_("Major"),
    Impact.CRITICAL: N_("Critical"),
}
PUBLIC_LABELS: dict[str, str] = {
    **{status.value: label for status, label in INCIDENT_LABELS.items()},
    **{status.value: label for status, label in MAINTENANCE_LABELS.items()},
}
NEW_KINDS = (NoticeKind.FIRST, NoticeKind.UPDATE, NoticeKind.RESOLVED)


def render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def labels() -> dict[str, object]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "action_labels": ACTION_LABELS,
        "impact_labels": IMPACT_LABELS,
        "component_labels": COMPONENT_LABELS,
        "public_labels": PUBLIC_LABELS,
    }


def _numbers(db: Session, found: list[Notice]) -> dict[int, int]:
    ids = {notice.incident_id for notice in found if notice.incident_id is not None}
    return {
        incident_id: incidents.get_incident_by_id(session=db, incident_id=incident_id).number
        for incident_id in ids
    }


@router.get("/notices")
def list_page(request: Request, db: DbSession, _: StaffPage) -> Response:
    found = notices.list_notices(session=db, limit=200)
    context = {
        **labels(),
        "drafts": [n for n in found if n.status == NoticeStatus.DRAFT],
        "published": [n for n in found if n.status == NoticeStatus.PUBLISHED],
        "discarded": [n for n in found if n.status == NoticeStatus.DISCARDED],
        "numbers": _numbers(db, found),
    }
    return render(request, "comms/notices.html", context)


def _people(db: Session) -> dict[int, str]:
    return {person.id: person.name for person in accounts.list_users(session=db)}


def notice_context(request: Request, db: Session, notice: Notice, user: User) -> dict[str, object]:
    settings = PublishingContext.from_settings(container(request).settings)
    number = notices.incident_number(session=db, incident_id=notice.incident_id)
    products = [p for p in catalog.list_products(session=db) if p.customer_facing]
    statuses = MaintenanceStatus if notice.kind == NoticeKind.MAINTENANCE else PublicStatus
    published = notice.status == NoticeStatus.PUBLISHED
    return {
        **labels(),
        "notice": notice,
        "incident_number": number,
        "history": notices.notice_history(session=db, notice_id=notice.id),
        "people": _people(db),
        "products": products,
        "channels": ALL_CHANNELS,
        "public_statuses": list(statuses),
        "impacts": list(Impact),
        "component_statuses": list(ComponentStatus),
        "editable": notice.status == NoticeStatus.DRAFT,
        "can_publish": notice.status == NoticeStatus.DRAFT and speaks_for_company(user),
        "approvers": [person.name for person in list_approvers(session=db)],
        "preview": publishing.preview_notice(
            session=db, notice_id=notice.id, base_url=settings.base_url, company=settings.company
        ),
        "campaign": campaigns.campaign_progress(session=db, notice_id=notice.id) if published else None,
        "partners": partner_notices.partner_deliveries(session=db, notice_id=notice.id) if published else [],
        "calls": (
            calls.call_progress(session=db, incident_id=notice.incident_id)
            if published and notice.incident_id is not None and NoticeChannel.CALLS in notice.channels
            else None
        ),
        "limits": {"title": TITLE_LIMIT, "body": BODY_LIMIT},
        # The previews speak their own language, whatever the reader's.
        "speak": {language: translations(language).gettext for language in LANGUAGES},
    }


@router.get("/notices/{notice_id:int}")
def notice_page(request: Request, notice_id: Number, db: DbSession, user: StaffPage) -> Response:
    notice = notices.get_notice(session=db, notice_id=notice_id)
    return render(request, "comms/notice.html", notice_context(request, db, notice, user))


def _apply(
    request: Request, db: Session, notice_id: int, user: User, change: Callable[[], object]
) -> Response:
    try:
        change()
    except HikeshiError as error:
        db.rollback()
        notice = notices.get_notice(session=db, notice_id=notice_id)
        context = {
            **notice_context(request, db, notice, user),
            "error": error.render(translator(request).gettext),
        }
        return render(request, "comms/notice.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/notices/{notice_id:int}")
def edit(
    request: Request,
    notice_id: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    title_ja: Annotated[str, Form()] = "",
    title_en: Annotated[str, Form()] = "",
    body_ja: Annotated[str, Form()] = "",
    body_en: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None,
    public_status: Annotated[str, Form(max_length=20)] = "",
    impact: Annotated[str, Form(max_length=10)] = "",
    components: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The edit form: texts, channels, public status, impact, each product's status ("id:status")."""
    shown: dict[str, str] = {}
    for value in components or []:
        product_id, _, status = value.partition(":")
        if status:
            shown[product_id] = status
    changes = NoticeUpdate.model_construct(
        title_ja=title_ja[: TITLE_LIMIT + 1],
        title_en=title_en[: TITLE_LIMIT + 1],
        body_ja=body_ja[: BODY_LIMIT + 1],
        body_en=body_en[: BODY_LIMIT + 1],
        channels=channels or [],
        public_status=public_status or None,
        impact=impact or None,
        component_statuses=shown,
    )

    def change() -> object:
        return notices.update_notice(session=db, notice_id=notice_id, changes=changes, by=user.id, now=now)

    return _apply(request, db, notice_id, user, change)


@router.post("/notices/{notice_id:int}/publish")
def publish(request: Request, notice_id: Number, db: DbSession, now: Now, user: StaffPage) -> Response:
    context = PublishingContext.from_settings(container(request).settings)

    def change() -> object:
        return publishing.publish_notice(
            session=db,
            notice_id=notice_id,
            by=user.id,
            now=now,
            base_url=context.base_url,
            open_hours=context.open_hours,
        )

    return _apply(request, db, notice_id, user, change)


@router.post("/notices/{notice_id:int}/discard")
def discard(
    request: Request,
    notice_id: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def change() -> object:
        return notices.discard_notice(session=db, notice_id=notice_id, reason=reason, by=user.id, now=now)

    return _apply(request, db, notice_id, user, change)


@router.post("/incidents/{number}/notices")
def draft(
    request: Request,
    number: Number,
    db: DbSession,
    now: Now,
    user: StaffPage,
    kind: Annotated[str, Form(max_length=20)] = NoticeKind.FIRST.value,
) -> Response:
    """The panel's "Draft …" buttons: a pre-filled draft, then its page."""
    incident = incidents.get_incident(session=db, number=number)
    try:
        notice = notices.create_notice(
            session=db,
            incident_id=incident.id,
            maintenance_id=None,
            kind=kind,
            by=user.id,
            now=now,
            timezone=container(request).settings.timezone,
        )
    except HikeshiError as error:
        db.rollback()
        context = {"incident": incident, "error": error.render(translator(request).gettext)}
        return render(request, "comms/refused.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/notices/{notice.id}", status_code=303)


def _panel_context(db: Session, number: int, user: User) -> dict[str, object]:
    incident = incidents.get_incident(session=db, number=number)
    found = notices.incident_notices(session=db, incident_id=incident.id)
    progress = {
        notice.id: campaigns.campaign_progress(session=db, notice_id=notice.id)
        for notice in found
        if notice.status == NoticeStatus.PUBLISHED and NoticeChannel.EMAIL in notice.channels
    }
    call_progress = calls.call_progress(session=db, incident_id=incident.id)
    return {
        **labels(),
        "incident": incident,
        "notices": found,
        "campaigns": progress,
        "calls": call_progress if call_progress.total else None,
        "new_kinds": NEW_KINDS,
        "can_draft": Role(user.role) in STAFF
        and incident.declared_at is not None
        and incident.status != "dismissed",
    }


@router.get("/incidents/{number}/comms-panel")
def incident_panel(request: Request, number: Number, db: DbSession, user: AnyUserPage) -> Response:
    """The incident page's customer-notice panel: its notices, drafting buttons, campaign and calls."""
    return render(request, "comms/incident_panel.html", _panel_context(db, number, user))
