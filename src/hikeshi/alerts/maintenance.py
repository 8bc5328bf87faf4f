"""Use cases of maintenance windows: schedule one, list them, end one early, delete one.

While a window is active, a new alert group it covers is recorded and shown but marked suppressed and
notifies no one (`notify.in_maintenance`, checked when a group opens). A group keeps what it was given
when it opened: one opened inside a window stays quiet for as long as it stays open, even after the
window ends (the alerts it gathers belong to the same work); a group opened after the window notifies.
Resolve a suppressed group by hand once the work is over if its alerts keep coming: the next alert
then opens a new group that notifies. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.alerts.maintenance_schemas import MaintenanceWindowOut
from hikeshi.alerts.models import Integration, MaintenanceWindow
from hikeshi.catalog.service import find_product_by_slug
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.core.i18n import N_

MAX_REASON = 500


class WindowStatus(StrEnum):
    UPCOMING = "upcoming"
    ACTIVE = "active"
    PAST = "past"


STATUS_LABELS = {
    WindowStatus.UPCOMING: N_("Upcoming"),
    WindowStatus.ACTIVE: N_("In progress"),
    WindowStatus.PAST: N_("Past"),
    "cancelled": N_("Cancelled"),
}


def window_status(window: MaintenanceWindow, *, now: datetime) -> WindowStatus:
    if now < window.starts_at:
        return WindowStatus.UPCOMING
    if now < window.ends_at:
        return WindowStatus.ACTIVE
    return WindowStatus.PAST


def window_out(
    window: MaintenanceWindow, *, now: datetime, status: str | None = None
) -> MaintenanceWindowOut:
    out = MaintenanceWindowOut.model_validate(window)
    return out.model_copy(update={"status": status or window_status(window, now=now).value})


def create_window(
    *,
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    now: datetime,
    integration_ids: Sequence[int] = (),
    product_slugs: Sequence[str] = (),
    created_by_id: int | None = None,
) -> MaintenanceWindow:
    """A window over the given integrations and products; with neither, over every alert."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("starts_at: times must carry a time zone", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at: must be after starts_at", field="ends_at")
    if ends_at <= now:
        raise InvalidInput("ends_at: must be in the future", field="ends_at")
    text = " ".join(reason.split())
    if not text:
        raise InvalidInput("reason: say what the work is", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput("reason: at most {limit} characters", field="reason", limit=MAX_REASON)
    window = MaintenanceWindow(
        starts_at=starts_at,
        ends_at=ends_at,
        reason=text,
        integration_ids=_integration_ids(session, integration_ids),
        product_ids=_product_ids(session, product_slugs),
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(window)
    session.flush()
    return window


def _integration_ids(session: Session, wanted: Sequence[int]) -> list[int]:
    chosen = sorted(set(wanted))
    if chosen:
        found = set(session.scalars(select(Integration.id).where(Integration.id.in_(chosen))))
        if missing := [integration_id for integration_id in chosen if integration_id not in found]:
            raise InvalidInput(
                "integrations: integration {value} does not exist", field="integrations", value=missing[0]
            )
    return chosen


def _product_ids(session: Session, slugs: Sequence[str]) -> list[int]:
    chosen: set[int] = set()
    for slug in slugs:
        product = find_product_by_slug(session=session, slug=slug)
        if product is None:
            raise InvalidInput("products: product '{value}' does not exist", field="products", value=slug)
        chosen.add(product.id)
    return sorted(chosen)


def get_window(*, session: Session, window_id: int) -> MaintenanceWindow:
    window = session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound("maintenance window {value} does not exist", value=window_id)
    return window


def list_windows(
    *, session: Session, now: datetime, status: str | None = None, limit: int = 200
) -> list[MaintenanceWindow]:
    """Active and upcoming ones soonest first; past ones most recent first."""
    query = select(MaintenanceWindow)
    wanted = _parse_status(status)
    if wanted is WindowStatus.UPCOMING:
        query = query.where(MaintenanceWindow.starts_at > now)
    elif wanted is WindowStatus.ACTIVE:
        query = query.where(MaintenanceWindow.starts_at <= now, MaintenanceWindow.ends_at > now)
    elif wanted is WindowStatus.PAST:
        query = query.where(MaintenanceWindow.ends_at <= now)
    if wanted is WindowStatus.PAST:
        query = query.order_by(MaintenanceWindow.ends_at.desc(), MaintenanceWindow.id.desc())
    else:
        query = query.order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)
    return list(session.scalars(query.limit(min(max(limit, 1), 1000))))


def _parse_status(status: str | None) -> WindowStatus | None:
    if not status or status == "all":
        return None
    try:
        return WindowStatus(status)
    except ValueError:
        raise InvalidInput(
            "status: '{value}' is not upcoming, active, past or all", field="status", value=status
        ) from None


def end_window(*, session: Session, window_id: int, now: datetime) -> str:
    """`ended`: an active window ends now; `cancelled`: an upcoming one is deleted; a past one: Conflict."""
    window = get_window(session=session, window_id=window_id)
    status = window_status(window, now=now)
    if status is WindowStatus.PAST:
        raise Conflict("maintenance window {value} is already over", value=window_id)
    if status is WindowStatus.UPCOMING:
        session.delete(window)
        session.flush()
        return "cancelled"
    window.ends_at = now
    session.flush()
    return "ended"


def delete_window(*, session: Session, window_id: int) -> None:
    session.delete(get_window(session=session, window_id=window_id))
    session.flush()
