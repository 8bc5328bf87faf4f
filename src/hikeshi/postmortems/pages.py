"""Postmortem pages: the list, one postmortem (written ja/en side by side beside the computed facts), its
Markdown preview, and the postmortem panel of the incident page (`/incidents/{number}/postmortem-panel`,
loaded by htmx: incidents sit below postmortems and cannot render it themselves).

Staff read; responders (admin, engineer) write. A refused change shows the page again with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, STAFF, Role
from hikeshi.core.errors import Conflict, HikeshiError, InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.incidents import queries as incidents
from hikeshi.incidents.deps import Number
from hikeshi.incidents.rules import Status
from hikeshi.postmortems import action_items, facts, markdown, publishing, service
from hikeshi.postmortems.deps import parse_day, today
from hikeshi.postmortems.models import Postmortem
from hikeshi.postmortems.rules import (
    ACTION_ITEM_STATUS_LABELS,
    EDITABLE,
    FIELD_LABELS,
    MAX_TEXT,
    MAX_TITLE,
    STATUS_LABELS,
    PostmortemStatus,
    RequiredField,
    format_duration,
)
from hikeshi.postmortems.schemas import PostmortemUpdate
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["postmortem pages"], include_in_schema=False)
STATUS_FILTERS = ("", *(status.value for status in PostmortemStatus))
TEXT_FIELDS = ("symptom", "recovery", "impact", "cause", "prevention")
TEXT_LABELS = {
    "symptom": N_("Symptom"),
    "recovery": N_("Recovery actions"),
    "impact": N_("Impact scope"),
    "cause": N_("Cause"),
    "prevention": N_("Prevention measures"),
}


def render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _zone(request: Request) -> str:
    zone: str = container(request).settings.timezone
    return zone


def _url(request: Request, postmortem_id: int) -> str:
    url: str = container(request).settings.public_url(f"/postmortems/{postmortem_id}")
    return url


def labels() -> dict[str, object]:
    return {
        "status_labels": STATUS_LABELS,
        "item_status_labels": ACTION_ITEM_STATUS_LABELS,
        "field_labels": FIELD_LABELS,
        "text_fields": TEXT_FIELDS,
        "text_labels": TEXT_LABELS,
        "limits": {"text": MAX_TEXT, "title": MAX_TITLE},
        "section": "postmortems",
    }


@router.get("/postmortems")
def list_page(request: Request, db: DbSession, _: StaffPage, status: str = "") -> Response:
    chosen = status if status in STATUS_FILTERS else ""
    rows = service.list_postmortems(session=db, status=chosen or None, limit=200)
    context = {**labels(), "rows": rows, "filters": STATUS_FILTERS, "chosen": chosen}
    return render(request, "postmortems/list.html", context)


def page_context(request: Request, db: Session, postmortem: Postmortem, user: User) -> dict[str, object]:
    speaker = translator(request)
    document = facts.build_document(
        session=db,
        postmortem=postmortem,
        language=speaker.language,
        timezone=_zone(request),
        url=_url(request, postmortem.id),
    )
    incident = incidents.get_incident_by_id(session=db, incident_id=postmortem.incident_id)
    current = PostmortemStatus(postmortem.status)
    can_write = Role(user.role) in RESPONDERS
    missing = [RequiredField(value) for value in service.missing_for(session=db, postmortem=postmortem)]
    people = accounts.list_users(session=db)
    return {
        **labels(),
        "postmortem": postmortem,
        "incident": incident,
        "doc": document,
        "spans": {
            name: format_duration(getattr(document.durations, name), language=speaker.language)
            for name in ("start_to_detection", "detection_to_resolution", "start_to_resolution")
        },
        "items": action_items.action_items_of(session=db, postmortem_id=postmortem.id),
        "now_day": today(container(request).clock(), _zone(request)),
        "people": {person.id: person.name for person in people},
        "owners": [person for person in people if person.is_active],
        "missing": missing,
        "can_write": can_write,
        "editable": can_write and current in EDITABLE,
        "can_submit": can_write and current == PostmortemStatus.DRAFT,
        "can_review": can_write and current == PostmortemStatus.IN_REVIEW,
        "own_submission": postmortem.submitted_by_id == user.id and user.role != Role.ADMIN,
        "can_reopen": can_write and current == PostmortemStatus.PUBLISHED,
        "sync_pending": current == PostmortemStatus.PUBLISHED
        and postmortem.kb_synced_version < postmortem.version,
    }


@router.get("/postmortems/{postmortem_id}")
def postmortem_page(request: Request, postmortem_id: Number, db: DbSession, user: StaffPage) -> Response:
    postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
    return render(request, "postmortems/postmortem.html", page_context(request, db, postmortem, user))


@router.get("/postmortems/{postmortem_id}/preview")
def preview(request: Request, postmortem_id: Number, db: DbSession, _: StaffPage) -> Response:
    """The Markdown as it would be published now (or as it was, once published), rendered and raw."""
    postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
    published = postmortem.status == PostmortemStatus.PUBLISHED and postmortem.published_markdown
    text = postmortem.published_markdown if published else ""
    if not text:
        text = service.render_markdown(
            session=db, postmortem=postmortem, timezone=_zone(request), url=_url(request, postmortem.id)
        )
    incident = incidents.get_incident_by_id(session=db, incident_id=postmortem.incident_id)
    context = {
        **labels(),
        "postmortem": postmortem,
        "incident": incident,
        "markdown": text,
        # markdown.to_html escapes any HTML in the input, so its output is safe to show as it is.
        "html": Markup(markdown.to_html(text)),  # noqa: S704
    }
    return render(request, "postmortems/preview.html", context)


def _apply(
    request: Request, db: Session, postmortem_id: int, user: User, change: Callable[[], object]
) -> Response:
    try:
        change()
    except HikeshiError as error:
        db.rollback()
        postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
        context = {
            **page_context(request, db, postmortem, user),
            "error": error.render(translator(request).gettext),
        }
        return render(request, "postmortems/postmortem.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/postmortems/{postmortem_id}", status_code=303)


def _user_id(value: str, *, field: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("{field}: choose a person from the list", field=field) from None


TextForm = Annotated[str | None, Form(max_length=MAX_TEXT + 1)]


@router.post("/postmortems/{postmortem_id}")
def edit(
    request: Request,
    postmortem_id: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    symptom_ja: TextForm = None,
    symptom_en: TextForm = None,
    recovery_ja: TextForm = None,
    recovery_en: TextForm = None,
    impact_ja: TextForm = None,
    impact_en: TextForm = None,
    cause_ja: TextForm = None,
    cause_en: TextForm = None,
    prevention_ja: TextForm = None,
    prevention_en: TextForm = None,
    owner_id: Annotated[str | None, Form(max_length=20)] = None,
    version: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """The edit form: the ten text fields (five in each language), the owner, the version it showed."""
    texts = {
        "symptom_ja": symptom_ja,
        "symptom_en": symptom_en,
        "recovery_ja": recovery_ja,
        "recovery_en": recovery_en,
        "impact_ja": impact_ja,
        "impact_en": impact_en,
        "cause_ja": cause_ja,
        "cause_en": cause_en,
        "prevention_ja": prevention_ja,
        "prevention_en": prevention_en,
    }

    def change() -> object:
        values: dict[str, object] = {name: value for name, value in texts.items() if value is not None}
        if owner_id is not None:
            values["owner_id"] = _user_id(owner_id, field="owner")
        values["version"] = version
        changes = PostmortemUpdate.model_construct(**values)  # type: ignore[arg-type]
        return service.update_postmortem(
            session=db, postmortem_id=postmortem_id, changes=changes, by=user.id, now=now
        )

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/submit")
def submit(request: Request, postmortem_id: Number, db: DbSession, now: Now, user: ResponderPage) -> Response:
    def change() -> object:
        return service.submit_postmortem(session=db, postmortem_id=postmortem_id, by=user.id, now=now)

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/return")
def send_back(
    request: Request,
    postmortem_id: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    note: Annotated[str, Form(max_length=MAX_TEXT)] = "",
) -> Response:
    def change() -> object:
        return service.return_to_draft(
            session=db, postmortem_id=postmortem_id, by=user.id, now=now, note=note
        )

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/publish")
def publish(
    request: Request, postmortem_id: Number, db: DbSession, now: Now, user: ResponderPage
) -> Response:
    def change() -> object:
        return service.publish_postmortem(
            session=db,
            postmortem_id=postmortem_id,
            by=user,
            now=now,
            url=_url(request, postmortem_id),
            timezone=_zone(request),
        )

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/reopen")
def reopen(request: Request, postmortem_id: Number, db: DbSession, now: Now, user: ResponderPage) -> Response:
    def change() -> object:
        return service.reopen_postmortem(session=db, postmortem_id=postmortem_id, by=user.id, now=now)

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/sync")
def sync_again(
    request: Request, postmortem_id: Number, db: DbSession, now: Now, user: ResponderPage
) -> Response:
    """Copy the published postmortem to the knowledge base again (after an error)."""

    def change() -> object:
        return publishing.retry_sync(session=db, postmortem_id=postmortem_id, now=now)

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/action-items")
def add_action_item(
    request: Request,
    postmortem_id: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    title: Annotated[str, Form(max_length=MAX_TITLE + 1)] = "",
    owner_id: Annotated[str, Form(max_length=20)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    description: Annotated[str, Form(max_length=MAX_TEXT + 1)] = "",
) -> Response:
    def change() -> object:
        return service.add_action_item(
            session=db,
            postmortem_id=postmortem_id,
            title=title,
            description=description,
            owner_id=_user_id(owner_id, field="owner"),
            due_on=parse_day(due_on, field="due_on"),
            by=user.id,
            now=now,
        )

    return _apply(request, db, postmortem_id, user, change)


@router.post("/postmortems/{postmortem_id}/action-items/{item_id}")
def edit_action_item(
    request: Request,
    postmortem_id: Number,
    item_id: Number,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    title: Annotated[str, Form(max_length=MAX_TITLE + 1)] = "",
    owner_id: Annotated[str, Form(max_length=20)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Title, owner and due day of one of this postmortem's action items (status: the action item list)."""

    def change() -> object:
        item = action_items.get_action_item(session=db, item_id=item_id)
        if item.postmortem_id != postmortem_id:
            raise InvalidInput(
                "Action item {item_id} is not on this postmortem", item_id=item_id, field="item"
            )
        postmortem = service.get_postmortem(session=db, postmortem_id=postmortem_id)
        if PostmortemStatus(postmortem.status) not in EDITABLE:
            raise Conflict("A published postmortem cannot change; reopen it first")
        return action_items.update_action_item(
            session=db,
            item_id=item_id,
            now=now,
            title=title,
            owner_id=_user_id(owner_id, field="owner"),
            due_on=parse_day(due_on, field="due_on"),
        )

    return _apply(request, db, postmortem_id, user, change)


