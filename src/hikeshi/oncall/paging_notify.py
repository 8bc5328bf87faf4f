"""Reaching one person for a page: the message per channel, the signed link, the per-person flood limit.

Every message leaves through the delivery outbox; a notification the flood limit holds back is recorded
(and shown on the page's timeline), so nothing is dropped silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hikeshi.accounts.models import User
from hikeshi.core.i18n import translations
from hikeshi.delivery import service as delivery
from hikeshi.delivery.service import Outgoing
from hikeshi.oncall.paging_models import Page, PageEvent, PageNotification
from hikeshi.oncall.paging_rules import (
    ACK_LINK_LIFETIME,
    ACK_PAGE_ACTION,
    PagingContext,
    at_night,
    sign_ack,
)

# How each kind of contact method is reached through delivery.
CHANNELS = {"email": "email", "sms": "sms", "voice": "voice", "slack": "chat"}


def page_path(page_id: int) -> str:
    return f"/pages/{page_id}"


def ack_link(*, page: Page, user_id: int, now: datetime, context: PagingContext) -> str:
    token = sign_ack(
        key=context.ack_key, page_id=page.id, user_id=user_id, expires_at=now + ACK_LINK_LIFETIME
    )
    return context.link(f"/pages/ack/{token}")


def add_event(
    session: Session,
    page: Page,
    kind: str,
    now: datetime,
    *,
    user_id: int | None = None,
    channel: str | None = None,
    note: str = "",
) -> None:
    session.add(
        PageEvent(page_id=page.id, kind=kind, user_id=user_id, channel=channel, note=note[:2000], at=now)
    )


def notify_person(
    *,
    session: Session,
    page: Page,
    person: User,
    kind: str,
    address: str,
    now: datetime,
    context: PagingContext,
) -> PageNotification:
    """One notification on one contact method, unless the person's flood limit is reached."""
    channel = CHANNELS.get(kind, kind)
    flooded = _recent_notifications(session, person.id, now, context) >= context.rate_limit
    notification = PageNotification(
        page_id=page.id,
        user_id=person.id,
        channel=channel,
        step_index=page.step_index,
        round=page.round,
        at_night=at_night(now, person.timezone),
        at=now,
    )
    session.add(notification)
    if flooded:
        notification.suppressed = True
        add_event(session, page, "suppressed", now, user_id=person.id, channel=channel)
        session.flush()
        return notification
    message = _message(page=page, person=person, channel=channel, address=address, now=now, context=context)
    sent = delivery.send(session=session, channel=channel, message=message, now=now, source=f"page:{page.id}")
    notification.delivery_id = sent.id
    add_event(session, page, "notified", now, user_id=person.id, channel=channel, note=address)
    session.flush()
    return notification


def _recent_notifications(session: Session, user_id: int, now: datetime, context: PagingContext) -> int:
    query = select(func.count(PageNotification.id)).where(
        PageNotification.user_id == user_id,
        PageNotification.suppressed.is_(False),
        PageNotification.at > now - context.rate_window,
    )
    return session.scalar(query) or 0


def _message(
    *, page: Page, person: User, channel: str, address: str, now: datetime, context: PagingContext
) -> Outgoing:
    speaker = translations("en" if person.language == "en" else "ja")
    subject = speaker.gettext("[hikeshi] Page: {title}").format(title=page.title[:200])
    link = ack_link(page=page, user_id=person.id, now=now, context=context)
    detail = context.link(page_path(page.id))
    lines = [subject]
    if page.message and page.message != page.title:
        lines.append(page.message[:500])
    lines.append(speaker.gettext("Acknowledge: {link}").format(link=link))
    if channel == "sms":
        text = "\n".join(lines)
    else:
        lines.append(speaker.gettext("Details: {link}").format(link=detail))
        text = "\n".join(lines)
    extra: dict[str, Any] = {"language": person.language}
    if channel == "chat":
        extra["blocks"] = _chat_blocks(page, text, speaker.gettext("Acknowledge"))
    if channel == "voice":
        spoken = speaker.gettext(
            "This is hikeshi. You are paged: {title}. "
            "Acknowledge with the link in your text message or email."
        )
        text = spoken.format(title=page.title[:200])
    return Outgoing(
        target=address,
        text=text,
        subject=subject,
        extra=extra,
        user_id=person.id,
        idempotency_key=None,
    )


def _chat_blocks(page: Page, text: str, button: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}},
        {
            "type": "actions",
            "block_id": f"page:{page.id}",
            "elements": [
                {
                    "type": "button",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": button},
                    "action_id": ACK_PAGE_ACTION,
                    "value": str(page.id),
                }
            ],
        },
    ]


def inbox_person(*, session: Session, page: Page, person: User, now: datetime) -> None:
    """The web inbox always hears of a page, whatever the person's rules say."""
    speaker = translations("en" if person.language == "en" else "ja")
    subject = speaker.gettext("[hikeshi] Page: {title}").format(title=page.title[:200])
    inbox = Outgoing(
        target=str(person.id),
        text=page.message or page.title,
        subject=subject,
        extra={"link": page_path(page.id)},
    )
    delivery.send(session=session, channel="inbox", message=inbox, now=now, source=f"page:{page.id}")
