"""Slack Web API through the official `slack_sdk.WebClient`: post, update, direct messages.

Retries belong to hikeshi's job engine (it records every attempt and spaces them out), so the
client's own retry handlers are switched off and each failure is handed back at once as an
`ExternalServiceError` that says whether retrying can help.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from hikeshi.adapters.errors import is_retryable_status, retry_after_seconds, shorten
from hikeshi.core.errors import ExternalServiceError
from hikeshi.delivery.ports import ChatMessage, ChatReceipt

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_TIMEOUT_SECONDS = 10
# `ok: false` answers that a later attempt can fix; every other Slack error is about the request
# itself (token, channel, text) and is permanent.
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# Slack's user ids: a direct message needs the IM channel opened with conversations.open.
USER_ID_PREFIXES = ("U", "W")


class SlackChat:
    """`ChatPort` for one bot token; thread-safe (WebClient opens a connection per request)."""

    def __init__(
        self,
        *,
        token: str,
        base_url: str = DEFAULT_API_URL,
        timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS,
        client: WebClient | None = None,
    ) -> None:
        # `retry_handlers=[]`: None would install slack_sdk's default connection-error retries.
        self._client = client or WebClient(
            token=token, base_url=_with_slash(base_url), timeout=timeout_seconds, retry_handlers=[]
        )
        self._direct_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def post(self, message: ChatMessage) -> ChatReceipt:
        _require_text("chat.postMessage", message.text)
        channel = self._conversation_for(message.channel)
        response = _call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks) or None,
                thread_ts=message.thread_ts,
                # None is left out of the request by slack_sdk: only a thread reply can broadcast.
                reply_broadcast=True if message.broadcast and message.thread_ts else None,
            ),
        )
        return ChatReceipt(channel=str(response["channel"]), ts=str(response["ts"]))

    def update(self, *, channel: str, ts: str, text: str, blocks: Sequence[dict[str, Any]] = ()) -> None:
        _require_text("chat.update", text)
        _call(
            "chat.update",
            lambda: self._client.chat_update(channel=channel, ts=ts, text=text, blocks=list(blocks) or None),
        )

    def _conversation_for(self, channel: str) -> str:
        """A channel as given; a user id becomes the bot's direct-message channel with that user."""
        if not channel.startswith(USER_ID_PREFIXES):
            return channel
        with self._lock:
            known = self._direct_channels.get(channel)
        if known is not None:
            return known
        response = _call("conversations.open", lambda: self._client.conversations_open(users=channel))
        opened = response["channel"]
        direct = str(opened["id"]) if isinstance(opened, Mapping) else str(opened)
        with self._lock:
            self._direct_channels[channel] = direct
        return direct


def _require_text(method: str, text: str) -> None:
    """Slack shows `text` in notifications and to screen readers; without it slack_sdk only warns."""
    if not text.strip():
        raise ExternalServiceError(
            "Slack refused {method}: {error}", permanent=True, method=method, error="no_text"
        )


def _call(method: str, request: Callable[[], SlackResponse]) -> SlackResponse:
    try:
        return request()
    except SlackApiError as error:
        raise slack_api_error(method, error.response) from error
    except (OSError, http.client.HTTPException) as error:
        # urllib's URLError, timeouts, refused and reset connections are all OSErrors.
        raise ExternalServiceError(
            "{provider} could not be reached: {detail}",
            provider="Slack",
            detail=shorten(f"{type(error).__name__}: {error}"),
        ) from error
    except SlackClientError as error:
        # Raised before any request leaves: a malformed base URL or arguments.
        raise ExternalServiceError(
            "Slack refused {method}: {error}", permanent=True, method=method, error=shorten(str(error))
        ) from error


def slack_api_error(method: str, response: SlackResponse) -> ExternalServiceError:
    """Map a failed Web API answer: HTTP status first (429, 5xx), then Slack's `error` code."""
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "unknown_error")
    headers = {str(name): str(value) for name, value in response.headers.items()}
    retry_after = retry_after_seconds(headers)
    if status == 429 or code in {"ratelimited", "rate_limited"}:
        return ExternalServiceError(
            "Slack rate-limited {method}; retry after {seconds} s",
            retry_after_seconds=retry_after if retry_after is not None else 1.0,
            method=method,
            seconds=retry_after if retry_after is not None else 1.0,
        )
    if status != 200:
        # A gateway's error page is HTML, not Slack's JSON: the status is all there is to go on.
        return ExternalServiceError(
            "Slack answered HTTP {status} to {method}",
            permanent=not is_retryable_status(status),
            retry_after_seconds=retry_after,
            method=method,
            status=status,
        )
    if code in RETRYABLE_ERRORS:
        return ExternalServiceError(
            "Slack failed {method}: {error}",
            retry_after_seconds=retry_after,
            method=method,
            error=shorten(code),
        )
    return ExternalServiceError(
        "Slack refused {method}: {error}", permanent=True, method=method, error=shorten(code)
    )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
