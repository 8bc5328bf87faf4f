"""Use cases of delivery: ask for messages (in the caller's transaction), read the log, inbox and mailbox.

Asking for a message writes a `deliveries` row and enqueues a job in the same transaction, so nothing is
sent for a change that rolled back and nothing is lost for one that committed. The job handlers in
`handlers.py` do the sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from hikeshi.accounts.service import get_user
from hikeshi.core.errors import NotFound
from hikeshi.core.i18n import translations
from hikeshi.delivery.models import CapturedEmail, Delivery, DeliveryAttempt, InboxMessage
from hikeshi.delivery.rules import Channel, Status, parse_channel, validate_target
from hikeshi.jobs.service import enqueue

SEND_JOB = "delivery.send"
CHAT_UPDATE_JOB = "delivery.chat_update"
BATCH_SIZE = 100


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to ask for: where it goes and what it says."""

    target: str
    text: str
    subject: str = ""
    html: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None
    idempotency_key: str | None = None


def send(
    *,
    session: Session,
    channel: str,
    message: Outgoing,
    now: datetime,
    source: str = "",
) -> Delivery:
    """Ask for one message; the inbox is written at once, every other channel goes through a job."""
    return send_many(session=session, channel=channel, messages=[message], now=now, source=source)[0]


def send_many(
    *,
    session: Session,
    channel: str,
    messages: Sequence[Outgoing],
    now: datetime,
    source: str = "",
) -> list[Delivery]:
    """Ask for many messages on one channel, sent in batches (one job per `BATCH_SIZE`).

    A message whose idempotency key was already used is not asked for again; the earlier delivery
    is returned in its place.
    """
    kind = parse_channel(channel)
    used = _used_keys(session, [m.idempotency_key for m in messages if m.idempotency_key is not None])
    asked = [
        _delivery(session=session, channel=kind, message=m, now=now, source=source, used=used)
        for m in messages
    ]
    session.flush()
    deliveries = [delivery for delivery, _ in asked]
    fresh = [delivery for delivery, created in asked if created]
    if kind is Channel.INBOX:
        for delivery in fresh:
            _write_inbox(session=session, delivery=delivery, now=now)
        return deliveries
    for start in range(0, len(fresh), BATCH_SIZE):
        batch = [d.id for d in fresh[start : start + BATCH_SIZE]]
        enqueue(session=session, kind=SEND_JOB, payload={"delivery_ids": batch}, now=now)
    return deliveries


def _used_keys(session: Session, keys: Sequence[str]) -> dict[str, Delivery]:
    """The deliveries already asked for under these keys: one query per 500 keys, not one per message."""
    found: dict[str, Delivery] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for delivery in session.scalars(select(Delivery).where(Delivery.idempotency_key.in_(chunk))):
            found[str(delivery.idempotency_key)] = delivery
    return found


