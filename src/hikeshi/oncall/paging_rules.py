"""Pure rules of paging: urgencies and statuses, walking the steps, signed acknowledgement links, nights,
percentiles and the Slack command's words. No I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.settings import Settings
from hikeshi.core.timezones import DEFAULT_TIMEZONE


class Urgency(StrEnum):
    HIGH = "high"
    LOW = "low"


class PageStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"  # every step ran, repeats included, and no one acknowledged


class TargetType(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"


URGENCY_LABELS: Final[dict[str, str]] = {Urgency.HIGH: N_("High urgency"), Urgency.LOW: N_("Low urgency")}
STATUS_LABELS: Final[dict[str, str]] = {
    PageStatus.TRIGGERED: N_("Triggered"),
    PageStatus.ACKNOWLEDGED: N_("Acknowledged"),
    PageStatus.RESOLVED: N_("Resolved"),
    PageStatus.EXHAUSTED: N_("Exhausted"),
}
EVENT_LABELS: Final[dict[str, str]] = {
    "started": N_("Page started"),
    "step": N_("Step {step} started"),
    "notified": N_("Notified"),
    "suppressed": N_("Held back by the rate limit"),
    "unreachable": N_("No way to reach this person"),
    "no_one": N_("No one to notify in this step"),
    "repeated": N_("Steps start again"),
    "acknowledged": N_("Acknowledged"),
    "resolved": N_("Resolved"),
    "exhausted": N_("No one acknowledged: the page stopped"),
}
OPEN_STATUSES: Final = (PageStatus.TRIGGERED.value,)
CHANNEL_LABELS: Final[dict[str, str]] = {
    "chat": N_("Slack"),
    "email": N_("Email"),
    "sms": N_("SMS"),
    "voice": N_("Voice call"),
}


def timeline_labels() -> dict[str, dict[str, str]]:
    """What the template `oncall/page_timeline.html` needs, for any page that includes it."""
    return {
        "page_event_labels": EVENT_LABELS,
        "page_channel_labels": CHANNEL_LABELS,
        "page_status_labels": STATUS_LABELS,
    }


# Job kinds: paging's timers, and the outbox messages that tell the page's source (an alert group).
PAGE_ADVANCE_JOB: Final = "oncall.page_advance"
PAGE_NOTIFY_JOB: Final = "oncall.page_notify"
PAGE_ACKNOWLEDGED_JOB: Final = "oncall.page_acknowledged"
PAGE_RESOLVED_JOB: Final = "oncall.page_resolved"
SLACK_PAGE_JOB: Final = "oncall.slack_page"
# The Slack button on a paged person's direct message.
ACK_PAGE_ACTION: Final = "page_acknowledge"

MAX_STEPS: Final = 20
MAX_TARGETS: Final = 20
MAX_DELAY_MINUTES: Final = 24 * 60
MAX_REPEAT: Final = 9
MAX_RULE_DELAY_MINUTES: Final = 120
ACK_LINK_LIFETIME: Final = timedelta(hours=24)
NIGHT_STARTS: Final = time(22, 0)
NIGHT_ENDS: Final = time(7, 0)


@dataclass(frozen=True, slots=True)
class PagingContext:
    """What paging needs besides the database: links, the link-signing key, the flood limit."""

    base_url: str
    ack_key: str
    rate_limit: int = 10
    rate_window: timedelta = timedelta(minutes=10)

    def link(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"


def paging_context(settings: Settings) -> PagingContext:
    return PagingContext(
        base_url=settings.public_url(""),
        ack_key=ack_key(settings.secret_key),
        rate_limit=settings.paging_rate_limit,
        rate_window=timedelta(minutes=settings.paging_rate_window_minutes),
    )


def parse_urgency(value: str) -> Urgency:
    try:
        return Urgency(value.strip().lower())
    except ValueError:
        raise InvalidInput("urgency: '{value}' is not high or low", field="urgency", value=value) from None


def urgency_for_severity(severity: str) -> Urgency:
    """Critical and error alerts wake people; warnings and info wait for the low-urgency rules."""
    return Urgency.HIGH if severity in ("critical", "error") else Urgency.LOW


@dataclass(frozen=True, slots=True)
class StepInput:
    delay_minutes: int
    targets: tuple[tuple[TargetType, int], ...]


def check_steps(steps: list[StepInput], *, repeat_count: int) -> None:
    if not steps:
        raise InvalidInput("steps: a policy needs at least one step", field="steps")
    if len(steps) > MAX_STEPS:
        raise InvalidInput("steps: at most {limit} steps", field="steps", limit=MAX_STEPS)
    if not 0 <= repeat_count <= MAX_REPEAT:
        raise InvalidInput(
            "repeat_count: must be between 0 and {limit}", field="repeat_count", limit=MAX_REPEAT
        )
    for number, step in enumerate(steps, start=1):
        if not 1 <= step.delay_minutes <= MAX_DELAY_MINUTES:
            raise InvalidInput(
                "steps: step {number} waits {value} minutes; use 1 to {limit}",
                field="steps",
                number=number,
                value=step.delay_minutes,
                limit=MAX_DELAY_MINUTES,
            )
        if not step.targets:
            raise InvalidInput("steps: step {number} has no one to notify", field="steps", number=number)
        if len(step.targets) > MAX_TARGETS:
            raise InvalidInput(
                "steps: step {number} has more than {limit} targets",
                field="steps",
                number=number,
                limit=MAX_TARGETS,
            )


def parse_target(value: str) -> tuple[TargetType, str]:
    """`user:sato@example.jp`, `user:12`, `schedule:3` or `schedule:primary`; a bare value is a user."""
    kind, sep, rest = value.strip().partition(":")
    if not sep:
        return TargetType.USER, kind
    try:
        return TargetType(kind.strip().lower()), rest.strip()
    except ValueError:
        raise InvalidInput(
            "targets: '{value}' is not user:… or schedule:…", field="targets", value=value
        ) from None


def next_position(
    *, step_index: int, round: int, step_count: int, repeat_count: int
) -> tuple[int, int] | None:
    """Where a page goes after `step_index` of `round`: the next step, step one again, or None (exhausted)."""
    if step_index + 1 < step_count:
        return step_index + 1, round
    if round < repeat_count:
        return 0, round + 1
    return None


# Signed one-click acknowledgement: the link in an SMS, email or call carries page, person and expiry,
# signed with a key derived from the secret key, so it works without signing in and cannot be forged.
def sign_ack(*, key: str, page_id: int, user_id: int, expires_at: datetime) -> str:
    claim = f"{page_id}.{user_id}.{int(expires_at.timestamp())}"
    encoded = base64.urlsafe_b64encode(claim.encode()).decode().rstrip("=")
    return f"{encoded}.{_mac(key, claim)}"


@dataclass(frozen=True, slots=True)
class AckClaim:
    page_id: int
    user_id: int
    expires_at: datetime


def read_ack(*, key: str, token: str, now: datetime) -> AckClaim:
    """The page and person a link speaks for; InvalidInput when it was altered or has expired."""
    encoded, _, mac = token.strip().partition(".")
    try:
        claim = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        page, user, expires = (int(part) for part in claim.split("."))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("This acknowledgement link is not valid.", field="token") from None
    if not hmac.compare_digest(mac, _mac(key, claim)):
        raise InvalidInput("This acknowledgement link is not valid.", field="token")
    expires_at = datetime.fromtimestamp(expires, tz=now.tzinfo)
    if now >= expires_at:
        raise InvalidInput("This acknowledgement link has expired; open the page in hikeshi.", field="token")
    return AckClaim(page_id=page, user_id=user, expires_at=expires_at)


def _mac(key: str, claim: str) -> str:
    return hmac.new(key.encode(), b"page-ack:" + claim.encode(), hashlib.sha256).hexdigest()[:32]


def ack_key(secret_key: str) -> str:
    """The acknowledgement links' own key, derived from the secret key for this one purpose."""
    return hmac.new(secret_key.encode(), b"page-acknowledgement-links", hashlib.sha256).hexdigest()


def at_night(moment: datetime, zone: str | None) -> bool:
    """22:00 to 07:00 on the person's own clock."""
    try:
        local = moment.astimezone(ZoneInfo(zone or DEFAULT_TIMEZONE)).time()
    except (KeyError, ValueError):
        local = moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p50 of 1,2,3,4 is 2); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class SlashCommand:
    action: str  # page, oncall, help
    target: str = ""
    message: str = ""


def parse_slash_command(text: str) -> SlashCommand:
    """`page <product or team> <message>`, `oncall`, anything else asks for help."""
    words = text.strip().split(maxsplit=2)
    if not words:
        return SlashCommand("help")
    verb = words[0].lower()
    if verb == "oncall":
        return SlashCommand("oncall")
    if verb == "page" and len(words) >= 2:
        return SlashCommand("page", target=words[1].lower(), message=words[2] if len(words) > 2 else "")
    return SlashCommand("help")
