"""Pure rules of the outbox: statuses, when to try again, and what of an error may be stored."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hikeshi.core.errors import ExternalServiceError, HikeshiError, InvalidInput
from hikeshi.core.i18n import N_

LAST_ERROR_LIMIT = 2000
SUCCEEDED_RETENTION = timedelta(days=7)


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for due_at; a failed job waiting for its retry is pending too
    RUNNING = "running"  # claimed by a worker until locked_until
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # out of attempts, permanently failed, or of an unknown kind: waits for a person


STATUSES = tuple(status.value for status in JobStatus)
STATUS_LABELS = {
    JobStatus.PENDING.value: N_("Pending"),
    JobStatus.RUNNING.value: N_("Running"),
    JobStatus.SUCCEEDED.value: N_("Succeeded"),
    JobStatus.DEAD.value: N_("Dead"),
}
RETRYABLE = frozenset({JobStatus.PENDING, JobStatus.DEAD})


@dataclass(frozen=True, slots=True)
class Failure:
    """What happens after a failed attempt: dead, or pending again at `retry_at`."""

    dead: bool
    retry_at: datetime | None
    error: str


def backoff_delay(attempt: int, *, base: timedelta, cap: timedelta, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))].

    Full jitter spreads the retries of many jobs that failed together (a provider outage) instead of
    sending them back in one wave.
    """
    exponent = min(max(attempt - 1, 0), 62)  # 2**62 seconds is past any cap; avoids overflow
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2**exponent)
    return timedelta(seconds=rng.uniform(0, ceiling))


def after_failure(
    error: Exception,
    *,
    attempt: int,
    max_attempts: int,
    base: timedelta,
    cap: timedelta,
    now: datetime,
    rng: random.Random,
) -> Failure:
    text = describe_error(error)
    if isinstance(error, ExternalServiceError) and error.permanent:
        return Failure(dead=True, retry_at=None, error=text)
    if attempt >= max_attempts:
        return Failure(dead=True, retry_at=None, error=text)
    if isinstance(error, ExternalServiceError) and error.retry_after_seconds is not None:
        delay = timedelta(seconds=max(error.retry_after_seconds, 0))
    else:
        delay = backoff_delay(attempt, base=base, cap=cap, rng=rng)
    return Failure(dead=False, retry_at=now + delay, error=text)


def describe_error(error: BaseException) -> str:
    """`Type: message`, secrets masked, at most LAST_ERROR_LIMIT characters."""
    message = error.render(lambda text: text) if isinstance(error, HikeshiError) else str(error)
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return truncate(redact(text))


def truncate(text: str, limit: int = LAST_ERROR_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # user:password@ in URLs (SMTP, database, webhook URLs)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), r"\1***@"),
    # Authorization headers
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2***"),
    # Slack tokens
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), "xox*-***"),
    # Slack incoming-webhook URLs: the path is the secret
    (re.compile(r"(?i)(hooks\.slack\.com/services/)[^\s\"'<>]+"), r"\1***"),
    # key=value and "key": "value" pairs whose name says they are secret
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|api[_-]?key|auth[_-]?token|signature)"
            r"(\"?\s*[=:]\s*\"?)[^\s\"'&,;]+"
        ),
        r"\1\2***",
    ),
)


def redact(text: str) -> str:
    """Mask what looks like a credential: last_error is shown to admins and logged."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def parse_status(value: str) -> JobStatus:
    try:
        return JobStatus(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "status: '{value}' is not one of {choices}",
            field="status",
            value=value,
            choices=", ".join(STATUSES),
        ) from None
