"""Job handlers that send: one batch of deliveries per job, each delivery recorded before and after.

A delivery is marked `sending` (committed) before the provider is called and `sent` after, so a crash in
between leaves exactly the one in flight, which the retry sends again, flags `possible_duplicate` and
logs as interrupted. In a batch, the result of one message is committed together with the `sending`
mark of the next: one commit per message, and still never more than one in flight.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol
from xml.sax.saxutils import escape

from sqlalchemy import Connection, Engine

from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery import recording
from hikeshi.delivery.ports import ChatMessage, DeliveryPorts, EmailMessage
from hikeshi.delivery.ratelimit import RateLimiter
from hikeshi.delivery.recording import Message
from hikeshi.delivery.rules import Channel, Status, short_error
from hikeshi.delivery.service import CHAT_UPDATE_JOB, SEND_JOB
from hikeshi.jobs.registry import DEFAULT_LEASE, JobContext, JobRegistry, JobSpec

log = logging.getLogger("hikeshi.delivery")

# A message is given up after this many failed attempts, but never before GIVE_UP_AFTER: the backoff
# fits eight attempts in about five minutes, and a mail server or Slack down for longer than that
# must not lose every notice queued meanwhile.
MAX_DELIVERY_ATTEMPTS = 8
GIVE_UP_AFTER = timedelta(hours=1)
# Rate-limit waits reschedule a job without a delivery attempt, so the job may run more often.
JOB_ATTEMPTS = 50
FINAL = frozenset({Status.SENT, Status.FAILED, Status.DEAD, Status.SUPERSEDED})


class DeliveryRuntime(Protocol):
    """What the handlers need from the process's Container."""

    @property
    def engine(self) -> Engine: ...

    @property
    def delivery_ports(self) -> DeliveryPorts: ...

    @property
    def rate_limiter(self) -> RateLimiter: ...


@dataclass(frozen=True, slots=True)
class _Retry:
    after: float | None


def register(registry: JobRegistry, *, lease: timedelta = DEFAULT_LEASE) -> None:
    """`lease`: how long a worker holds a job before another may take it back; above the longest batch."""
    for kind, handler in ((SEND_JOB, deliver_batch), (CHAT_UPDATE_JOB, deliver_chat_update)):
        registry.register(JobSpec(kind=kind, handler=handler, max_attempts=JOB_ATTEMPTS, lease=lease))


def deliver_batch(ctx: JobContext, payload: dict[str, Any]) -> None:
    runtime: DeliveryRuntime = ctx.services
    delivery_ids = [int(delivery_id) for delivery_id in payload["delivery_ids"]]
    # One connection for the batch: a pool checkout (and its liveness ping) per message would cost
    # more than the message's own statements.
    with runtime.engine.connect() as connection:
        found = recording.read_deliveries(connection, delivery_ids)
        connection.commit()  # each message's transaction then starts with a write (SQLite's lock)
        unfinished = [found[i] for i in delivery_ids if i in found and found[i].status not in FINAL]
        retries = _deliver_in_order(connection, ctx, runtime, unfinished)
        connection.commit()  # the last message's result
    if retries:
        waits = [retry.after for retry in retries if retry.after is not None]
        raise ExternalServiceError(
            "{count} deliveries will be tried again",
            count=len(retries),
            retry_after_seconds=max(waits, default=None),
        )


def _deliver_in_order(
    connection: Connection, ctx: JobContext, runtime: DeliveryRuntime, messages: list[Message]
) -> list[_Retry]:
    """Send each message; the retries due for those not sent.

    A message that has to be tried again holds back the later ones to the same target, which wait
    for the same retry: a channel never reads "recovered" before the "outage" it follows.
    """
    waiting: dict[tuple[str, str], _Retry] = {}
    retries = []
    for message in messages:
        key = (message.channel, message.target)
        outcome = waiting.get(key) or _deliver_one(connection, ctx, runtime, message)
        if outcome is not None:
            waiting[key] = outcome
            retries.append(outcome)
    return retries


def _deliver_one(
    connection: Connection, ctx: JobContext, runtime: DeliveryRuntime, message: Message
) -> _Retry | None:
    """Send one message of a batch; its result is committed with the next message's `sending` mark."""
    wait = runtime.rate_limiter.acquire(
        Channel(message.channel),
        message.target,
        # The previous message's result is not left uncommitted while this one waits its turn.
        before_waiting=connection.commit,
    )
    if wait > 0:
        return _Retry(after=wait)
    _mark_sending(connection, message, ctx)
    started = time.perf_counter()
    try:
        provider_id = _send(runtime.delivery_ports, message)
    except ExternalServiceError as error:
        return _record_failure(connection, message, ctx, error, started)
    except Exception as error:
        log.exception("delivery %s: unexpected error from the %s adapter", message.id, message.channel)
        return _record_failure(connection, message, ctx, ExternalServiceError(str(error)), started)
    finally:
        runtime.rate_limiter.finished(Channel(message.channel), message.target)
    recording.record_sent(
        connection, message, provider_id=provider_id, now=ctx.clock(), duration_ms=_since(started)
    )
    return None


def _mark_sending(connection: Connection, message: Message, ctx: JobContext) -> None:
    """Commit that this message goes out now, with the result the transaction still holds."""
    recording.mark_sending(connection, message, now=ctx.clock())
    connection.commit()


