"""Standard five-field cron expressions and their next run in a time zone, the way Debian's cron runs them.

    minute hour day-of-month month day-of-week      e.g. "*/5 * * * *", "30 2 * * mon-fri"

Fields take `*`, numbers, `a-b` ranges, `,` lists and `/step` steps (`5/15` means `5-59/15`); months and
weekdays also take English names (`jan`, `mon`). Day of week 0 and 7 are Sunday. When both day fields are
restricted a day matching either runs (cron's historic rule); `@hourly`, `@daily`, `@weekly`, `@monthly`
and `@yearly` are accepted too.

Daylight saving time, as Debian's cron documents it, so a heartbeat expects a ping when cron sends one:
- a time the clocks skip (02:30 when they jump from 02:00 to 03:00) runs when they jump, for a schedule
  with a fixed minute and hour; a schedule with `*` in its minute or hour field simply skips it;
- a time the clocks pass twice (01:30 when they fall back) runs once, the first time, for a fixed
  schedule, and both times for one with `*` in its minute or hour field (every 5 minutes stays every 5).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hikeshi.core.errors import InvalidInput

MONTH_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
DAY_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
NO_NAMES: dict[str, int] = {}
# (name, lowest, highest, names) of the five fields, in order.
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, NO_NAMES),
    ("hour", 0, 23, NO_NAMES),
    ("day of month", 1, 31, NO_NAMES),
    ("month", 1, 12, MONTH_NAMES),
    ("day of week", 0, 7, DAY_NAMES),
)
# A leap day on a fixed month and day recurs within 8 years (2096 → 2104); look no further.
SEARCH_DAYS = 366 * 9
# No zone moves its clocks by more than this, so a wall time this far before another is earlier.
MAX_CLOCK_SHIFT = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 is Sunday
    days_restricted: bool  # the day-of-month field does not start with `*`
    weekdays_restricted: bool
    wildcard: bool  # `*` starts the minute or hour field: DST repeats and skips follow the wall clock

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays


def parse_cron(expression: str, *, field: str = "cron") -> CronSchedule:
    """A schedule, or InvalidInput naming `field` and the part of the expression that is wrong."""
    text = " ".join(expression.split()).lower()
    text = MACROS.get(text, text)
    parts = text.split(" ")
    if len(parts) != 5:
        raise InvalidInput(
            "{field}: '{value}' must have 5 fields (minute hour day-of-month month day-of-week)",
            field=field,
            value=expression,
        )
    values = [_parse_field(part, *spec, field=field) for part, spec in zip(parts, FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    schedule = CronSchedule(
        expression=text,
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(day % 7 for day in weekdays),
        days_restricted=not parts[2].startswith("*"),
        weekdays_restricted=not parts[4].startswith("*"),
        wildcard=parts[0].startswith("*") or parts[1].startswith("*"),
    )
    if not _ever_runs(schedule):
        raise InvalidInput("{field}: '{value}' names a day that never comes", field=field, value=expression)
    return schedule


def _parse_field(text: str, name: str, low: int, high: int, names: dict[str, int], *, field: str) -> set[int]:
    chosen: set[int] = set()
    for item in text.split(","):
        chosen.update(_parse_item(item, name, low, high, names, field=field))
    return chosen


def _parse_item(item: str, name: str, low: int, high: int, names: dict[str, int], *, field: str) -> range:
    span, slash, step_text = item.partition("/")
    step = _number(step_text, name, 1, high - low + 1, NO_NAMES, field=field) if slash else 1
    if span == "*":
        return range(low, high + 1, step)
    start_text, dash, end_text = span.partition("-")
    start = _number(start_text, name, low, high, names, field=field)
    # `5/15` is `5-59/15`: every 15 from 5, as most crons read it.
    end = _number(end_text, name, low, high, names, field=field) if dash else (high if slash else start)
    if end < start:
        raise InvalidInput(
            "{field}: the {part} range '{value}' runs backwards", field=field, part=name, value=item
        )
    return range(start, end + 1, step)


def _number(text: str, name: str, low: int, high: int, names: dict[str, int], *, field: str) -> int:
    value = names.get(text)
    if value is None and text.isdigit():
        value = int(text)
    if value is None or not low <= value <= high:
        raise InvalidInput(
            "{field}: '{value}' is not a valid {part} ({low}-{high})",
            field=field,
            value=text,
            part=name,
            low=low,
            high=high,
        )
    return value


def _ever_runs(schedule: CronSchedule) -> bool:
    if not schedule.days_restricted or schedule.weekdays_restricted:
        return True  # every month has every weekday and a 1st
    longest = {month: calendar.monthrange(2024, month)[1] for month in schedule.months}  # 2024: a leap year
    return any(day <= longest[month] for month in schedule.months for day in schedule.days)


def next_run(schedule: CronSchedule, *, after: datetime, zone: ZoneInfo) -> datetime:
    """The first moment strictly after `after` (aware) at which the schedule runs, in UTC."""
    start = after.astimezone(UTC)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    day = local_start.date() - timedelta(days=1)  # yesterday's late runs may fall after a fall-back
    for _ in range(SEARCH_DAYS):
        if schedule.runs_on(day):
            found = _first_on(
                schedule, day, start=start, skip_before=local_start - MAX_CLOCK_SHIFT, zone=zone
            )
            if found is not None:
                return found
        day += timedelta(days=1)
    raise InvalidInput(
        "cron: '{value}' has no run in the next 9 years", field="cron", value=schedule.expression
    )


def _first_on(
    schedule: CronSchedule, day: date, *, start: datetime, skip_before: datetime, zone: ZoneInfo
) -> datetime | None:
    best: datetime | None = None
    for hour in schedule.hours:
        if datetime(day.year, day.month, day.day, hour, 59) < skip_before:  # noqa: DTZ001 - a wall time
            continue
        for minute in schedule.minutes:
            wall = datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - a wall time
            if wall < skip_before:
                continue
            moments = _moments(wall, zone, wildcard=schedule.wildcard)
            later = [moment for moment in moments if moment > start]
            if later:
                best = min(later) if best is None else min(best, *later)
            # The first moments of wall times only grow; only a repeated hour's second pass is out of order.
            if moments and moments[0] > start:
                return best
    return best


def _moments(wall: datetime, zone: ZoneInfo, *, wildcard: bool) -> list[datetime]:
    """The UTC moments a local wall time happens at: none or one (a skipped time), one, or two."""
    first = wall.replace(tzinfo=zone).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) != wall:  # the clocks skip this time
        return [] if wildcard else [_clocks_jump(second, first, zone)]
    if first != second and wildcard:  # the clocks pass this time twice
        return [first, second]
    return [first]


def _clocks_jump(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The moment the clocks jump forward, between two UTC moments on either side of it (to the minute)."""
    offset = after.astimezone(zone).utcoffset()
    low, high = before, after
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle -= timedelta(seconds=middle.second, microseconds=middle.microsecond)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return high
