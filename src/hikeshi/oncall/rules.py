"""Pure rules of on-call schedules: turns of a rotation, restrictions, layers and overrides → who is on call.

No I/O: the inputs are plain frozen dataclasses, times are aware datetimes. Wall-clock fields are read in the
layer's IANA zone, and turns advance in wall-clock time, so a 09:00 handoff stays 09:00 local and a day-long
turn across spring-forward lasts 23 hours. A local time the clocks skip resolves to the moment they jump;
a local time they repeat resolves to its first occurrence, so turn starts never go backwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hikeshi.core.errors import InvalidInput

GAP = "gap"
LAYER = "layer"
OVERRIDE = "override"
REPLACE = "replace"
ADD = "add"
ROTATION_KINDS = {"daily": 24, "weekly": 168}
MAX_SHIFT_HOURS = 24 * 366


@dataclass(frozen=True, slots=True)
class RestrictionSpec:
    """Active from `weekday` `start` until `end` (the next day when `end` <= `start`; equal: 24 hours)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class LayerSpec:
    id: int
    position: int
    timezone: str
    start_date: date
    handoff: time
    shift_hours: int
    member_ids: tuple[int, ...]
    restrictions: tuple[RestrictionSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class OverrideSpec:
    id: int
    kind: str
    user_id: int
    starts_at: datetime
    ends_at: datetime
    replaced_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    layers: tuple[LayerSpec, ...]
    overrides: tuple[OverrideSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call at one instant, and what put them there (a layer, an override, or nothing: a gap)."""

    user_ids: tuple[int, ...]
    source: str
    source_id: int | None


@dataclass(frozen=True, slots=True)
class Shift:
    """One stretch of the final schedule: [start, end) with the same people from the same source."""

    start: datetime
    end: datetime
    user_ids: tuple[int, ...]
    source: str
    source_id: int | None

    @property
    def is_gap(self) -> bool:
        return not self.user_ids


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def resolve_local(wall: datetime, zone: str) -> datetime:
    """The UTC instant of a naive wall time in `zone` (skipped: when the clocks jump; repeated: first)."""
    tz = _zone(zone)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a spring-forward gap: fold=1 lies before the jump, fold=0 after it; find the jump to the second.
    low, high = wall.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high


def local_wall(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(_zone(zone)).replace(tzinfo=None)


def parse_clock(text: str, *, field: str) -> time:
    """ "HH:MM" (24-hour) → time; anything else is InvalidInput naming the field."""
    value = text.strip()
    try:
        hours, minutes = value.split(":")
        parsed = time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(
            "{field}: '{value}' is not a time such as 09:00", field=field, value=value
        ) from None
    return parsed


def format_clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


# --- one layer ---------------------------------------------------------------------------------------


def _anchor(layer: LayerSpec) -> datetime:
    return datetime.combine(layer.start_date, layer.handoff)


def turn_start(layer: LayerSpec, index: int) -> datetime:
    """When turn `index` (0: the first, on the start date at the handoff time) begins, in UTC."""
    return resolve_local(_anchor(layer) + timedelta(hours=layer.shift_hours * index), layer.timezone)


def turn_index_at(layer: LayerSpec, moment: datetime) -> int | None:
    """The turn under way at `moment` (the last one begun), or None before the rotation starts."""
    step = timedelta(hours=layer.shift_hours)
    index = (local_wall(moment, layer.timezone) - _anchor(layer)) // step
    while index >= 0 and turn_start(layer, index) > moment:
        index -= 1
    if index < 0:
        return None
    while turn_start(layer, index + 1) <= moment:
        index += 1
    return index


def member_of_turn(layer: LayerSpec, index: int) -> int | None:
    if not layer.member_ids:
        return None
    return layer.member_ids[index % len(layer.member_ids)]


def _restriction_windows(
    restrictions: Sequence[RestrictionSpec], zone: str, first_day: date, last_day: date
) -> Iterable[tuple[datetime, datetime]]:
    day = first_day
    while day <= last_day:
        for restriction in restrictions:
            if restriction.weekday == day.weekday():
                end_day = day if restriction.end > restriction.start else day + timedelta(days=1)
                yield (
                    resolve_local(datetime.combine(day, restriction.start), zone),
                    resolve_local(datetime.combine(end_day, restriction.end), zone),
                )
        day += timedelta(days=1)


def is_active(layer: LayerSpec, moment: datetime) -> bool:
    """Whether the layer's restrictions let it cover `moment` (no restrictions: always)."""
    if not layer.restrictions:
        return True
    today = local_wall(moment, layer.timezone).date()
    windows = _restriction_windows(layer.restrictions, layer.timezone, today - timedelta(days=1), today)
    return any(start <= moment < end for start, end in windows)


def layer_member_at(layer: LayerSpec, moment: datetime) -> int | None:
    index = turn_index_at(layer, moment)
    if index is None or not is_active(layer, moment):
        return None
    return member_of_turn(layer, index)


def layer_boundaries(layer: LayerSpec, start: datetime, end: datetime) -> set[datetime]:
    """Every instant in (start, end) where this layer's answer may change."""
    found: set[datetime] = set()
    index = turn_index_at(layer, start)
    index = 0 if index is None else index + 1
    while (moment := turn_start(layer, index)) < end:
        found.add(moment)
        index += 1
    if layer.restrictions:
        first_day = local_wall(start, layer.timezone).date() - timedelta(days=1)
        last_day = local_wall(end, layer.timezone).date()
        for window in _restriction_windows(layer.restrictions, layer.timezone, first_day, last_day):
            found.update(window)
    return {moment for moment in found if start < moment < end}


# --- the whole schedule ------------------------------------------------------------------------------


def _apply_override(users: list[int], override: OverrideSpec) -> list[int] | None:
    """The people after one override, or None when it changes nothing (its person to replace is off)."""
    if override.kind == ADD:
        return users if override.user_id in users else [*users, override.user_id]
    if override.replaced_user_id is None:
        return [override.user_id]
    if override.replaced_user_id not in users:
        return None
    replaced = [override.user_id if user == override.replaced_user_id else user for user in users]
    return list(dict.fromkeys(replaced))


def on_call_at(spec: ScheduleSpec, moment: datetime) -> OnCall:
    """Who is on call at `moment`: the highest layer with someone, then the overrides in creation order."""
    users: list[int] = []
    source, source_id = GAP, None
    for layer in sorted(spec.layers, key=lambda item: (-item.position, item.id)):
        member = layer_member_at(layer, moment)
        if member is not None:
            users, source, source_id = [member], LAYER, layer.id
            break
    for override in sorted(spec.overrides, key=lambda item: item.id):
        if override.starts_at <= moment < override.ends_at:
            changed = _apply_override(users, override)
            if changed is not None:
                users, source, source_id = changed, OVERRIDE, override.id
    if not users:
        return OnCall((), GAP, None)
    return OnCall(tuple(users), source, source_id)


def final_schedule(spec: ScheduleSpec, start: datetime, end: datetime) -> list[Shift]:
    """The final schedule over [start, end): consecutive shifts tiling the window, gaps included."""
    if end <= start:
        return []
    boundaries: set[datetime] = {start, end}
    for layer in spec.layers:
        boundaries |= layer_boundaries(layer, start, end)
    for override in spec.overrides:
        boundaries |= {moment for moment in (override.starts_at, override.ends_at) if start < moment < end}
    ordered = sorted(boundaries)
    shifts: list[Shift] = []
    for left, right in pairwise(ordered):
        here = on_call_at(spec, left)
        previous = shifts[-1] if shifts else None
        if previous and (previous.user_ids, previous.source, previous.source_id) == (
            here.user_ids,
            here.source,
            here.source_id,
        ):
            shifts[-1] = Shift(previous.start, right, here.user_ids, here.source, here.source_id)
        else:
            shifts.append(Shift(left, right, here.user_ids, here.source, here.source_id))
    return shifts


def gaps(shifts: Sequence[Shift]) -> list[Shift]:
    return [shift for shift in shifts if shift.is_gap]


def shifts_of_user(shifts: Sequence[Shift], user_id: int) -> list[Shift]:
    return [shift for shift in shifts if user_id in shift.user_ids]


def layer_turns(layer: LayerSpec, start: datetime, end: datetime) -> list[Shift]:
    """The layer's own turns over [start, end), restrictions ignored (for showing a rotation)."""
    index = turn_index_at(layer, start)
    index = 0 if index is None else index
    turns: list[Shift] = []
    while (begins := turn_start(layer, index)) < end:
        ends = turn_start(layer, index + 1)
        member = member_of_turn(layer, index)
        if ends > begins and ends > start:
            people = () if member is None else (member,)
            turns.append(Shift(max(begins, start), min(ends, end), people, LAYER, layer.id))
        index += 1
    return turns


# --- input -------------------------------------------------------------------------------------------

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(text: str, *, field: str = "restrictions") -> list[int]:
    """ "mon", "mon-fri", "sat,sun" or "0"…"6" → weekday numbers (Monday 0)."""
    days: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        try:
            low = _weekday(first)
            high = _weekday(last) if last else low
        except ValueError:
            raise InvalidInput(
                "{field}: '{value}' is not a weekday such as mon or mon-fri", field=field, value=part
            ) from None
        day = low
        while True:
            days.append(day)
            if day == high:
                break
            day = (day + 1) % 7
    return sorted(set(days))


def _weekday(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    return WEEKDAY_NAMES.index(text[:3]) if len(text) >= 3 else WEEKDAY_NAMES.index(text)


def parse_restriction_text(text: str, *, field: str = "restrictions") -> list[RestrictionSpec]:
    """ "mon-fri 19:00-09:00" → one window per weekday (the end on the next day when it is not later)."""
    days, _, span = text.strip().partition(" ")
    start, separator, end = span.strip().partition("-")
    if not separator:
        raise InvalidInput(
            "{field}: '{value}' is not a window such as mon-fri 19:00-09:00", field=field, value=text
        )
    begins, ends = parse_clock(start, field=field), parse_clock(end, field=field)
    return [RestrictionSpec(day, begins, ends) for day in parse_weekdays(days, field=field)]


def shift_hours_of(kind: str, shift_hours: int | None) -> int:
    """daily: 24, weekly: 168, custom: the given whole number of hours (at least 1)."""
    if kind in ROTATION_KINDS:
        return ROTATION_KINDS[kind]
    if kind != "custom":
        raise InvalidInput("kind: '{value}' is not daily, weekly or custom", field="kind", value=kind)
    if shift_hours is None or not 1 <= shift_hours <= MAX_SHIFT_HOURS:
        raise InvalidInput(
            "shift_hours: a custom rotation needs 1 to {limit} hours",
            field="shift_hours",
            limit=MAX_SHIFT_HOURS,
        )
    return shift_hours