@router.post("/incidents/{number}/postmortem")
def open_now(request: Request, number: Number, db: DbSession, now: Now, user: ResponderPage) -> Response:
    """Open the postmortem of a resolved incident now (the worker does it too, a moment after resolution)."""
    incident = incidents.get_incident(session=db, number=number)
    try:
        postmortem = service.open_postmortem(
            session=db, incident_id=incident.id, now=now, timezone=_zone(request)
        )
    except HikeshiError as error:
        db.rollback()
        context = {**_panel_context(db, number, user), "error": error.render(translator(request).gettext)}
        return render(request, "postmortems/incident_panel.html", context, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/postmortems/{postmortem.id}", status_code=303)


def _panel_context(db: Session, number: int, user: User) -> dict[str, object]:
    incident = incidents.get_incident(session=db, number=number)
    postmortem = service.postmortem_for_incident(session=db, incident_id=incident.id)
    return {
        **labels(),
        "incident": incident,
        "postmortem": postmortem,
        "missing": service.missing_for(session=db, postmortem=postmortem) if postmortem else [],
        "resolved": incident.status == Status.RESOLVED.value,
        "can_read": Role(user.role) in STAFF,
        "can_open": Role(user.role) in RESPONDERS and incident.status == Status.RESOLVED.value,
    }


@router.get("/incidents/{number}/postmortem-panel")
def incident_panel(request: Request, number: Number, db: DbSession, user: AnyUserPage) -> Response:
    """The incident page's postmortem panel: its state and a link, or "opens at resolution"."""
    return render(request, "postmortems/incident_panel.html", _panel_context(db, number, user))
