"""Provider failures as `ExternalServiceError`, the one error every port raises; HTTP answers mapped.

The rule every adapter shares: a request that can never succeed as sent (bad credentials, a bad
address, a URL that is gone) is `permanent`; throttling (408, 429), server errors (5xx) and network
failures are worth retrying, after `Retry-After` when the provider said so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from hikeshi.core.clock import utc_now
from hikeshi.core.errors import ExternalServiceError

RETRYABLE_STATUSES = frozenset({408, 425, 429})
# Longest provider text kept in an error: enough to diagnose, short enough for a log line.
DETAIL_LIMIT = 300


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = next((text for name, text in headers.items() if name.lower() == "retry-after"), None)
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - (now or utc_now())).total_seconds())


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


def shorten(text: str, limit: int = DETAIL_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_for_response(
    provider: str, response: httpx.Response, *, detail: str | None = None, provider_code: str | None = None
) -> ExternalServiceError:
    """The error for a non-success answer; 4xx other than 408/425/429 is permanent.

    `provider_code` (e.g. Twilio's 21610, unsubscribed) lands in `error.params` for callers that act on it.
    """
    status = response.status_code
    text = detail if detail is not None else shorten(response.text)
    return ExternalServiceError(
        "{provider} answered HTTP {status}: {detail}",
        permanent=not is_retryable_status(status),
        retry_after_seconds=retry_after_seconds(response.headers),
        provider=provider,
        status=status,
        detail=text,
        provider_code=provider_code,
    )


def send(provider: str, request: Callable[[], httpx.Response]) -> httpx.Response:
    """Run one request; a network failure or an unusable URL becomes an `ExternalServiceError`."""
    try:
        return request()
    except (httpx.TransportError, httpx.InvalidURL) as error:
        raise error_for_transport(provider, error) from error


def error_for_transport(
    provider: str, error: httpx.TransportError | httpx.InvalidURL
) -> ExternalServiceError:
    """Timeouts and refused or dropped connections may pass; a URL httpx cannot use never will."""
    unusable_url = isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol)
    return ExternalServiceError(
        "{provider} could not be reached: {detail}",
        permanent=unusable_url,
        provider=provider,
        detail=shorten(f"{type(error).__name__}: {error}"),
    )


def refused(provider: str, reason: str) -> ExternalServiceError:
    """A request hikeshi will not send because it cannot succeed (too long, malformed)."""
    return ExternalServiceError(
        "{provider}: the message was not sent: {reason}", permanent=True, provider=provider, reason=reason
    )
