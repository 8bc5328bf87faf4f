"""Use cases of alerts: ingest normalized alerts (dedup, group, route, notify), acknowledge, resolve, list.

Everything happens in the caller's transaction: the alert rows, the group, and the messages asked of
the delivery engine commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hikeshi.alerts import notify, quiet
from hikeshi.alerts.integrations import routing_rules
from hikeshi.alerts.models import Alert, AlertEvent, AlertGroup, Integration
from hikeshi.alerts.normalized import Action, NormalizedAlert
from hikeshi.alerts.notify import Context
from hikeshi.alerts.rules import AlertStatus, grouping_key, higher_severity, route
from hikeshi.catalog.service import find_product_by_slug, get_product
from hikeshi.core.errors import Conflict, InvalidInput, NotFound

OPEN_STATUSES = (AlertStatus.TRIGGERED.value, AlertStatus.ACKNOWLEDGED.value)
# `status != 'resolved'` spelled as the partial unique indexes spell it: SQLite uses a partial index
# only when the query repeats its condition literally; `IN (...)` or a bound value would make every
# look-up scan all open alerts, and a storm slow down as it grows.
RESOLVED_LITERAL = literal_column("'resolved'", String())
RECEIVED_RESOLUTION = timedelta(seconds=1)  # of an integration's `last_received_at`


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one incoming alert did: its dedup key (generated when the source gave none) and effect."""

    dedup_key: str
    effect: str  # opened, repeated, acknowledged, resolved, ignored
    alert_id: int | None
    group_id: int | None


def ingest(
    *,
    session: Session,
    integration: Integration,
    alerts: Sequence[NormalizedAlert],
    raw: Any,
    now: datetime,
    context: Context,
) -> list[Outcome]:
    last = integration.last_received_at
    # Within a second is news to no one, and would cost every alert of a storm an UPDATE.
    if last is None or abs(now - last) >= RECEIVED_RESOLUTION:
        integration.last_received_at = now
    outcomes = [
        _ingest_one(session=session, integration=integration, alert=alert, raw=raw, now=now, context=context)
        for alert in alerts
    ]
    touched = [outcome.group_id for outcome in outcomes if outcome.effect in ("opened", "repeated")]
    quiet.schedule_quiet_resolve(session=session, integration=integration, group_ids=touched, now=now)
    session.flush()
    return outcomes


def _ingest_one(
    *,
    session: Session,
    integration: Integration,
    alert: NormalizedAlert,
    raw: Any,
    now: datetime,
    context: Context,
) -> Outcome:
    dedup_key = (alert.dedup_key or uuid.uuid4().hex)[:255]
    existing = _open_alert(session, integration.id, dedup_key)
    if alert.action is Action.TRIGGER:
        if existing is not None:
            return _repeat(session, existing, alert, now)
        return _open(session, integration, alert, dedup_key, raw, now, context)
    if existing is None:
        # PagerDuty drops acknowledge and resolve for a key with no open alert; so do we.
        return Outcome(dedup_key=dedup_key, effect="ignored", alert_id=None, group_id=None)
    if alert.action is Action.ACKNOWLEDGE:
        return _acknowledge_alert(session, existing, now)
    return _resolve_alert(session, existing, now)


def _open_alert(session: Session, integration_id: int, dedup_key: str) -> Alert | None:
    query = select(Alert).where(
        Alert.integration_id == integration_id,
        Alert.dedup_key == dedup_key,
        Alert.status != RESOLVED_LITERAL,
    )
    return session.scalar(query)


def _repeat(session: Session, alert: Alert, incoming: NormalizedAlert, now: datetime) -> Outcome:
    """The same problem again while it is open: count it, notify no one."""
    alert.count += 1
    alert.last_seen_at = now
    group = session.get(AlertGroup, alert.group_id)
    assert group is not None
    group.event_count += 1
    group.last_seen_at = now
    if higher_severity(incoming.severity.value, alert.severity) != alert.severity:
        alert.severity = incoming.severity.value
        group.severity = higher_severity(group.severity, alert.severity)
    return Outcome(dedup_key=alert.dedup_key, effect="repeated", alert_id=alert.id, group_id=alert.group_id)


