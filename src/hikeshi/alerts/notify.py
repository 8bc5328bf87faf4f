"""How alert groups reach people: the chat post (kept current in place), pages, maintenance silence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from hikeshi.alerts.messages import group_message
from hikeshi.alerts.models import AlertGroup, Integration, MaintenanceWindow
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.service import supersede
from hikeshi.oncall import paging
from hikeshi.oncall.escalation import find_policy_id
from hikeshi.oncall.paging_rules import urgency_for_severity

REFRESH_CHAT_JOB = "alerts.refresh_chat"


@dataclass(frozen=True, slots=True)
class Context:
    """What notifying needs besides the database: the company's language and the app's base URL."""

    language: str
    base_url: str


# What an alert group's pages name as their source; on-call tells alerts about them by it.
PAGE_SOURCE = "alert_group"


def group_link(base_url: str, group_id: int) -> str:
    return f"{base_url}/alerts/groups/{group_id}"


def in_maintenance(
    *, session: Session, integration: Integration, product_id: int | None, now: datetime
) -> bool:
    query = select(MaintenanceWindow).where(
        MaintenanceWindow.starts_at <= now, MaintenanceWindow.ends_at > now
    )
    for window in session.scalars(query):
        everything = not window.integration_ids and not window.product_ids
        if everything or integration.id in window.integration_ids or (product_id in window.product_ids):
            return True
    return False


def post_group(
    *,
    session: Session,
    group: AlertGroup,
    integration: Integration,
    channel: str,
    now: datetime,
    context: Context,
) -> None:
    text, blocks = group_message(
        group_id=group.id,
        title=group.title,
        severity=group.severity,
        status=group.status,
        alert_count=max(group.alert_count, 1),
        open_alert_count=max(group.open_alert_count, 1),
        integration_name=integration.name,
        link=group_link(context.base_url, group.id),
        language=context.language,
    )
    message = Outgoing(target=channel, text=text, extra={"blocks": blocks})
    posted = delivery.send(
        session=session, channel="chat", message=message, now=now, source=f"alert_group:{group.id}"
    )
    group.chat_delivery_id = posted.id


def refresh_chat_message(*, session: Session, group: AlertGroup, now: datetime) -> None:
    """Ask for the group's chat message to show its current state; queued refreshes collapse into one.

    Asked once per transaction, as it commits: a batch of a storm's alerts asks on every alert, and the
    message only needs the state that commits.
    """
    if group.chat_delivery_id is None:
        return
    refresh_chat(session=session, group_id=group.id, now=now)


def refresh_chat(*, session: Session, group_id: int, now: datetime) -> None:
    """`refresh_chat_message` of a group known to have a chat message, by its id."""
    _refreshes(session)[group_id] = now


_REFRESHES = "alerts.chat_refreshes"


def _refreshes(session: Session) -> dict[int, datetime]:
    asked: dict[int, datetime] | None = session.info.get(_REFRESHES)
    if asked is None:
        asked = session.info[_REFRESHES] = {}
        # Listened to on the Session class, once per process: listening on each session costs a
        # storm's every batch more than the refresh itself; sessions that asked for none pass at once.
        if not event.contains(Session, "before_commit", _enqueue_refreshes):
            event.listen(Session, "before_commit", _enqueue_refreshes)
            event.listen(Session, "after_transaction_end", _forget_refreshes)
    return asked


def _enqueue_refreshes(session: Session) -> None:
    if _REFRESHES not in session.info or session.in_nested_transaction():
        return  # nothing asked, or a SAVEPOINT is released: the transaction goes on
    for group_id, now in sorted(session.info.pop(_REFRESHES).items()):
        supersede(
            session=session,
            kind=REFRESH_CHAT_JOB,
            payload={"group_id": group_id},
            now=now,
            replace_key=f"alert-group-chat:{group_id}",
        )


def _forget_refreshes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and _REFRESHES in session.info:  # the whole transaction ended
        session.info.pop(_REFRESHES)  # (committed or not), not a savepoint


def page_group(
    *, session: Session, group: AlertGroup, policy_id: int | None, user_id: int | None, now: datetime
) -> int | None:
    """Start the group's page (its id): through an escalation policy, or one person as a one-step policy.

    The page walks its steps on on-call's timers; acknowledging or resolving the group stops it.
    A policy deleted since the route was set falls back to the direct person, if any.
    """
    if policy_id is not None and find_policy_id(session=session, policy_id=policy_id) is None:
        policy_id = None
    if policy_id is None and user_id is None:
        return None
    page = paging.start_page(
        session=session,
        title=group.title,
        urgency=urgency_for_severity(group.severity).value,
        policy_id=policy_id,
        user_id=None if policy_id is not None else user_id,
        source_kind=PAGE_SOURCE,
        source_id=group.id,
        now=now,
    )
    return page.id


def acknowledge_group_pages(
    *, session: Session, group: AlertGroup, user_id: int | None, now: datetime
) -> None:
    """The group is taken: its pages stop notifying (on-call does not tell the group back)."""
    paging.acknowledge_source_pages(
        session=session, source_kind=PAGE_SOURCE, source_id=group.id, user_id=user_id, now=now
    )


def resolve_group_pages(*, session: Session, group: AlertGroup, user_id: int | None, now: datetime) -> None:
    paging.resolve_source_pages(
        session=session, source_kind=PAGE_SOURCE, source_id=group.id, user_id=user_id, now=now
    )
