"""Quiet-period auto-resolve: a group whose integration sets `resolve_after_minutes` resolves itself
after that long with no new alert.

Each new alert moves the group's one pending timer (a job with a replace key) to the new deadline, so
a storm of alerts costs one job row, not one per alert. The timer checks `last_seen_at` again when it
runs: a group that heard something since waits for its new deadline instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hikeshi.alerts.models import AlertEvent, AlertGroup, Integration
from hikeshi.alerts.rules import AlertStatus
from hikeshi.core.errors import InvalidInput
from hikeshi.jobs.service import supersede

QUIET_RESOLVE_JOB = "alerts.quiet_resolve"
MAX_MINUTES = 7 * 24 * 60


def check_minutes(minutes: int | None) -> int | None:
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(
            "resolve_after_minutes: must be between 1 and 10080 (a week)", field="resolve_after_minutes"
        )
    return minutes


def schedule_quiet_resolve(
    *, session: Session, integration: Integration, group_ids: Iterable[int | None], now: datetime
) -> None:
    """After new alerts in these groups: each resolves itself once quiet that long, unless more come."""
    if not integration.resolve_after_minutes:
        return
    due_at = now + timedelta(minutes=integration.resolve_after_minutes)
    for group_id in sorted({group_id for group_id in group_ids if group_id is not None}):
        _schedule(session, group_id, due_at=due_at, now=now)


def _schedule(session: Session, group_id: int, *, due_at: datetime, now: datetime) -> None:
    supersede(
        session=session,
        kind=QUIET_RESOLVE_JOB,
        payload={"group_id": group_id},
        now=now,
        due_at=due_at,
        replace_key=f"alert-group-quiet:{group_id}",
    )


def take_quiet_group(*, session: Session, group_id: int, now: datetime) -> AlertGroup | None:
    """The group, when it is still open and has been quiet long enough (history notes why); else None.

    Its row is locked, so an alert arriving now either counts (committed first) or finds it resolved
    and opens a new group. A group not quiet long enough gets its timer moved to the new deadline.
    """
    group = session.scalar(select(AlertGroup).where(AlertGroup.id == group_id).with_for_update())
    if group is None or group.status == AlertStatus.RESOLVED:
        return None
    integration = session.get(Integration, group.integration_id)
    minutes = integration.resolve_after_minutes if integration is not None else None
    if not minutes:
        return None  # the setting was removed since
    deadline = group.last_seen_at + timedelta(minutes=minutes)
    if now < deadline:
        _schedule(session, group.id, due_at=deadline, now=now)
        return None
    note = f"no new alert for {minutes} minutes"
    session.add(AlertEvent(group_id=group.id, kind="quiet_period", note=note, at=now))
    return group