def _open(
    session: Session,
    integration: Integration,
    incoming: NormalizedAlert,
    dedup_key: str,
    raw: Any,
    now: datetime,
    context: Context,
) -> Outcome:
    product_slug = _product_slug(session, integration, incoming)
    group, created = _group_for(session, integration, incoming, product_slug, now)
    alert = Alert(
        integration_id=integration.id,
        group_id=group.id,
        dedup_key=dedup_key,
        status=AlertStatus.TRIGGERED.value,
        severity=incoming.severity.value,
        summary=incoming.summary[:1024],
        source=incoming.source[:255],
        name=incoming.name[:255],
        labels=dict(incoming.labels),
        links=[{"href": link.href, "text": link.text} for link in incoming.links],
        details=dict(incoming.details),
        raw=raw,
        count=1,
        suppressed=group.suppressed,
        first_seen_at=now,
        last_seen_at=now,
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        # Another request opened the same dedup key a moment ago: this one repeats it.
        existing = _open_alert(session, integration.id, dedup_key)
        assert existing is not None
        return _repeat(session, existing, incoming, now)
    group.alert_count += 1
    group.open_alert_count += 1
    group.event_count += 1
    group.last_seen_at = now
    group.severity = higher_severity(group.severity, alert.severity)
    if group.status == AlertStatus.RESOLVED:
        group.status = AlertStatus.TRIGGERED.value
    if created:
        _event(session, group, "opened", now, alert=alert, note=alert.summary)
        _notify_new_group(session, integration, group, incoming, product_slug, now, context)
    else:
        _event(session, group, "alert_added", now, alert=alert, note=alert.summary)
        notify.refresh_chat_message(session=session, group=group, now=now)
    return Outcome(dedup_key=dedup_key, effect="opened", alert_id=alert.id, group_id=group.id)


def _product_slug(session: Session, integration: Integration, incoming: NormalizedAlert) -> str | None:
    if incoming.product and find_product_by_slug(session=session, slug=incoming.product) is not None:
        return incoming.product.strip().lower()
    if integration.product_id is not None:
        return get_product(session=session, product_id=integration.product_id).slug
    return None


def _group_for(
    session: Session,
    integration: Integration,
    incoming: NormalizedAlert,
    product_slug: str | None,
    now: datetime,
) -> tuple[AlertGroup, bool]:
    """The open group with this grouping key, or a new one (True)."""
    key = grouping_key(incoming, grouping=integration.grouping, product_slug=product_slug)
    # Locked, so a person resolving this group at the same moment either goes first (and a new group
    # opens here) or waits for this alert (and resolves it too): never an open alert in a resolved group.
    query = (
        select(AlertGroup)
        .where(
            AlertGroup.integration_id == integration.id,
            AlertGroup.grouping_key == key,
            AlertGroup.status != RESOLVED_LITERAL,
        )
        .with_for_update()
    )
    if (group := session.scalar(query)) is not None:
        return group, False
    product = find_product_by_slug(session=session, slug=product_slug) if product_slug else None
    group = AlertGroup(
        integration_id=integration.id,
        grouping_key=key,
        status=AlertStatus.TRIGGERED.value,
        title=incoming.summary[:1024],
        severity=incoming.severity.value,
        product_id=product.id if product is not None else None,
        alert_count=0,
        open_alert_count=0,
        event_count=0,
        suppressed=notify.in_maintenance(
            session=session, integration=integration, product_id=product.id if product else None, now=now
        ),
        first_seen_at=now,
        last_seen_at=now,
    )
    try:
        with session.begin_nested():
            session.add(group)
    except IntegrityError:
        found = session.scalar(query)
        assert found is not None
        return found, False
    return group, True


def _notify_new_group(
    session: Session,
    integration: Integration,
    group: AlertGroup,
    incoming: NormalizedAlert,
    product_slug: str | None,
    now: datetime,
    context: Context,
) -> None:
    if group.suppressed:
        _event(session, group, "suppressed", now, note="maintenance window")
        return
    decision = route(
        incoming,
        rules=routing_rules(session=session, integration_id=integration.id),
        product_slug=product_slug,
        default_channel=integration.chat_channel,
        default_page_user_id=integration.page_user_id,
    )
    if decision.dropped:
        _event(session, group, "dropped", now, note="routing rule")
        return
    if decision.chat_channel:
        notify.post_group(
            session=session,
            group=group,
            integration=integration,
            channel=decision.chat_channel,
            now=now,
            context=context,
        )
        _event(session, group, "posted", now, note=decision.chat_channel)
    if decision.page_user_id:
        notify.page_user(
            session=session, group=group, user_id=decision.page_user_id, now=now, context=context
        )
        _event(session, group, "paged", now, actor_user_id=decision.page_user_id)


def _event(
    session: Session,
    group: AlertGroup,
    kind: str,
    now: datetime,
    *,
    alert: Alert | None = None,
    actor_user_id: int | None = None,
    note: str = "",
) -> None:
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


def _acknowledge_alert(session: Session, alert: Alert, now: datetime) -> Outcome:
    if alert.status == AlertStatus.TRIGGERED:
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_at = now
        group = _group(session, alert.group_id)
        if group.status == AlertStatus.TRIGGERED and not _has_triggered(session, group.id):
            _set_group_acknowledged(session, group, now, user_id=None)
    return Outcome(
        dedup_key=alert.dedup_key, effect="acknowledged", alert_id=alert.id, group_id=alert.group_id
    )


def _resolve_alert(session: Session, alert: Alert, now: datetime) -> Outcome:
    alert.status = AlertStatus.RESOLVED.value
    alert.resolved_at = now
    group = _group(session, alert.group_id)
    group.open_alert_count = max(0, group.open_alert_count - 1)
    group.last_seen_at = now
    _event(session, group, "alert_resolved", now, alert=alert, note=alert.summary)
    if group.open_alert_count == 0:
        _set_group_resolved(session, group, now, user_id=None)
    else:
        notify.refresh_chat_message(session=session, group=group, now=now)
    return Outcome(dedup_key=alert.dedup_key, effect="resolved", alert_id=alert.id, group_id=alert.group_id)


def _has_triggered(session: Session, group_id: int) -> bool:
    query = select(Alert.id).where(Alert.group_id == group_id, Alert.status == AlertStatus.TRIGGERED).limit(1)
    return session.scalar(query) is not None


def _group(session: Session, group_id: int, *, lock: bool = False) -> AlertGroup:
    group = session.get(AlertGroup, group_id, with_for_update=lock)
    if group is None:
        raise NotFound("alert group {value} does not exist", value=group_id)
    return group


def _set_group_acknowledged(
    session: Session, group: AlertGroup, now: datetime, *, user_id: int | None
) -> None:
    group.status = AlertStatus.ACKNOWLEDGED.value
    group.acknowledged_at = now
    group.acknowledged_by_id = user_id
    _event(session, group, "acknowledged", now, actor_user_id=user_id)
    notify.refresh_chat_message(session=session, group=group, now=now)


def _set_group_resolved(session: Session, group: AlertGroup, now: datetime, *, user_id: int | None) -> None:
    group.status = AlertStatus.RESOLVED.value
    group.resolved_at = now
    group.resolved_by_id = user_id
    group.open_alert_count = 0
    _event(session, group, "resolved", now, actor_user_id=user_id)
    notify.refresh_chat_message(session=session, group=group, now=now)


def acknowledge_group(*, session: Session, group_id: int, user_id: int, now: datetime) -> AlertGroup:
    """A person takes the group: its open alerts are acknowledged, further triggers notify no one."""
    group = _group(session, group_id, lock=True)
    if group.status == AlertStatus.RESOLVED:
        raise Conflict("alert group {value} is already resolved", value=group_id)
    if group.status == AlertStatus.ACKNOWLEDGED:
        return group
    for alert in session.scalars(
        select(Alert).where(Alert.group_id == group.id, Alert.status == AlertStatus.TRIGGERED)
    ):
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_at = now
    _set_group_acknowledged(session, group, now, user_id=user_id)
    session.flush()
    return group


def resolve_group(*, session: Session, group_id: int, user_id: int | None, now: datetime) -> AlertGroup:
    """A person (None: the quiet period) closes the group and its alerts; the next trigger opens a new one."""
    group = _group(session, group_id, lock=True)
    if group.status == AlertStatus.RESOLVED:
        return group
    for alert in session.scalars(
        select(Alert).where(Alert.group_id == group.id, Alert.status.in_(OPEN_STATUSES))
    ):
        alert.status = AlertStatus.RESOLVED.value
        alert.resolved_at = now
    _set_group_resolved(session, group, now, user_id=user_id)
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
    return _group(session, group_id)


def group_alerts(*, session: Session, group_id: int, limit: int = 200) -> list[Alert]:
    query = select(Alert).where(Alert.group_id == group_id).order_by(Alert.last_seen_at.desc()).limit(limit)
    return list(session.scalars(query))


def group_events(*, session: Session, group_id: int) -> list[AlertEvent]:
    return list(
        session.scalars(select(AlertEvent).where(AlertEvent.group_id == group_id).order_by(AlertEvent.id))
    )


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