def _record_failure(
    connection: Connection, message: Message, ctx: JobContext, error: ExternalServiceError, started: float
) -> _Retry | None:
    """Record a failed attempt (the caller commits); a `_Retry` when trying again can help."""
    now = ctx.clock()
    text = short_error(str(error))
    gave_up = (
        not error.permanent
        and message.attempts >= MAX_DELIVERY_ATTEMPTS
        and now - message.created_at >= GIVE_UP_AFTER
    )
    if error.permanent:
        status, outcome = Status.FAILED, "failed"
    elif gave_up:
        status, outcome = Status.DEAD, "gave_up"
    else:
        status, outcome = Status.QUEUED, "retry"
    recording.record_unsent(connection, message, status=status, error=text, now=now)
    recording.log_attempt(
        connection, message, outcome=outcome, at=now, duration_ms=_since(started), error=text
    )
    if error.permanent or gave_up:
        return None
    return _Retry(after=error.retry_after_seconds)


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _not_configured(channel: str) -> ExternalServiceError:
    return ExternalServiceError("the {channel} channel is not configured", permanent=True, channel=channel)


def _send(ports: DeliveryPorts, message: Message) -> str | None:
    """Hand one message to its provider; the provider's id for it, when it gives one."""
    channel = Channel(message.channel)
    extra = message.extra or {}
    if channel is Channel.EMAIL:
        email = EmailMessage(
            to=message.target,
            subject=message.subject,
            text=message.text,
            html=message.html,
            headers=dict(extra.get("headers") or {}),
            message_id=extra.get("message_id"),
        )
        return ports.email.send(email).message_id
    if channel is Channel.CHAT:
        if ports.chat is None:
            raise _not_configured(channel)
        chat = ChatMessage(
            channel=message.target,
            text=message.text,
            blocks=tuple(extra.get("blocks", ())),
            thread_ts=extra.get("thread_ts"),
            broadcast=bool(extra.get("reply_broadcast")),
        )
        receipt = ports.chat.post(chat)
        message.extra = {**extra, "channel_id": receipt.channel}
        return receipt.ts
    if channel is Channel.CHAT_WEBHOOK:
        ports.chat_webhook.post(
            url=message.target,
            text=message.text,
            blocks=tuple(extra.get("blocks", ())),
            ephemeral=bool(extra.get("ephemeral")),
        )
        return None
    if channel is Channel.SMS:
        if ports.sms is None:
            raise _not_configured(channel)
        return ports.sms.send(to=message.target, body=message.text).provider_id
    if channel is Channel.VOICE:
        if ports.voice is None:
            raise _not_configured(channel)
        twiml = extra.get("twiml") or spoken_twiml(message.text, language=extra.get("language", "ja"))
        return ports.voice.call(to=message.target, twiml=twiml).provider_id
    if channel is Channel.WEBHOOK:
        body = extra.get("payload") or {"subject": message.subject, "text": message.text}
        return ports.webhook.post(url=message.target, payload=body, secret=ports.webhook_secret).provider_id
    raise _not_configured(channel)


def spoken_twiml(text: str, *, language: str = "ja") -> str:
    """TwiML that reads the text aloud twice, in Japanese or English."""
    voice_language = "ja-JP" if language == "ja" else "en-US"
    said = f'<Say language="{voice_language}">{escape(text)}</Say>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{said}<Pause length="1"/>{said}</Response>'


def deliver_chat_update(ctx: JobContext, payload: dict[str, Any]) -> None:
    runtime: DeliveryRuntime = ctx.services
    change_id = int(payload["delivery_id"])
    with runtime.engine.connect() as connection:
        change = recording.read_deliveries(connection, [change_id]).get(change_id)
        if change is None or change.status in FINAL:
            return
        original_id = int(change.extra["update_of"])
        original = recording.read_deliveries(connection, [original_id]).get(original_id)
        connection.commit()
        if original is None or original.status in (Status.FAILED, Status.DEAD):
            error = "the message to update was never posted"
            recording.record_unsent(connection, change, status=Status.FAILED, error=error, now=ctx.clock())
        elif original.status != Status.SENT or original.provider_id is None:
            raise ExternalServiceError("the message to update is not posted yet", retry_after_seconds=2)
        else:
            _update_posted(connection, ctx, runtime, change, original)
        connection.commit()


def _update_posted(
    connection: Connection, ctx: JobContext, runtime: DeliveryRuntime, change: Message, original: Message
) -> None:
    """Apply `change` to the posted `original`; raise to have the job retry when that can help."""
    chat, posted_ts = runtime.delivery_ports.chat, str(original.provider_id)
    if chat is None:
        _record_failure(connection, change, ctx, _not_configured(Channel.CHAT), time.perf_counter())
        return
    wait = runtime.rate_limiter.acquire(Channel.CHAT, original.target)
    if wait > 0:
        raise ExternalServiceError("chat rate limit", retry_after_seconds=wait)
    _mark_sending(connection, change, ctx)
    started = time.perf_counter()
    try:
        channel_id = str(original.extra.get("channel_id", original.target))
        blocks = tuple(change.extra.get("blocks", ()))
        chat.update(channel=channel_id, ts=posted_ts, text=change.text, blocks=blocks)
    except ExternalServiceError as error:
        retry = _record_failure(connection, change, ctx, error, started)
        if retry is not None:
            connection.commit()
            raise ExternalServiceError(str(error), retry_after_seconds=retry.after) from error
        return
    finally:
        runtime.rate_limiter.finished(Channel.CHAT, original.target)
    recording.record_sent(
        connection, change, provider_id=posted_ts, now=ctx.clock(), duration_ms=_since(started)
    )
