"""The call list's rules (pure, no I/O): whom to phone first, and who phones them.

Order: stores open now first (in each store's own time zone, by the configured opening hours, which
may run past midnight), then the stores that open soonest, then those whose diners book on the web,
then those using more of the affected products, then by name. A store with a sales representative is
theirs to call; the rest are shared round robin among the support team, so that nobody has more than
one call more than anyone else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from hikeshi.comms.rules import CallOutcome
from hikeshi.core.errors import InvalidInput
from hikeshi.core.i18n import N_

MINUTES_PER_DAY: Final = 24 * 60
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

OUTCOME_LABELS: Final[dict[CallOutcome, str]] = {
    CallOutcome.REACHED: N_("Reached"),
    CallOutcome.VOICEMAIL: N_("Voicemail"),
    CallOutcome.NO_ANSWER: N_("No answer"),
    CallOutcome.WRONG_NUMBER: N_("Wrong number"),
}
MAX_NOTES: Final = 2000
# `state` filters of the list besides one outcome.
TO_CALL: Final = "to_call"
CALLED: Final = "called"


@dataclass(frozen=True, slots=True)
class OpenHours:
    """Daily opening hours as minutes after local midnight; `closes` < `opens` runs past midnight."""

    opens: int
    closes: int

    def is_open_at(self, minute_of_day: int) -> bool:
        if self.opens == self.closes:
            return True  # "00:00-00:00", "11:00-11:00": open around the clock
        if self.opens < self.closes:
            return self.opens <= minute_of_day < self.closes
        return minute_of_day >= self.opens or minute_of_day < self.closes


@dataclass(frozen=True, slots=True)
class StoreToCall:
    """What the order needs to know of one affected store."""

    store_id: int
    name: str
    timezone: str
    sales_rep_user_id: int | None
    uses_web_booking: bool  # web booking is among the notice's products and this store uses it
    affected_products: int  # how many of the notice's products the store uses


def parse_open_hours(text: str, *, field: str = "store_open_hours") -> OpenHours:
    """`HH:MM-HH:MM` (24-hour clock; `24:00` may end a day); a later start than end runs past midnight."""
    match = _HOURS.match(text)
    if match is None:
        raise InvalidInput("{field}: '{value}' is not HH:MM-HH:MM, e.g. 11:00-23:00", field=field, value=text)
    opens_h, opens_m, closes_h, closes_m = (int(part) for part in match.groups())
    opens = _minutes(opens_h, opens_m, allow_end=False)
    closes = _minutes(closes_h, closes_m, allow_end=True)
    if opens is None or closes is None:
        raise InvalidInput("{field}: '{value}' is not HH:MM-HH:MM, e.g. 11:00-23:00", field=field, value=text)
    return OpenHours(opens=opens, closes=closes % MINUTES_PER_DAY)


def _minutes(hour: int, minute: int, *, allow_end: bool) -> int | None:
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not allow_end)):
        return None
    return hour * 60 + minute


def local_time(moment: datetime, zone: str) -> datetime:
    """The wall-clock time in a store's zone (UTC when the zone is unknown, rather than fail a list)."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    return moment.astimezone(tz)


def is_open(hours: OpenHours, *, now: datetime, zone: str) -> bool:
    local = local_time(now, zone)
    return hours.is_open_at(local.hour * 60 + local.minute)


def minutes_until_open(hours: OpenHours, *, now: datetime, zone: str) -> int:
    """0 when open now; otherwise whole minutes until the next opening, across clock changes."""
    if is_open(hours, now=now, zone=zone):
        return 0
    local = local_time(now, zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for days in (0, 1):
        wall = midnight.replace(tzinfo=None) + timedelta(days=days, minutes=hours.opens)
        # Subtract in UTC: between two times of one zone Python subtracts wall clocks, ignoring DST.
        opening = wall.replace(tzinfo=local.tzinfo).astimezone(UTC)
        if opening > now.astimezone(UTC):
            return int((opening - now.astimezone(UTC)).total_seconds() // 60)
    return MINUTES_PER_DAY  # not reached: an opening time recurs every day


def priority_key(
    store: StoreToCall, *, now: datetime, hours: OpenHours
) -> tuple[int, int, int, int, str, int]:
    """Smaller first: open now, opening soonest, web booking, more affected products, name, id."""
    until_open = minutes_until_open(hours, now=now, zone=store.timezone)
    return (
        0 if until_open == 0 else 1,
        until_open,
        0 if store.uses_web_booking else 1,
        -store.affected_products,
        store.name,
        store.store_id,
    )


def call_order(stores: Sequence[StoreToCall], *, now: datetime, hours: OpenHours) -> list[StoreToCall]:
    return sorted(stores, key=lambda store: priority_key(store, now=now, hours=hours))


def assign_callers(
    ordered: Sequence[StoreToCall],
    *,
    support_ids: Sequence[int],
    active_ids: frozenset[int] | set[int],
    loads: Mapping[int, int] | None = None,
) -> list[int | None]:
    """The caller of each store, in order: its active sales representative, or the least busy support
    person (fewest calls already on this list; ties by id), or None when there is no support person."""
    counts = {user_id: (loads or {}).get(user_id, 0) for user_id in sorted(set(support_ids))}
    assigned: list[int | None] = []
    for store in ordered:
        rep = store.sales_rep_user_id
        if rep is not None and rep in active_ids:
            assigned.append(rep)
            continue
        if not counts:
            assigned.append(None)
            continue
        caller = min(counts, key=lambda user_id: (counts[user_id], user_id))
        counts[caller] += 1
        assigned.append(caller)
    return assigned


def parse_outcome(value: str, *, field: str = "outcome") -> CallOutcome:
    try:
        return CallOutcome(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not one of {choices}",
            field=field,
            value=value,
            choices=", ".join(CallOutcome),
        ) from None


def parse_state(value: str | None) -> str | None:
    """A list filter: to_call, called, or one outcome; empty means every call."""
    if value is None or not value.strip():
        return None
    state = value.strip().lower()
    if state in (TO_CALL, CALLED):
        return state
    if state in set(CallOutcome):
        return state
    raise InvalidInput(
        "{field}: '{value}' is not one of {choices}",
        field="state",
        value=value,
        choices=", ".join((TO_CALL, CALLED, *CallOutcome)),
    )


def validate_notes(value: str, *, field: str = "notes") -> str:
    text = value.strip()
    if len(text) > MAX_NOTES:
        raise InvalidInput("{field}: at most {limit} characters", field=field, limit=MAX_NOTES)
    return text
