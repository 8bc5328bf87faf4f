"""Pure rules of inquiries: channels, who may log what, the text, the burst and similarity policy. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from hikeshi.accounts.rules import Role
from hikeshi.core.errors import InvalidInput, PermissionDenied
from hikeshi.core.i18n import N_
from hikeshi.core.settings import Settings

MAX_BODY: Final = 10_000


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    INTERNAL = "internal"  # an employee reporting what they saw


CHANNEL_LABELS: Final = {
    Channel.PHONE: N_("Phone"),
    Channel.EMAIL: N_("Email"),
    Channel.CHAT: N_("Chat"),
    Channel.INTERNAL: N_("Internal report"),
}
# Support and sales log what customers tell them; anyone may file an internal report.
CUSTOMER_CHANNEL_ROLES: Final = frozenset({Role.ADMIN, Role.SUPPORT, Role.SALES})


@dataclass(frozen=True, slots=True)
class InquiryPolicy:
    """Burst detection and similar-inquiry search, from the settings (HIKESHI_INQUIRY_BURST_* …)."""

    burst_count: int = 5
    burst_minutes: int = 10
    similar_threshold: float = 0.3
    similar_days: int = 14

    @classmethod
    def from_settings(cls, settings: Settings) -> InquiryPolicy:
        return cls(
            burst_count=settings.inquiry_burst_count,
            burst_minutes=settings.inquiry_burst_minutes,
            similar_threshold=settings.similar_inquiry_threshold,
            similar_days=settings.similar_inquiry_days,
        )

    def burst_window_start(self, now: datetime) -> datetime:
        return now - timedelta(minutes=self.burst_minutes)

    def similar_since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.similar_days)


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


def check_may_log(role: str, channel: Channel) -> None:
    if channel is not Channel.INTERNAL and Role(role) not in CUSTOMER_CHANNEL_ROLES:
        raise PermissionDenied(
            "channel: your role ({role}) files internal reports; support and sales log customer inquiries",
            field="channel",
            role=role,
        )


def validate_body(value: str) -> str:
    body = value.strip()
    if not body:
        raise InvalidInput("body: must not be empty", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput("body: at most {limit} characters", field="body", limit=MAX_BODY)
    return body


def burst_dedup_key(product_slug: str, first_inquiry_id: int) -> str:
    """One alert per product and burst: the burst is named by its first inquiry."""
    return f"inquiries:burst:{product_slug}:{first_inquiry_id}"


def bug_dedup_key(inquiry_id: int) -> str:
    return f"inquiries:bug:{inquiry_id}"


def summary_text(body: str, limit: int = 120) -> str:
    """The first line of the text, cut to fit a chat message's title."""
    first = " ".join(body.split())
    return first if len(first) <= limit else first[: limit - 1] + "…"
