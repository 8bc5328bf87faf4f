"""Job handlers that send: one batch of deliveries per job, each delivery recorded before and after.

A delivery is marked `sending` (committed) before the provider is called and `sent` after, so a crash in
between leaves exactly the one in flight, which the retry sends again and flags `possible_duplicate`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.models import Delivery, DeliveryAttempt
from hikeshi.delivery.ports import ChatMessage, DeliveryPorts, EmailMessage
from hikeshi.delivery.ratelimit import RateLimiter
from hikeshi.delivery.rules import Channel, Status, short_error
from hikeshi.delivery.service import CHAT_UPDATE_JOB, SEND_JOB
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec

log = logging.getLogger("hikeshi.delivery")

MAX_DELIVERY_ATTEMPTS = 8
# Rate-limit waits reschedule a job without a delivery attempt, so the job may run more often.
JOB_ATTEMPTS = 50
FINAL = frozenset({Status.SENT, Status.FAILED, Status.DEAD, Status.SUPERSEDED})


class DeliveryRuntime(Protocol):
    """What the handlers need from the process's Container."""

    @property
    def delivery_ports(self) -> DeliveryPorts: ...

    @property
    def rate_limiter(self) -> RateLimiter: ...


@dataclass(frozen=True, slots=True)
class _Retry:
    after: float | None


def register(registry: JobRegistry) -> None:
    registry.register(JobSpec(kind=SEND_JOB, handler=deliver_batch, max_attempts=JOB_ATTEMPTS))
    registry.register(JobSpec(kind=CHAT_UPDATE_JOB, handler=deliver_chat_update, max_attempts=JOB_ATTEMPTS))


def deliver_batch(ctx: JobContext, payload: dict[str, Any]) -> None:
    runtime: DeliveryRuntime = ctx.services
    retries = [
        outcome
        for delivery_id in payload["delivery_ids"]
        if isinstance(outcome := _deliver_one(ctx, runtime, int(delivery_id)), _Retry)
    ]
    if retries:
        waits = [retry.after for retry in retries if retry.after is not None]
        raise ExternalServiceError(
            "{count} deliveries will be tried again",
            count=len(retries),
            retry_after_seconds=max(waits, default=None),
        )


def _deliver_one(ctx: JobContext, runtime: DeliveryRuntime, delivery_id: int) -> _Retry | None:
    with ctx.sessions() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status in FINAL:
            return None
        wait = runtime.rate_limiter.acquire(Channel(delivery.channel), delivery.target)
        if wait > 0:
            return _Retry(after=wait)
        _mark_sending(session, delivery, ctx)
        started = time.perf_counter()
        try:
            provider_id = _send(runtime.delivery_ports, delivery)
        except ExternalServiceError as error:
            return _record_failure(session, delivery, ctx, error, started)
        except Exception as error:
            log.exception("delivery %s: unexpected error from the %s adapter", delivery.id, delivery.channel)
            return _record_failure(session, delivery, ctx, ExternalServiceError(str(error)), started)
        _record_success(session, delivery, ctx, provider_id, started)
        return None


def _mark_sending(session: Session, delivery: Delivery, ctx: JobContext) -> None:
    if delivery.status == Status.SENDING:
        # The last try died between handing the message over and recording the answer.
        delivery.possible_duplicate = True
    delivery.status = Status.SENDING.value
    delivery.attempts += 1
    delivery.updated_at = ctx.clock()
    session.commit()


def _record_success(
    session: Session, delivery: Delivery, ctx: JobContext, provider_id: str | None, started: float
) -> None:
    now = ctx.clock()
    delivery.status = Status.SENT.value
    delivery.provider_id = provider_id
    delivery.sent_at = now
    delivery.updated_at = now
    delivery.last_error = None
    session.add(_attempt(delivery, "sent", now, started, provider_id=provider_id))
    session.commit()


def _record_failure(
    session: Session, delivery: Delivery, ctx: JobContext, error: ExternalServiceError, started: float
) -> _Retry | None:
    now = ctx.clock()
    message = short_error(str(error))
    gave_up = not error.permanent and delivery.attempts >= MAX_DELIVERY_ATTEMPTS
    if error.permanent:
        delivery.status = Status.FAILED.value
    elif gave_up:
        delivery.status = Status.DEAD.value
    else:
        delivery.status = Status.QUEUED.value
    delivery.last_error = message
    delivery.updated_at = now
    outcome = "failed" if error.permanent else ("gave_up" if gave_up else "retry")
    session.add(_attempt(delivery, outcome, now, started, error=message))
    session.commit()
    if error.permanent or gave_up:
        return None
    return _Retry(after=error.retry_after_seconds)


