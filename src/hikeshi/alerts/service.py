"""The ingest use case: normalized alerts are deduplicated, grouped, routed and notified.

Everything happens in the caller's transaction: the alert rows, the group, and the messages asked of
the delivery engine commit together or not at all. What people do with a group afterwards
(acknowledge, resolve) and reading groups and alerts is in `groups`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hikeshi.alerts import notify, quiet
from hikeshi.alerts.groups import (
    RESOLVED_LITERAL,
    has_triggered,
    load_group,
    record_event,
    set_group_acknowledged,
    set_group_resolved,
)
from hikeshi.alerts.integrations import routing_rules
from hikeshi.alerts.models import Alert, AlertGroup, Integration
from hikeshi.alerts.normalized import Action, NormalizedAlert
from hikeshi.alerts.notify import Context
from hikeshi.alerts.rules import AlertStatus, grouping_key, higher_severity, route
from hikeshi.catalog.service import find_product_by_slug, get_product

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
    raws: Sequence[Any] | None = None,
) -> list[Outcome]:
    """`raws`: each alert's own raw payload (a webhook that carries many), in the order of `alerts`."""
    note_received(integration, now)
    outcomes = [
        _ingest_one(
            session=session,
            integration=integration,
            alert=alert,
            raw=raw if raws is None else raws[position],
            now=now,
            context=context,
        )
        for position, alert in enumerate(alerts)
    ]
    touched = [outcome.group_id for outcome in outcomes if outcome.effect in ("opened", "repeated")]
    quiet.schedule_quiet_resolve(session=session, integration=integration, group_ids=touched, now=now)
    session.flush()
    return outcomes


def note_received(integration: Integration, now: datetime) -> None:
    last = integration.last_received_at
    # Within a second is news to no one, and would cost every alert of a storm an UPDATE.
    if last is None or abs(now - last) >= RECEIVED_RESOLUTION:
        integration.last_received_at = now


def dedup_key_of(alert: NormalizedAlert) -> str:
    """The source's dedup key, or a new one: every alert without a key is a problem of its own."""
    return (alert.dedup_key or uuid.uuid4().hex)[:255]


def _ingest_one(
    *,
    session: Session,
    integration: Integration,
    alert: NormalizedAlert,
    raw: Any,
    now: datetime,
    context: Context,
) -> Outcome:
    dedup_key = dedup_key_of(alert)
    existing = find_open_alert(session, integration.id, dedup_key)
    if alert.action is Action.TRIGGER:
        if existing is not None:
            return repeat_alert(session=session, alert=existing, incoming=alert, now=now)
        return open_alert(
            session=session,
            integration=integration,
            incoming=alert,
            dedup_key=dedup_key,
            raw=raw,
            now=now,
            context=context,
        )
    if existing is None:
        # PagerDuty drops acknowledge and resolve for a key with no open alert; so do we.
        return Outcome(dedup_key=dedup_key, effect="ignored", alert_id=None, group_id=None)
    if alert.action is Action.ACKNOWLEDGE:
        return _acknowledge_alert(session, existing, now)
    return _resolve_alert(session, existing, now)


def find_open_alert(session: Session, integration_id: int, dedup_key: str) -> Alert | None:
    query = select(Alert).where(
        Alert.integration_id == integration_id,
        Alert.dedup_key == dedup_key,
        Alert.status != RESOLVED_LITERAL,
    )
    return session.scalar(query)


def repeat_alert(*, session: Session, alert: Alert, incoming: NormalizedAlert, now: datetime) -> Outcome:
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


