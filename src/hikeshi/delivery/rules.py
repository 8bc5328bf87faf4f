"""Pure rules of delivery: channels, targets, rate-limit configuration and token buckets. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_


class Channel(StrEnum):
    CHAT = "chat"  # Slack Web API: a channel or a person (direct message)
    CHAT_WEBHOOK = "chat_webhook"  # Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat)
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    WEBHOOK = "webhook"  # signed JSON POST to any URL
    INBOX = "inbox"  # the web UI's inbox; always on


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # handed to the provider; a crash here may mean it went out
    SENT = "sent"
    FAILED = "failed"  # permanent: retrying cannot help (bad address, refused, not configured)
    DEAD = "dead"  # retried until the job engine gave up
    SUPERSEDED = "superseded"  # a queued chat update replaced by a newer one before it was sent


CHANNEL_LABELS: Final[dict[Channel, str]] = {
    Channel.CHAT: N_("Slack"),
    Channel.CHAT_WEBHOOK: N_("Chat webhook"),
    Channel.EMAIL: N_("Email"),
    Channel.SMS: N_("SMS"),
    Channel.VOICE: N_("Voice call"),
    Channel.WEBHOOK: N_("Webhook"),
    Channel.INBOX: N_("Inbox"),
}
STATUS_LABELS: Final[dict[Status, str]] = {
    Status.QUEUED: N_("Queued"),
    Status.SENDING: N_("Sending"),
    Status.SENT: N_("Sent"),
    Status.FAILED: N_("Failed"),
    Status.DEAD: N_("Gave up"),
    Status.SUPERSEDED: N_("Superseded"),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SLACK_TARGET = re.compile(r"^([CGDUW][A-Z0-9]{6,}|#?[a-z0-9][a-z0-9._-]{0,79})$")
MAX_ERROR_LENGTH: Final = 2000


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "channel: '{value}' is not one of {choices}",
            field="channel",
            value=value,
            choices=", ".join(Channel),
        ) from None


def validate_target(channel: Channel, target: str) -> str:
    """The address a channel can use: an email address, an E.164 number, a URL, a Slack id."""
    value = target.strip()
    valid = {
        Channel.EMAIL: bool(_EMAIL.match(value)),
        Channel.SMS: bool(_E164.match(value)),
        Channel.VOICE: bool(_E164.match(value)),
        Channel.CHAT: bool(_SLACK_TARGET.match(value)),
        Channel.CHAT_WEBHOOK: value.startswith(("https://", "http://")),
        Channel.WEBHOOK: value.startswith(("https://", "http://")),
        Channel.INBOX: value.isdigit(),
    }[channel]
    if not valid:
        raise InvalidInput(
            "target: '{value}' is not a valid {channel} address",
            field="target",
            value=target,
            channel=channel,
        )
    return value


def short_error(message: str) -> str:
    return message if len(message) <= MAX_ERROR_LENGTH else message[: MAX_ERROR_LENGTH - 1] + "…"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `per_second` messages a second, with bursts of `burst`, per channel or per target."""

    per_second: float
    burst: int = 1
    per_target: bool = False


# Providers' documented limits: Slack ~1 post/s per channel, a Twilio long code 1 SMS/s and about
# 1 call/s; SMTP relays vary widely, so email gets a generous default that configuration can lower.
DEFAULT_RATE_LIMITS: Final[dict[Channel, RateLimit]] = {
    Channel.CHAT: RateLimit(per_second=1, burst=1, per_target=True),
    Channel.CHAT_WEBHOOK: RateLimit(per_second=1, burst=1, per_target=True),
    Channel.EMAIL: RateLimit(per_second=1000, burst=100),
    Channel.SMS: RateLimit(per_second=1, burst=1),
    Channel.VOICE: RateLimit(per_second=1, burst=1),
    Channel.WEBHOOK: RateLimit(per_second=10, burst=10, per_target=True),
}
_LIMIT = re.compile(
    r"^(?P<channel>[a-z_]+)=(?P<count>\d+(?:\.\d+)?)/(?P<unit>s|m|h)"
    r"(?::burst=(?P<burst>\d+))?(?P<per>:per-target)?$"
)
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600}


def parse_rate_limits(text: str) -> dict[Channel, RateLimit]:
    """`chat=1/s:per-target, email=50/s:burst=20, sms=30/m` over the defaults; names the bad part."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        match = _LIMIT.match(part.replace(" ", ""))
        channel = match and match["channel"]
        if match is None or channel not in {c.value for c in DEFAULT_RATE_LIMITS}:
            raise InvalidInput(
                "HIKESHI_RATE_LIMITS: '{value}' is not like 'email=50/s' or 'chat=1/s:per-target'",
                value=part,
            )
        per_second = float(match["count"]) / _UNIT_SECONDS[match["unit"]]
        if per_second <= 0:
            raise InvalidInput("HIKESHI_RATE_LIMITS: '{value}' must allow at least one message", value=part)
        limits[Channel(channel)] = RateLimit(
            per_second=per_second,
            burst=int(match["burst"] or 1),
            per_target=bool(match["per"]),
        )
    return limits


@dataclass(slots=True)
class TokenBucket:
    """The classic token bucket; `take` answers how long to wait before the next message may go."""

    per_second: float
    burst: int
    tokens: float
    updated: float

    @classmethod
    def full(cls, limit: RateLimit, now: float) -> TokenBucket:
        return cls(per_second=limit.per_second, burst=limit.burst, tokens=float(limit.burst), updated=now)

    def take(self, now: float) -> float:
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second

    def settle(self, now: float) -> None:
        """The call that took a token is over. If it took the last one, the next is counted from now:
        the provider counts arrivals, and an arrival can come any time until the call returns."""
        if self.tokens < 1:
            self.updated = max(self.updated, now)
