"""The ports through which messages leave hikeshi. Adapters implement them; fakes stand in for tests.

Every method raises `hikeshi.core.errors.ExternalServiceError` on failure, saying whether a retry can
help (`permanent`) and, when the provider said so, after how long (`retry_after_seconds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    channel: str  # a channel id (C…) or name, or a user id (U…) for a direct message
    text: str  # fallback text; also what notifications show
    blocks: Sequence[dict[str, Any]] = ()
    thread_ts: str | None = None
    broadcast: bool = False  # a thread reply also shown in the channel (Slack's reply_broadcast)


@dataclass(frozen=True, slots=True)
class ChatReceipt:
    channel: str  # the channel id the provider answered with (needed for updates)
    ts: str  # the message's timestamp id


class ChatPort(Protocol):
    def post(self, message: ChatMessage) -> ChatReceipt: ...

    def update(self, *, channel: str, ts: str, text: str, blocks: Sequence[dict[str, Any]] = ()) -> None: ...


class ChatWebhookPort(Protocol):
    """Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat), and Slack's `response_url`s.

    `ephemeral`: an answer to a Slack interaction, shown only to the person who pressed
    (`response_type: ephemeral`, `replace_original: false`).
    """

    def post(
        self, *, url: str, text: str, blocks: Sequence[dict[str, Any]] = (), ephemeral: bool = False
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    from_address: str | None = None  # None: the configured sender
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A stable Message-ID (`<…@…>`) makes a re-sent message collapse into the first at the receiver.
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class EmailReceipt:
    message_id: str


class EmailPort(Protocol):
    def send(self, message: EmailMessage) -> EmailReceipt: ...

    def close(self) -> None:
        """Release a connection kept open for the next message of a batch."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderReceipt:
    provider_id: str  # e.g. Twilio's SM…/CA… sid
    status: str


class SmsPort(Protocol):
    def send(self, *, to: str, body: str) -> ProviderReceipt: ...


class VoicePort(Protocol):
    def call(self, *, to: str, twiml: str) -> ProviderReceipt: ...


class WebhookPort(Protocol):
    def post(self, *, url: str, payload: dict[str, Any], secret: str | None) -> ProviderReceipt: ...


@dataclass(slots=True)
class DeliveryPorts:
    """The configured channels of one process; a channel left as None is not configured."""

    email: EmailPort
    chat_webhook: ChatWebhookPort
    webhook: WebhookPort
    webhook_secret: str | None
    chat: ChatPort | None = None
    sms: SmsPort | None = None
    voice: VoicePort | None = None