def open_alert(
    *,
    session: Session,
    integration: Integration,
    incoming: NormalizedAlert,
    dedup_key: str,
    raw: Any,
    now: datetime,
    context: Context,
) -> Outcome:
    product_slug = product_slug_for(session, integration, incoming)
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
        existing = find_open_alert(session, integration.id, dedup_key)
        assert existing is not None
        return repeat_alert(session=session, alert=existing, incoming=incoming, now=now)
    group.alert_count += 1
    group.open_alert_count += 1
    group.event_count += 1
    group.last_seen_at = now
    group.severity = higher_severity(group.severity, alert.severity)
    if group.status == AlertStatus.RESOLVED:
        group.status = AlertStatus.TRIGGERED.value
    if created:
        record_event(session, group, "opened", now, alert=alert, note=alert.summary)
        _notify_new_group(session, integration, group, incoming, product_slug, now, context)
    else:
        record_event(session, group, "alert_added", now, alert=alert, note=alert.summary)
        notify.refresh_chat_message(session=session, group=group, now=now)
    return Outcome(dedup_key=dedup_key, effect="opened", alert_id=alert.id, group_id=group.id)


def product_slug_for(session: Session, integration: Integration, incoming: NormalizedAlert) -> str | None:
    if incoming.product and find_product_by_slug(session=session, slug=incoming.product) is not None:
        return incoming.product.strip().lower()
    if integration.product_id is not None:
        return get_product(session=session, product_id=integration.product_id).slug
    return None


def find_open_group(session: Session, integration_id: int, key: str) -> AlertGroup | None:
    """The integration's open group with this grouping key, locked.

    Locked, so a person resolving this group at the same moment either goes first (and a new group
    opens) or waits for the alert being added (and resolves it too): never an open alert in a
    resolved group.
    """
    query = (
        select(AlertGroup)
        .where(
            AlertGroup.integration_id == integration_id,
            AlertGroup.grouping_key == key,
            AlertGroup.status != RESOLVED_LITERAL,
        )
        .with_for_update()
    )
    return session.scalar(query)


def _group_for(
    session: Session,
    integration: Integration,
    incoming: NormalizedAlert,
    product_slug: str | None,
    now: datetime,
) -> tuple[AlertGroup, bool]:
    """The open group with this grouping key, or a new one (True)."""
    key = grouping_key(incoming, grouping=integration.grouping, product_slug=product_slug)
    if (group := find_open_group(session, integration.id, key)) is not None:
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
        found = find_open_group(session, integration.id, key)
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
        record_event(session, group, "suppressed", now, note="maintenance window")
        return
    decision = route(
        incoming,
        rules=routing_rules(session=session, integration_id=integration.id),
        product_slug=product_slug,
        default_channel=integration.chat_channel,
        default_page_user_id=integration.page_user_id,
        default_policy_id=integration.escalation_policy_id,
    )
    if decision.dropped:
        record_event(session, group, "dropped", now, note="routing rule")
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
        record_event(session, group, "posted", now, note=decision.chat_channel)
    if decision.pages:
        page_id = notify.page_group(
            session=session,
            group=group,
            policy_id=decision.escalation_policy_id,
            user_id=decision.page_user_id,
            now=now,
        )
        if page_id is not None:
            record_event(
                session, group, "paged", now, actor_user_id=decision.page_user_id, note=f"#{page_id}"
            )


def _acknowledge_alert(session: Session, alert: Alert, now: datetime) -> Outcome:
    if alert.status == AlertStatus.TRIGGERED:
        alert.status = AlertStatus.ACKNOWLEDGED.value
        alert.acknowledged_at = now
        group = load_group(session, alert.group_id)
        if group.status == AlertStatus.TRIGGERED and not has_triggered(session, group.id):
            set_group_acknowledged(session, group, now, user_id=None)
    return Outcome(
        dedup_key=alert.dedup_key, effect="acknowledged", alert_id=alert.id, group_id=alert.group_id
    )


def _resolve_alert(session: Session, alert: Alert, now: datetime) -> Outcome:
    alert.status = AlertStatus.RESOLVED.value
    alert.resolved_at = now
    group = load_group(session, alert.group_id)
    group.open_alert_count = max(0, group.open_alert_count - 1)
    group.last_seen_at = now
    record_event(session, group, "alert_resolved", now, alert=alert, note=alert.summary)
    if group.open_alert_count == 0:
        set_group_resolved(session, group, now, user_id=None)
    else:
        notify.refresh_chat_message(session=session, group=group, now=now)
    return Outcome(dedup_key=alert.dedup_key, effect="resolved", alert_id=alert.id, group_id=alert.group_id)