def _attempt(
    delivery: Delivery,
    outcome: str,
    now: Any,
    started: float,
    *,
    provider_id: str | None = None,
    error: str | None = None,
) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id=delivery.id,
        attempt=delivery.attempts,
        outcome=outcome,
        provider_id=provider_id,
        error=error,
        attempted_at=now,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )


def _not_configured(channel: str) -> ExternalServiceError:
    return ExternalServiceError("the {channel} channel is not configured", permanent=True, channel=channel)


def _send(ports: DeliveryPorts, delivery: Delivery) -> str | None:
    """Hand one message to its provider; the provider's id for it, when it gives one."""
    channel = Channel(delivery.channel)
    extra = delivery.extra or {}
    if channel is Channel.EMAIL:
        message = EmailMessage(
            to=delivery.target, subject=delivery.subject, text=delivery.text, html=delivery.html
        )
        return ports.email.send(message).message_id
    if channel is Channel.CHAT:
        if ports.chat is None:
            raise _not_configured(channel)
        chat = ChatMessage(
            channel=delivery.target,
            text=delivery.text,
            blocks=tuple(extra.get("blocks", ())),
            thread_ts=extra.get("thread_ts"),
        )
        receipt = ports.chat.post(chat)
        delivery.extra = {**extra, "channel_id": receipt.channel}
        return receipt.ts
    if channel is Channel.CHAT_WEBHOOK:
        ports.chat_webhook.post(
            url=delivery.target, text=delivery.text, blocks=tuple(extra.get("blocks", ()))
        )
        return None
    if channel is Channel.SMS:
        if ports.sms is None:
            raise _not_configured(channel)
        return ports.sms.send(to=delivery.target, body=delivery.text).provider_id
    if channel is Channel.VOICE:
        if ports.voice is None:
            raise _not_configured(channel)
        twiml = extra.get("twiml") or spoken_twiml(delivery.text, language=extra.get("language", "ja"))
        return ports.voice.call(to=delivery.target, twiml=twiml).provider_id
    if channel is Channel.WEBHOOK:
        body = extra.get("payload") or {"subject": delivery.subject, "text": delivery.text}
        return ports.webhook.post(url=delivery.target, payload=body, secret=ports.webhook_secret).provider_id
    raise _not_configured(channel)


def spoken_twiml(text: str, *, language: str = "ja") -> str:
    """TwiML that reads the text aloud twice, in Japanese or English."""
    voice_language = "ja-JP" if language == "ja" else "en-US"
    said = f'<Say language="{voice_language}">{escape(text)}</Say>'
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{said}<Pause length="1"/>{said}</Response>'


def deliver_chat_update(ctx: JobContext, payload: dict[str, Any]) -> None:
    runtime: DeliveryRuntime = ctx.services
    with ctx.sessions() as session:
        change = session.get(Delivery, int(payload["delivery_id"]))
        if change is None or change.status in FINAL:
            return None
        original = session.get(Delivery, int(change.extra["update_of"]))
        if original is None or original.status in (Status.FAILED, Status.DEAD):
            return _give_up_update(session, change, ctx)
        if original.status != Status.SENT or original.provider_id is None:
            raise ExternalServiceError("the message to update is not posted yet", retry_after_seconds=2)
        chat = runtime.delivery_ports.chat
        if chat is None:
            return _record_failure_final(session, change, ctx, _not_configured(Channel.CHAT))
        wait = runtime.rate_limiter.acquire(Channel.CHAT, original.target)
        if wait > 0:
            raise ExternalServiceError("chat rate limit", retry_after_seconds=wait)
        _mark_sending(session, change, ctx)
        started = time.perf_counter()
        try:
            channel_id = str(original.extra.get("channel_id", original.target))
            blocks = tuple(change.extra.get("blocks", ()))
            chat.update(channel=channel_id, ts=original.provider_id, text=change.text, blocks=blocks)
        except ExternalServiceError as error:
            retry = _record_failure(session, change, ctx, error, started)
            if retry is not None:
                raise ExternalServiceError(str(error), retry_after_seconds=retry.after) from error
            return None
        _record_success(session, change, ctx, original.provider_id, started)
        return None


def _record_failure_final(
    session: Session, delivery: Delivery, ctx: JobContext, error: ExternalServiceError
) -> None:
    _record_failure(session, delivery, ctx, error, time.perf_counter())


def _give_up_update(session: Session, change: Delivery, ctx: JobContext) -> None:
    change.status = Status.FAILED.value
    change.last_error = "the message to update was never posted"
    change.updated_at = ctx.clock()
    session.commit()
