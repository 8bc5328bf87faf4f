"""How alert groups reach people: the chat post (kept current in place), pages, maintenance silence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from hikeshi.accounts.service import get_user
from hikeshi.alerts.messages import group_message
from hikeshi.alerts.models import AlertGroup, Integration, MaintenanceWindow
from hikeshi.core.i18n import translations
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.jobs.service import enqueue

REFRESH_CHAT_JOB = "alerts.refresh_chat"


@dataclass(frozen=True, slots=True)
class Context:
    """What notifying needs besides the database: the company's language and the app's base URL."""

    language: str
    base_url: str


# How each kind of contact method is paged until escalation policies take over.
PAGE_CHANNELS = {"email": "email", "sms": "sms", "voice": "voice", "slack": "chat"}


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
    _refreshes(session)[group.id] = now


_REFRESHES = "alerts.chat_refreshes"
_LISTENING = "alerts.chat_refreshes_listening"


def _refreshes(session: Session) -> dict[int, datetime]:
    asked: dict[int, datetime] | None = session.info.get(_REFRESHES)
    if asked is None:
        asked = session.info[_REFRESHES] = {}
        if not session.info.get(_LISTENING):
            event.listen(session, "before_commit", _enqueue_refreshes)
            event.listen(session, "after_transaction_end", _forget_refreshes)
            session.info[_LISTENING] = True
    return asked


def _enqueue_refreshes(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT is released: the transaction goes on
        return
    for group_id, now in sorted(session.info.pop(_REFRESHES, {}).items()):
        enqueue(
            session=session,
            kind=REFRESH_CHAT_JOB,
            payload={"group_id": group_id},
            now=now,
            replace_key=f"alert-group-chat:{group_id}",
        )


def _forget_refreshes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or not), not a savepoint
        session.info.pop(_REFRESHES, None)


def page_user(*, session: Session, group: AlertGroup, user_id: int, now: datetime, context: Context) -> None:
    """Reach one person on every contact method at once, and in the inbox."""
    person = get_user(session=session, user_id=user_id)
    speaker = translations("en" if person.language == "en" else "ja")
    subject = speaker.gettext("[hikeshi] Alert: {title}").format(title=group.title[:200])
    link = group_link(context.base_url, group.id)
    text = f"{subject}\n{link}"
    source = f"page:alert_group:{group.id}"
    for method in person.contact_methods:
        channel = PAGE_CHANNELS.get(method.kind)
        if channel is None:
            continue
        extra = {"language": person.language}
        message = Outgoing(target=method.address, text=text, subject=subject, extra=extra, user_id=person.id)
        delivery.send(session=session, channel=channel, message=message, now=now, source=source)
    inbox = Outgoing(
        target=str(person.id), text=text, subject=subject, extra={"link": f"/alerts/groups/{group.id}"}
    )
    delivery.send(session=session, channel="inbox", message=inbox, now=now, source=source)
