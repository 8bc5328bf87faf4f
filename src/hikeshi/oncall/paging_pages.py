"""HTML pages of paging: the pages (list, detail with timeline, acknowledge, resolve), "Page the on-call
engineer" for any signed-in employee, the signed one-click acknowledgement link, and the metrics page.

The link from an SMS, email or call works without signing in: GET only shows what will be acknowledged
(mail scanners and link previews open links), and the button on that page POSTs the acknowledgement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import AnyUserPage, DbSession, Now, Public, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.core.errors import Conflict, HikeshiError, InvalidInput, NotFound
from hikeshi.core.i18n import N_
from hikeshi.oncall import escalation, paging, paging_metrics
from hikeshi.oncall.paging_rules import (
    STATUS_LABELS,
    URGENCY_LABELS,
    Urgency,
    paging_context,
    timeline_labels,
)
from hikeshi.web.kit.context import container, translator

router = APIRouter(tags=["paging pages"], include_in_schema=False)
STATUS_FILTERS = ("open", "acknowledged", "resolved", "exhausted", "all")
FILTER_LABELS = {"open": N_("Open"), **STATUS_LABELS, "all": N_("All")}


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _people(db: Session) -> dict[int, str]:
    return {user.id: user.name for user in accounts.list_users(session=db)}


def _labels() -> dict[str, object]:
    return {"status_labels": STATUS_LABELS, "urgency_labels": URGENCY_LABELS, **timeline_labels()}


@router.get("/pages")
def list_pages(request: Request, db: DbSession, user: StaffPage, status: str = "open") -> Response:
    if status not in STATUS_FILTERS:
        raise InvalidInput(
            "status: '{value}' is not one of {choices}",
            field="status",
            value=status,
            choices=", ".join(STATUS_FILTERS),
        )
    pages = paging.list_pages(session=db, status=None if status == "all" else status, limit=200)
    context = {
        "pages": pages,
        "status": status,
        "filters": STATUS_FILTERS,
        "filter_labels": FILTER_LABELS,
        "people": _people(db),
        **_labels(),
    }
    return _render(request, "oncall/page_list.html", context)


@router.get("/pages/new")
def new_page(request: Request, db: DbSession, user: AnyUserPage) -> Response:
    return _new_page(request, db, form={})


def _new_page(
    request: Request,
    db: Session,
    *,
    form: Mapping[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "services": escalation.pageable_services(session=db),
        "form": form,
        "error": error,
        "urgencies": list(Urgency),
        **_labels(),
    }
    return _render(request, "oncall/page_new.html", context, status_code=status_code)


@router.post("/pages/new")
def create_page(
    request: Request,
    db: DbSession,
    now: Now,
    user: AnyUserPage,
    service: Annotated[str, Form(max_length=64)] = "",
    message: Annotated[str, Form(max_length=1000)] = "",
    urgency: Annotated[str, Form(max_length=10)] = "high",
) -> Response:
    """Any signed-in employee may page: support and sales included."""
    form = {"service": service, "message": message, "urgency": urgency}
    try:
        page = paging.page_service(
            session=db,
            service=service,
            message=message,
            urgency=urgency,
            now=now,
            requested_by_id=user.id,
            requested_by_name=user.name,
            source_kind="web",
        )
    except (InvalidInput, NotFound) as error:
        db.rollback()
        return _new_page(
            request, db, form=form, error=error.render(translator(request).gettext), status_code=400
        )
    db.commit()
    return RedirectResponse(f"/pages/{page.id}", status_code=303)


@router.get("/pages/metrics")
def metrics_page(
    request: Request, db: DbSession, now: Now, user: StaffPage, since: str = "", until: str = ""
) -> Response:
    zone = ZoneInfo(translator(request).timezone)
    today = now.astimezone(zone).date()
    start = _day(since, "since") or today - timedelta(days=30)
    end = _day(until, "until") or today
    report = paging_metrics.paging_metrics(
        session=db,
        since=datetime.combine(start, datetime.min.time(), zone),
        until=datetime.combine(end + timedelta(days=1), datetime.min.time(), zone),
    )
    context = {"report": report, "since": start.isoformat(), "until": end.isoformat()}
    return _render(request, "oncall/page_metrics.html", context)


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not a date such as 2026-12-01", field=field, value=value
        ) from None


@router.get("/pages/ack/{token}", dependencies=[Public])
def confirm_link(request: Request, token: str, db: DbSession, now: Now) -> Response:
    """Shows what the link acknowledges; acknowledging needs the button (a POST)."""
    context = paging_context(container(request).settings)
    try:
        page, person = paging.page_for_link(session=db, token=token, now=now, context=context)
    except (InvalidInput, NotFound) as error:
        message = error.render(translator(request).gettext)
        return _render(request, "oncall/page_ack.html", {"error": message, **_labels()}, status_code=400)
    return _render(
        request, "oncall/page_ack.html", {"page": page, "person": person, "token": token, **_labels()}
    )


@router.post("/pages/ack/{token}", dependencies=[Public])
def acknowledge_link(request: Request, token: str, db: DbSession, now: Now) -> Response:
    context = paging_context(container(request).settings)
    try:
        page = paging.acknowledge_by_link(session=db, token=token, now=now, context=context)
    except (InvalidInput, NotFound, Conflict) as error:
        db.rollback()
        message = error.render(translator(request).gettext)
        return _render(request, "oncall/page_ack.html", {"error": message, **_labels()}, status_code=400)
    db.commit()
    person = (
        accounts.get_user(session=db, user_id=page.acknowledged_by_id) if page.acknowledged_by_id else None
    )
    return _render(
        request, "oncall/page_ack.html", {"page": page, "person": person, "done": True, **_labels()}
    )


@router.get("/pages/{page_id}")
def page_detail(request: Request, page_id: int, db: DbSession, user: StaffPage) -> Response:
    return _detail(request, db, user, page_id)


def _detail(
    request: Request,
    db: Session,
    user: User,
    page_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    page = paging.get_page(session=db, page_id=page_id)
    context = {
        "page": page,
        "page_events": paging.page_events(session=db, page_id=page_id),
        "facts": paging_metrics.page_facts(session=db, page=page),
        "people": _people(db),
        "can_respond": Role(user.role) in RESPONDERS,
        "error": error,
        **_labels(),
    }
    return _render(request, "oncall/page_detail.html", context, status_code=status_code)


@router.post("/pages/{page_id}/acknowledge")
def acknowledge(request: Request, page_id: int, db: DbSession, now: Now, user: ResponderPage) -> Response:
    return _act(
        request,
        db,
        user,
        page_id,
        lambda: paging.acknowledge_page(session=db, page_id=page_id, user_id=user.id, now=now),
    )


@router.post("/pages/{page_id}/resolve")
def resolve(request: Request, page_id: int, db: DbSession, now: Now, user: ResponderPage) -> Response:
    return _act(
        request,
        db,
        user,
        page_id,
        lambda: paging.resolve_page(session=db, page_id=page_id, user_id=user.id, now=now),
    )


def _act(request: Request, db: Session, user: User, page_id: int, act: Callable[[], object]) -> Response:
    try:
        act()
    except HikeshiError as error:
        db.rollback()
        if isinstance(error, NotFound):
            raise
        message = error.render(translator(request).gettext)
        return _detail(request, db, user, page_id, error=message, status_code=error.status_code)
    db.commit()
    return RedirectResponse(f"/pages/{page_id}", status_code=303)
