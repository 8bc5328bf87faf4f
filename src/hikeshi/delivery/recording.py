"""What the sending handlers write: each delivery read once, each change one prebuilt statement.

This runs for every message of a fan-out, so it is Core statements with bound parameters on the
handler's one connection, like the worker's own reports (`jobs/claims.py`): an ORM flush per change
cost more than the SMTP transaction it records. The functions never commit; the handler decides
which changes share a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, insert, literal, select, update

from hikeshi.delivery.models import Delivery, DeliveryAttempt
from hikeshi.delivery.rules import Status

INTERRUPTED = "the worker stopped after handing it over, before the answer was recorded; it may have arrived"


@dataclass(slots=True)
class Message:
    """A delivery as a handler reads it; the handler keeps it in step with what it writes."""

    id: int
    channel: str
    target: str
    subject: str
    text: str
    html: str | None
    extra: dict[str, Any]
    status: str
    attempts: int
    possible_duplicate: bool
    provider_id: str | None
    created_at: datetime
    updated_at: datetime


_READ = select(
    Delivery.id,
    Delivery.channel,
    Delivery.target,
    Delivery.subject,
    Delivery.text,
    Delivery.html,
    Delivery.extra,
    Delivery.status,
    Delivery.attempts,
    Delivery.possible_duplicate,
    Delivery.provider_id,
    Delivery.created_at,
    Delivery.updated_at,
)
_THIS = Delivery.id == bindparam("delivery_id")
_SENDING = (
    update(Delivery)
    .where(_THIS)
    .values(
        status=Status.SENDING.value,
        attempts=bindparam("attempt"),
        possible_duplicate=bindparam("duplicate"),
        updated_at=bindparam("now"),
    )
)
_SENT = (
    update(Delivery)
    .where(_THIS)
    .values(
        status=Status.SENT.value,
        provider_id=bindparam("provider"),
        extra=bindparam("details", type_=JSON()),
        last_error=None,
        sent_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
)
_UNSENT = (
    update(Delivery)
    .where(_THIS)
    .values(status=bindparam("new_status"), last_error=bindparam("error"), updated_at=bindparam("now"))
)
_ATTEMPT = insert(DeliveryAttempt)
# On PostgreSQL the result and its line of the log go in one statement (one round trip, not two);
# SQLite has no data-modifying WITH, and a statement there costs no round trip anyway.
_SENT_ROW = _SENT.returning(Delivery.id).cte("sent")
_SENT_AND_LOGGED = insert(DeliveryAttempt).from_select(
    ["delivery_id", "attempt", "outcome", "provider_id", "error", "attempted_at", "duration_ms"],
    select(
        _SENT_ROW.c.id,
        bindparam("attempt", type_=DeliveryAttempt.attempt.type),
        literal("sent", DeliveryAttempt.outcome.type),
        bindparam("provider", type_=DeliveryAttempt.provider_id.type),
        literal(None, DeliveryAttempt.error.type),
        bindparam("now", type_=DeliveryAttempt.attempted_at.type),
        bindparam("duration_ms", type_=DeliveryAttempt.duration_ms.type),
    ),
)


def read_deliveries(connection: Connection, delivery_ids: Sequence[int]) -> dict[int, Message]:
    rows = connection.execute(_READ.where(Delivery.id.in_(delivery_ids)))
    return {row.id: Message(**row._asdict()) for row in rows}


def mark_sending(connection: Connection, message: Message, *, now: datetime) -> None:
    """It goes out now. A status still `sending` means the last try stopped in flight: logged, flagged."""
    if message.status == Status.SENDING:
        message.possible_duplicate = True
        log_attempt(
            connection,
            message,
            outcome="interrupted",
            at=message.updated_at,
            duration_ms=0,
            error=INTERRUPTED,
        )
    message.status = Status.SENDING.value
    message.attempts += 1
    message.updated_at = now
    connection.execute(
        _SENDING,
        {
            "delivery_id": message.id,
            "attempt": message.attempts,
            "duplicate": message.possible_duplicate,
            "now": now,
        },
    )


def record_sent(
    connection: Connection, message: Message, *, provider_id: str | None, now: datetime, duration_ms: int
) -> None:
    message.status = Status.SENT.value
    message.provider_id = provider_id
    params = {"delivery_id": message.id, "provider": provider_id, "details": message.extra, "now": now}
    if connection.dialect.name == "postgresql":
        connection.execute(
            _SENT_AND_LOGGED, {**params, "attempt": message.attempts, "duration_ms": duration_ms}
        )
        return
    connection.execute(_SENT, params)
    log_attempt(connection, message, outcome="sent", at=now, duration_ms=duration_ms, provider_id=provider_id)


def record_unsent(
    connection: Connection, message: Message, *, status: Status, error: str, now: datetime
) -> None:
    """Queued again, failed or dead, with the error that says why."""
    message.status = status.value
    params = {"delivery_id": message.id, "new_status": status.value, "error": error, "now": now}
    connection.execute(_UNSENT, params)


def log_attempt(
    connection: Connection,
    message: Message,
    *,
    outcome: str,
    at: datetime,
    duration_ms: int,
    provider_id: str | None = None,
    error: str | None = None,
) -> None:
    """One line of the delivery log, for the attempt the message is at."""
    row = {
        "delivery_id": message.id,
        "attempt": message.attempts,
        "outcome": outcome,
        "provider_id": provider_id,
        "error": error,
        "attempted_at": at,
        "duration_ms": duration_ms,
    }
    connection.execute(_ATTEMPT, row)
