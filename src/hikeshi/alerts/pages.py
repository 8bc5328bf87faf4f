"""HTML pages of alerts: the alert groups (refreshing by themselves), one group with its history, one alert.

Everyone on staff sees alerts (support and sales answer customers about them); responders act on them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.deps import DbSession, Now, ResponderPage, StaffPage
from hikeshi.accounts.models import User
from hikeshi.accounts.pages import safe_next
from hikeshi.accounts.rules import RESPONDERS, Role
from hikeshi.alerts import groups, integrations
from hikeshi.alerts.normalized import Severity
from hikeshi.alerts.notify import PAGE_SOURCE
from hikeshi.alerts.rules import SEVERITY_LABELS, STATUS_LABELS, AlertStatus
from hikeshi.catalog.service import get_product_by_slug, list_products
from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import to_zone
from hikeshi.oncall import paging
from hikeshi.oncall.paging_rules import timeline_labels
from hikeshi.web.kit.context import translator

router = APIRouter(tags=["alerts pages"], include_in_schema=False)

REFRESH_SECONDS = 10
SHOWN_GROUPS = 200
STATUS_FILTERS = ("open", "triggered", "acknowledged", "resolved", "all")
STATUS_FILTER_LABELS = {
    "open": N_("Open"),
    "triggered": STATUS_LABELS[AlertStatus.TRIGGERED],
    "acknowledged": STATUS_LABELS[AlertStatus.ACKNOWLEDGED],
    "resolved": STATUS_LABELS[AlertStatus.RESOLVED],
    "all": N_("All"),
}
# What each kind of history entry says; `{who}` is the person, `{note}` the entry's note.
EVENT_LABELS = {
    "opened": N_("Opened"),
    "alert_added": N_("Alert added"),
    "alert_resolved": N_("Alert resolved by the source"),
    "acknowledged": N_("Acknowledged"),
    "resolved": N_("Resolved"),
    "posted": N_("Posted to chat"),
    "paged": N_("Paged"),
    "suppressed": N_("Silenced by a maintenance window"),
    "dropped": N_("Dropped by a routing rule"),
}
# Notes that only repeat the label in English; the label already says it in the reader's language.
HIDDEN_NOTES = frozenset({"suppressed", "dropped"})


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "open"
    product: str = ""
    severity: str = ""

    @property
    def query(self) -> str:
        return urlencode({"status": self.status, "product": self.product, "severity": self.severity})


def _render(request: Request, name: str, context: Mapping[str, object], status_code: int = 200) -> Response:
    response: Response = request.app.state.templates.render(request, name, context, status_code=status_code)
    return response


def _filters(status: str, product: str, severity: str) -> Filters:
    if status not in STATUS_FILTERS:
        raise InvalidInput(
            "status: '{value}' is not one of {choices}",
            field="status",
            value=status,
            choices=", ".join(STATUS_FILTERS),
        )
    if severity and severity not in tuple(Severity):
        raise InvalidInput("severity: '{value}' is not a severity", field="severity", value=severity)
    return Filters(status=status, product=product.strip().lower(), severity=severity)


def _names(db: Session) -> dict[str, object]:
    """Who and what the ids on a page stand for: people, integrations, products."""
    return {
        "people": {person.id: person.name for person in accounts.list_users(session=db)},
        "integration_names": {item.id: item.name for item in integrations.list_integrations(session=db)},
        "products": {product.id: product for product in list_products(session=db)},
        "severity_labels": SEVERITY_LABELS,
        "status_labels": STATUS_LABELS,
    }


def _can_respond(user: User) -> bool:
    return Role(user.role) in RESPONDERS


def _groups_context(
    request: Request, db: Session, user: User, filters: Filters, now: datetime
) -> dict[str, Any]:
    product_id = get_product_by_slug(session=db, slug=filters.product).id if filters.product else None
    found = groups.list_groups(
        session=db,
        status=None if filters.status == "all" else filters.status,
        severity=filters.severity or None,
        product_id=product_id,
        limit=SHOWN_GROUPS,
    )
    return {
        "groups": found,
        "filters": filters,
        "can_respond": _can_respond(user),
        "refresh_seconds": REFRESH_SECONDS,
        "refreshed_at": to_zone(now, translator(request).timezone).strftime("%H:%M:%S"),
        "back": f"/alerts?{filters.query}",
        **_names(db),
    }


@router.get("/alerts")
def alert_groups(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffPage,
    status: str = "open",
    product: str = "",
    severity: str = "",
) -> Response:
    filters = _filters(status, product, severity)
    context = {
        **_groups_context(request, db, user, filters, now),
        "status_filters": STATUS_FILTERS,
        "status_filter_labels": STATUS_FILTER_LABELS,
        "severities": list(Severity),
    }
    return _render(request, "alerts/groups.html", context)


@router.get("/alerts/table")
def alert_groups_table(
    request: Request,
    db: DbSession,
    now: Now,
    user: StaffPage,
    status: str = "open",
    product: str = "",
    severity: str = "",
) -> Response:
    """Only the table, for the list page to swap in every few seconds."""
    filters = _filters(status, product, severity)
    return _render(request, "alerts/_groups_table.html", _groups_context(request, db, user, filters, now))


def _group_context(db: Session, user: User, group_id: int) -> dict[str, Any]:
    group = groups.get_group(session=db, group_id=group_id)
    # The latest entries only: a storm's history runs to thousands; the older ones are counted.
    events = groups.group_events(session=db, group_id=group_id, limit=groups.HISTORY_SHOWN)
    earlier = groups.count_earlier_events(session=db, group_id=group_id, before=events)
    return {
        "group": group,
        "alerts": groups.group_alerts(session=db, group_id=group_id),
        "events": events,
        "earlier_events": earlier,
        "event_labels": EVENT_LABELS,
        "hidden_notes": HIDDEN_NOTES,
        "can_respond": _can_respond(user),
        "back": f"/alerts/groups/{group_id}",
        # The group's pages and their timelines (who was notified how, who acknowledged).
        "group_pages": paging.source_pages(session=db, source_kind=PAGE_SOURCE, source_id=group_id),
        **timeline_labels(),
        **_names(db),
    }


@router.get("/alerts/groups/{group_id}")
def alert_group(request: Request, group_id: int, db: DbSession, user: StaffPage) -> Response:
    return _render(request, "alerts/group.html", _group_context(db, user, group_id))


def _act(
    request: Request, db: Session, user: User, group_id: int, next_path: str, *, now: datetime, resolve: bool
) -> Response:
    act = groups.resolve_group if resolve else groups.acknowledge_group
    try:
        act(session=db, group_id=group_id, user_id=user.id, now=now)
    except Conflict as error:
        db.rollback()
        context = {**_group_context(db, user, group_id), "error": error.render(translator(request).gettext)}
        return _render(request, "alerts/group.html", context, status_code=409)
    db.commit()
    return RedirectResponse(safe_next(next_path or f"/alerts/groups/{group_id}"), status_code=303)


@router.post("/alerts/groups/{group_id}/acknowledge")
def acknowledge(
    request: Request,
    group_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    next: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, db, user, group_id, next, now=now, resolve=False)


@router.post("/alerts/groups/{group_id}/resolve")
def resolve(
    request: Request,
    group_id: int,
    db: DbSession,
    now: Now,
    user: ResponderPage,
    next: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, db, user, group_id, next, now=now, resolve=True)


def pretty_json(value: Any) -> str:
    """JSON as a person reads it: indented, Japanese left as is. The template escapes it."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def without_secrets(raw: Any) -> Any:
    """The raw payload as shown: a PagerDuty event carries the integration key, which stays unshown."""
    if isinstance(raw, dict) and isinstance(raw.get("routing_key"), str):
        return {**raw, "routing_key": raw["routing_key"][:8] + "…"}
    return raw


@router.get("/alerts/{alert_id}")
def alert_detail(request: Request, alert_id: int, db: DbSession, user: StaffPage) -> Response:
    alert = groups.get_alert(session=db, alert_id=alert_id)
    context = {
        "alert": alert,
        "group": groups.get_group(session=db, group_id=alert.group_id),
        "raw_json": pretty_json(without_secrets(alert.raw)),
        "details_json": pretty_json(alert.details) if alert.details else "",
        **_names(db),
    }
    return _render(request, "alerts/alert.html", context)
