"""Pure rules of heartbeats: states, schedules, when the next ping is due. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from hikeshi.alerts.cron import next_run, parse_cron
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_
from hikeshi.core.timezones import validate_timezone

MIN_SECONDS: Final = 60
MAX_SECONDS: Final = 366 * 86400
DEFAULT_GRACE_SECONDS: Final = 300
# Kept of each ping's body: enough for a job's summary or the tail of its log.
MAX_BODY_BYTES: Final = 100 * 1024


class HeartbeatState(StrEnum):
    NEW = "new"  # never pinged: nothing is expected yet, so nothing alerts
    UP = "up"
    LATE = "late"  # shown only: past due, still within the grace time
    DOWN = "down"  # missed its ping: an alert is open
    FAILING = "failing"  # the job reported a failure: an alert is open
    PAUSED = "paused"  # pings are recorded, nothing alerts


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"


STATE_LABELS: Final = {
    HeartbeatState.NEW: N_("New"),
    HeartbeatState.UP: N_("Up"),
    HeartbeatState.LATE: N_("Late"),
    HeartbeatState.DOWN: N_("Down"),
    HeartbeatState.FAILING: N_("Failing"),
    HeartbeatState.PAUSED: N_("Paused"),
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every `period_seconds`, or on a cron expression read in `timezone`; exactly one of the two."""

    period_seconds: int | None
    cron: str | None
    timezone: str | None
    grace_seconds: int

    def next_due(self, after: datetime) -> datetime:
        """When the ping after one at `after` is expected (aware UTC)."""
        if self.cron is not None:
            return next_run(parse_cron(self.cron), after=after, zone=ZoneInfo(self.timezone or "UTC"))
        assert self.period_seconds is not None
        return after + timedelta(seconds=self.period_seconds)


def parse_schedule(
    *,
    period_seconds: int | None,
    grace_seconds: int | None,
    cron: str | None,
    timezone: str | None,
    default_timezone: str,
) -> Schedule:
    """A valid schedule, or InvalidInput naming the field that is wrong."""
    cron_text = (cron or "").strip() or None
    if (period_seconds is None) == (cron_text is None):
        raise InvalidInput("period: give either a period or a cron expression, not both", field="period")
    grace = DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds
    _check_seconds(grace, field="grace")
    if cron_text is not None:
        expression = parse_cron(cron_text, field="cron").expression
        zone = validate_timezone((timezone or "").strip() or default_timezone, field="timezone")
        return Schedule(period_seconds=None, cron=expression, timezone=zone, grace_seconds=grace)
    assert period_seconds is not None
    _check_seconds(period_seconds, field="period")
    return Schedule(period_seconds=period_seconds, cron=None, timezone=None, grace_seconds=grace)


def _check_seconds(seconds: int, *, field: str) -> None:
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise InvalidInput("{field}: must be between 1 minute and 366 days", field=field)


def shown_state(state: str, *, next_due_at: datetime | None, now: datetime) -> HeartbeatState:
    """The stored state, except that an up heartbeat past its due time shows as late."""
    current = HeartbeatState(state)
    if current is HeartbeatState.UP and next_due_at is not None and now > next_due_at:
        return HeartbeatState.LATE
    return current


def missed(*, state: str, next_due_at: datetime | None, grace_seconds: int, now: datetime) -> bool:
    """An up heartbeat whose due time plus grace has passed with no ping."""
    if state != HeartbeatState.UP or next_due_at is None:
        return False
    return now >= next_due_at + timedelta(seconds=grace_seconds)


def body_excerpt(body: bytes) -> str:
    """The first 100 KB of a ping's body as text; bytes that are not UTF-8 become U+FFFD, and so do NULs
    (PostgreSQL's text holds no NUL, and a job's log may have any bytes)."""
    return body[:MAX_BODY_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
