"""Use cases of alert groups once they exist: a person (or the quiet period) acknowledges or resolves one,
its history is written and read, groups and alerts are listed.

Everything happens in the caller's transaction; the chat message update is asked of the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func, literal_column, select
from sqlalchemy.orm import Session

from hikeshi.alerts import notify
from hikeshi.alerts.models import Alert, AlertEvent, AlertGroup
from hikeshi.alerts.rules import AlertStatus
from hikeshi.core.errors import Conflict, InvalidInput, NotFound

OPEN_STATUSES = (AlertStatus.TRIGGERED.value, AlertStatus.ACKNOWLEDGED.value)
# `status != 'resolved'` spelled as the partial unique indexes spell it: SQLite uses a partial index
# only when the query repeats its condition literally; `IN (...)` or a bound value would make every
# look-up scan all open alerts, and a storm slow down as it grows.
RESOLVED_LITERAL = literal_column("'resolved'", String())
HISTORY_SHOWN = 20  # the latest entries of a group's history that its page shows


def record_event(
    session: Session,
    group: AlertGroup,
    kind: str,
    now: datetime,
    *,
    alert: Alert | None = None,
    actor_user_id: int | None = None,
    note: str = "",
) -> None:
    """One entry of the group's history."""
    session.add(
        AlertEvent(
            group_id=group.id,
            alert_id=alert.id if alert is not None and alert.id is not None else None,
            kind=kind,
            actor_user_id=actor_user_id,
            note=note[:2000],
            at=now,
        )
    )


def load_group(session: Session, group_id: int, *, lock: bool = False) -> AlertGroup:
    group = session.get(AlertGroup, group_id, with_for_update=lock)
    if group is None:
        raise NotFound("alert group {value} does not exist", value=group_id)
    return group


def has_triggered(session: Session, group_id: int) -> bool:
    query = select(Alert.id).where(Alert.group_id == group_id, Alert.status == AlertStatus.TRIGGERED).limit(1)
    return session.scalar(query) is not None


def set_group_acknowledged(
    session: Session, group: AlertGroup, now: datetime, *, user_id: int | None
) -> None:
    group.status = AlertStatus.ACKNOWLEDGED.value
    group.acknowledged_at = now
    group.acknowledged_by_id = user_id
    record_event(session, group, "acknowledged", now, actor_user_id=user_id)
    notify.refresh_chat_message(session=session, group=group, now=now)
    notify.acknowledge_group_pages(session=session, group=group, user_id=user_id, now=now)


def set_group_resolved(session: Session, group: AlertGroup, now: datetime, *, user_id: int | None) -> None:
    group.status = AlertStatus.RESOLVED.value
    group.resolved_at = now
    group.resolved_by_id = user_id
    group.open_alert_count = 0
    record_event(session, group, "resolved", now, actor_user_id=user_id)
    notify.refresh_chat_message(session=session, group=group, now=now)
    notify.resolve_group_pages(session=session, group=group, user_id=user_id, now=now)


def acknowledge_group(*, session: Session, group_id: int, user_id: int, now: datetime) -> AlertGroup:
    """A person takes the group: its open alerts are acknowledged, further triggers notify no one."""
    group = load_group(session, group_id, lock=True)
    if group.status == AlertStatus.RESOLVED:
        raise Conflict("alert group {value} is already resolved", value=group_id)
    if group.status == AlertStatus.ACKNOWLEDGED:
        return group
    for alert in session.scalars(
        select(Alert).where(Alert.group_id == group.id, Alert.status == AlertStatus.TRIGGERED)
    ):
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_at = now
    set_group_acknowledged(session, group, now, user_id=user_id)
    session.flush()
    return group


def resolve_group(*, session: Session, group_id: int, user_id: int | None, now: datetime) -> AlertGroup:
    """A person (None: the quiet period) closes the group and its alerts; the next trigger opens a new one."""
    group = load_group(session, group_id, lock=True)
    if group.status == AlertStatus.RESOLVED:
        return group
    for alert in session.scalars(
        select(Alert).where(Alert.group_id == group.id, Alert.status.in_(OPEN_STATUSES))
    ):
        alert.status = AlertStatus.RESOLVED.value
        alert.resolved_at = now
    set_group_resolved(session, group, now, user_id=user_id)
    session.flush()
    return group


def list_groups(
    *,
    session: Session,
    status: str | None = None,
    severity: str | None = None,
    product_id: int | None = None,
    limit: int = 100,
) -> list[AlertGroup]:
    query = (
        select(AlertGroup)
        .order_by(AlertGroup.last_seen_at.desc(), AlertGroup.id.desc())
        .limit(min(max(limit, 1), 500))
    )
    if status == "open":
        query = query.where(AlertGroup.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(AlertGroup.status == _status_value(status))
    if severity:
        query = query.where(AlertGroup.severity == severity)
    if product_id is not None:
        query = query.where(AlertGroup.product_id == product_id)
    return list(session.scalars(query))


def get_group(*, session: Session, group_id: int) -> AlertGroup:
    return load_group(session, group_id)


def group_alerts(*, session: Session, group_id: int, limit: int = 200) -> list[Alert]:
    query = select(Alert).where(Alert.group_id == group_id).order_by(Alert.last_seen_at.desc()).limit(limit)
    return list(session.scalars(query))


def group_events(*, session: Session, group_id: int, limit: int = HISTORY_SHOWN) -> list[AlertEvent]:
    """The latest `limit` entries of the group's history, oldest first: a storm's history is long."""
    query = (
        select(AlertEvent)
        .where(AlertEvent.group_id == group_id)
        .order_by(AlertEvent.id.desc())
        .limit(max(limit, 1))
    )
    return list(session.scalars(query))[::-1]


def count_earlier_events(*, session: Session, group_id: int, before: list[AlertEvent]) -> int:
    """How many entries of the history are older than `before` (the latest ones, oldest first)."""
    if not before:
        return 0
    query = select(func.count()).where(AlertEvent.group_id == group_id, AlertEvent.id < before[0].id)
    return session.scalar(query) or 0


def get_alert(*, session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("alert {value} does not exist", value=alert_id)
    return alert


def list_alerts(*, session: Session, status: str | None = None, limit: int = 100) -> list[Alert]:
    query = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(min(max(limit, 1), 1000))
    if status == "open":
        query = query.where(Alert.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(Alert.status == _status_value(status))
    return list(session.scalars(query))


def _status_value(status: str) -> str:
    try:
        return AlertStatus(status).value
    except ValueError:
        raise InvalidInput(
            "status: '{value}' is not open, triggered, acknowledged or resolved", field="status", value=status
        ) from None