def _delivery(
    *,
    session: Session,
    channel: Channel,
    message: Outgoing,
    now: datetime,
    source: str,
    used: dict[str, Delivery] | None = None,
) -> tuple[Delivery, bool]:
    """The delivery row for a message, and whether it is new (False: its idempotency key was used)."""
    if message.idempotency_key is not None:
        if used is None:
            used = _used_keys(session, [message.idempotency_key])
        existing = used.get(message.idempotency_key)
        if existing is not None:
            return existing, False
    delivery = Delivery(
        channel=channel.value,
        target=validate_target(channel, message.target),
        user_id=message.user_id,
        subject=message.subject[:500],
        text=message.text,
        html=message.html,
        extra=dict(message.extra),
        source=source[:100],
        status=Status.QUEUED.value,
        attempts=0,
        idempotency_key=message.idempotency_key,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    if message.idempotency_key is not None and used is not None:
        used[message.idempotency_key] = delivery  # the same key twice in one call: asked for once
    return delivery, True


def _write_inbox(*, session: Session, delivery: Delivery, now: datetime) -> None:
    get_user(session=session, user_id=int(delivery.target))  # NotFound names a wrong recipient
    session.add(
        InboxMessage(
            user_id=int(delivery.target),
            title=delivery.subject or delivery.text[:120],
            body=delivery.text,
            link=delivery.extra.get("link"),
            source=delivery.source,
            created_at=now,
        )
    )
    delivery.status = Status.SENT.value
    delivery.attempts = 1
    delivery.sent_at = now
    session.add(DeliveryAttempt(delivery=delivery, attempt=1, outcome="sent", attempted_at=now))


def send_test(
    *, session: Session, channel: str, target: str, now: datetime, language: str, user_id: int | None = None
) -> Delivery:
    """A test message through the whole engine, in the recipient's language."""
    speaker = translations("en" if language == "en" else "ja")
    subject = speaker.gettext("hikeshi test message")
    text = speaker.gettext(
        "This is a test from hikeshi. If you can read this, hikeshi can reach you on this channel."
    )
    html = f"<p>{escape(text)}</p>"
    message = Outgoing(target=target, text=text, subject=subject, html=html, user_id=user_id)
    return send(session=session, channel=channel, message=message, now=now, source="test")


def update_chat_message(
    *, session: Session, delivery_id: int, text: str, blocks: Sequence[dict[str, Any]], now: datetime
) -> Delivery:
    """Replace what a posted chat message says. A newer update supersedes one still waiting in the queue."""
    original = get_delivery(session=session, delivery_id=delivery_id)
    if original.channel != Channel.CHAT:
        raise NotFound("chat message {value} does not exist", value=delivery_id)
    session.execute(
        update(Delivery)
        .where(Delivery.status == Status.QUEUED, Delivery.source == f"update:{original.id}")
        .values(status=Status.SUPERSEDED.value, updated_at=now)
    )
    change, _ = _delivery(
        session=session,
        channel=Channel.CHAT,
        message=Outgoing(
            target=original.target, text=text, extra={"blocks": list(blocks), "update_of": original.id}
        ),
        now=now,
        source=f"update:{original.id}",
    )
    session.flush()
    enqueue(
        session=session,
        kind=CHAT_UPDATE_JOB,
        payload={"delivery_id": change.id},
        now=now,
        replace_key=f"chat-update:{original.id}",
    )
    return change


def get_delivery(*, session: Session, delivery_id: int) -> Delivery:
    delivery = session.get(Delivery, delivery_id, options=[selectinload(Delivery.attempt_log)])
    if delivery is None:
        raise NotFound("delivery {value} does not exist", value=delivery_id)
    return delivery


def list_deliveries(
    *,
    session: Session,
    channel: str | None = None,
    status: str | None = None,
    user_id: int | None = None,
    limit: int = 100,
) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(max(1, min(limit, 1000)))
    if channel:
        query = query.where(Delivery.channel == parse_channel(channel))
    if status:
        query = query.where(Delivery.status == status)
    if user_id is not None:
        query = query.where(Delivery.user_id == user_id)
    return list(session.scalars(query))


def list_inbox(*, session: Session, user_id: int, limit: int = 50) -> list[InboxMessage]:
    query = (
        select(InboxMessage)
        .where(InboxMessage.user_id == user_id)
        .order_by(InboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def unread_count(*, session: Session, user_id: int) -> int:
    query = select(func.count(InboxMessage.id)).where(
        InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None)
    )
    return session.scalar(query) or 0


def mark_inbox_read(*, session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(InboxMessage)
        .where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
        .values(read_at=now)
    )


def list_mailbox(*, session: Session, limit: int = 100) -> list[CapturedEmail]:
    return list(session.scalars(select(CapturedEmail).order_by(CapturedEmail.id.desc()).limit(limit)))


def get_captured_email(*, session: Session, email_id: int) -> CapturedEmail:
    email = session.get(CapturedEmail, email_id)
    if email is None:
        raise NotFound("captured email {value} does not exist", value=email_id)
    return email
