"""Pure layout of the calendar view: the final schedule cut into local days of the schedule's zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from hikeshi.core.i18n import N_
from hikeshi.oncall.rules import WEEKDAY_NAMES, Shift, resolve_local

WEEKDAY_LABELS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of one shift inside one day; `starts_before`/`ends_after`: it continues past the day."""

    start: datetime
    end: datetime
    user_ids: tuple[int, ...]
    source: str
    starts_before: bool
    ends_after: bool

    @property
    def is_gap(self) -> bool:
        return not self.user_ids


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    start: datetime
    end: datetime
    pieces: tuple[Piece, ...]

    @property
    def has_gap(self) -> bool:
        return any(piece.is_gap for piece in self.pieces)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """A local day as UTC instants: 23 or 25 hours long on the days the clocks change."""
    midnight = datetime.combine(day, datetime.min.time())
    return resolve_local(midnight, zone), resolve_local(midnight + timedelta(days=1), zone)


def layout(shifts: Sequence[Shift], *, zone: str, first_day: date, days: int) -> list[Day]:
    """`days` local days from `first_day`, each with the pieces of the shifts that fall in it."""
    grid = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start, end = day_bounds(day, zone)
        pieces = tuple(
            Piece(
                start=max(shift.start, start),
                end=min(shift.end, end),
                user_ids=shift.user_ids,
                source=shift.source,
                starts_before=shift.start < start,
                ends_after=shift.end > end,
            )
            for shift in shifts
            if shift.start < end and shift.end > start
        )
        grid.append(Day(day, start, end, pieces))
    return grid


def restriction_lines(restrictions: Sequence[Any]) -> list[str]:
    """Stored windows (weekday, start_time, end_time) as the lines a person types: "mon-fri 19:00-09:00"."""
    by_span: dict[tuple[str, str], list[int]] = {}
    for item in restrictions:
        by_span.setdefault((item.start_time, item.end_time), []).append(item.weekday)
    lines = []
    for (start, end), days in sorted(by_span.items(), key=lambda pair: (min(pair[1]), pair[0])):
        lines.append(f"{_day_ranges(sorted(set(days)))} {start}-{end}")
    return lines


def _day_ranges(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = WEEKDAY_NAMES
    return ",".join(names[run[0]] if len(run) == 1 else f"{names[run[0]]}-{names[run[-1]]}" for run in runs)
