"""Who is on call, computed by the pure rules: handoffs across DST in three zones, month ends, leap days,
restrictions, layers, overrides and gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from hikeshi.core.errors import InvalidInput
from hikeshi.core.timezones import parse_moment
from hikeshi.oncall import grid
from hikeshi.oncall.rules import (
    ADD,
    GAP,
    LAYER,
    OVERRIDE,
    REPLACE,
    LayerSpec,
    OverrideSpec,
    RestrictionSpec,
    ScheduleSpec,
    final_schedule,
    gaps,
    on_call_at,
    parse_restriction_text,
    resolve_local,
    shift_hours_of,
    turn_start,
)

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


def at(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given as a wall time in `zone` (first occurrence when repeated)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def layer(
    zone: str,
    start: date,
    handoff: time,
    hours: int,
    members: tuple[int, ...] = (ALICE, BOB, CAROL),
    *,
    layer_id: int = 1,
    position: int = 1,
    restrictions: tuple[RestrictionSpec, ...] = (),
) -> LayerSpec:
    return LayerSpec(layer_id, position, zone, start, handoff, hours, members, restrictions)


def who(spec: ScheduleSpec | LayerSpec, moment: datetime) -> tuple[int, ...]:
    schedule = spec if isinstance(spec, ScheduleSpec) else ScheduleSpec((spec,))
    return on_call_at(schedule, moment).user_ids


def handoffs(spec: LayerSpec, start: datetime, end: datetime) -> list[datetime]:
    return [shift.start for shift in final_schedule(ScheduleSpec((spec,)), start, end)][1:]


def test_weekly_tokyo_rotation_hands_off_on_monday_at_ten() -> None:
    weekly = layer("Asia/Tokyo", date(2026, 11, 30), time(10, 0), 168)
    assert who(weekly, at("Asia/Tokyo", 2026, 11, 30, 9, 59)) == ()  # before the first turn
    assert who(weekly, at("Asia/Tokyo", 2026, 11, 30, 10, 0)) == (ALICE,)
    assert who(weekly, at("Asia/Tokyo", 2026, 12, 7, 9, 59)) == (ALICE,)
    assert who(weekly, at("Asia/Tokyo", 2026, 12, 7, 10, 0)) == (BOB,)
    assert who(weekly, at("Asia/Tokyo", 2026, 12, 21, 10, 0)) == (ALICE,)  # round again


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("America/Los_Angeles", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_daily_handoff_stays_at_nine_local_and_the_change_day_lasts_23_or_25_hours(
    zone: str, spring: date, autumn: date
) -> None:
    for change, length in ((spring, timedelta(hours=23)), (autumn, timedelta(hours=25))):
        daily = layer(zone, change - timedelta(days=3), time(9, 0), 24)
        window = (
            at(zone, *(change - timedelta(days=2)).timetuple()[:3]),
            at(zone, *(change + timedelta(days=2)).timetuple()[:3]),
        )
        shifts = final_schedule(ScheduleSpec((daily,)), *window)
        assert [shift.start.astimezone(ZoneInfo(zone)).time() for shift in shifts[1:]] == [time(9, 0)] * 4
        lengths = {
            shift.start.astimezone(ZoneInfo(zone)).date(): shift.end - shift.start for shift in shifts[1:]
        }
        assert lengths[change - timedelta(days=1)] == length  # the turn that spans the change
        assert lengths[change - timedelta(days=2)] == timedelta(hours=24)
        assert lengths[change] == timedelta(hours=24)


def test_los_angeles_spring_forward_in_utc() -> None:
    daily = layer("America/Los_Angeles", date(2026, 3, 1), time(9, 0), 24)
    assert turn_start(daily, 6) == datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # 09:00 PST
    assert turn_start(daily, 7) == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # 09:00 PDT
    assert who(daily, datetime(2026, 3, 8, 16, 30, tzinfo=UTC)) == (BOB,)  # turn 7: 7 % 3 = 1


def test_london_weekly_turn_across_the_autumn_change_is_one_hour_longer() -> None:
    weekly = layer("Europe/London", date(2026, 10, 19), time(9, 0), 168, (ALICE, BOB))
    start = turn_start(weekly, 0)
    end = turn_start(weekly, 1)
    assert start == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert end == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # 09:00 GMT
    assert end - start == timedelta(days=7, hours=1)
    assert who(weekly, datetime(2026, 10, 26, 8, 30, tzinfo=UTC)) == (ALICE,)  # 08:30 GMT: still Alice


def test_tokyo_has_no_dst_so_a_week_is_always_168_hours() -> None:
    weekly = layer("Asia/Tokyo", date(2026, 3, 2), time(10, 0), 168)
    starts = [turn_start(weekly, index) for index in range(40)]
    assert {later - earlier for earlier, later in pairwise(starts)} == {timedelta(hours=168)}


def test_handoff_inside_the_skipped_hour_happens_when_the_clocks_jump() -> None:
    nightly = layer("America/Los_Angeles", date(2026, 3, 6), time(2, 30), 24, (ALICE, BOB))
    assert turn_start(nightly, 2) == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)  # 03:00 PDT, the jump
    assert turn_start(nightly, 3) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)  # 02:30 PDT
    skipped = datetime(2026, 3, 29, 1, 30)  # noqa: DTZ001 - a London wall time the clocks skip
    assert resolve_local(skipped, "Europe/London") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_handoff_inside_the_repeated_hour_happens_at_its_first_occurrence() -> None:
    nightly = layer("America/Los_Angeles", date(2026, 10, 30), time(1, 30), 24, (ALICE, BOB))
    assert turn_start(nightly, 2) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT
    assert turn_start(nightly, 3) - turn_start(nightly, 2) == timedelta(hours=25)


def test_month_end_and_custom_lengths_carry_over() -> None:
    daily = layer("Asia/Tokyo", date(2026, 1, 30), time(9, 0), 24, (ALICE, BOB, CAROL))
    assert who(daily, at("Asia/Tokyo", 2026, 1, 31, 12, 0)) == (BOB,)
    assert who(daily, at("Asia/Tokyo", 2026, 2, 1, 8, 59)) == (BOB,)
    assert who(daily, at("Asia/Tokyo", 2026, 2, 1, 9, 0)) == (CAROL,)
    assert who(daily, at("Asia/Tokyo", 2026, 3, 1, 9, 0)) == (ALICE,)  # turn 30 (1 + 28 + 1 days later)
    two_days = layer("Asia/Tokyo", date(2026, 4, 29), time(18, 0), 48, (ALICE, BOB))
    assert handoffs(two_days, at("Asia/Tokyo", 2026, 4, 30), at("Asia/Tokyo", 2026, 5, 6)) == [
        at("Asia/Tokyo", 2026, 5, 1, 18, 0),
        at("Asia/Tokyo", 2026, 5, 3, 18, 0),
        at("Asia/Tokyo", 2026, 5, 5, 18, 0),
    ]


def test_leap_day_2028_is_a_day_of_its_own() -> None:
    daily = layer("Europe/London", date(2028, 2, 27), time(9, 0), 24, (ALICE, BOB, CAROL, DAVE))
    assert who(daily, at("Europe/London", 2028, 2, 28, 12, 0)) == (BOB,)
    assert who(daily, at("Europe/London", 2028, 2, 29, 12, 0)) == (CAROL,)
    assert who(daily, at("Europe/London", 2028, 3, 1, 12, 0)) == (DAVE,)
    # 29 Feb 2028 is a Tuesday: a Tuesday-only layer covers it.
    tuesdays = layer(
        "Europe/London",
        date(2028, 1, 1),
        time(0, 0),
        24,
        (BOB,),
        restrictions=(RestrictionSpec(1, time(0, 0), time(0, 0)),),
    )
    assert who(tuesdays, at("Europe/London", 2028, 2, 29, 23, 59)) == (BOB,)
    assert who(tuesdays, at("Europe/London", 2028, 3, 1, 0, 0)) == ()
    days = grid.layout(
        final_schedule(
            ScheduleSpec((daily,)), at("Europe/London", 2028, 2, 28), at("Europe/London", 2028, 3, 2)
        ),
        zone="Europe/London",
        first_day=date(2028, 2, 28),
        days=3,
    )
    assert [day.day for day in days] == [date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)]


def weekday_nights(members: tuple[int, ...] = (DAVE,)) -> LayerSpec:
    return layer(
        "Asia/Tokyo",
        date(2026, 11, 2),
        time(19, 0),
        24,
        members,
        layer_id=2,
        position=2,
        restrictions=tuple(parse_restriction_text("mon-fri 19:00-09:00")),
    )


@pytest.mark.parametrize(
    ("zone", "saturday", "length"),
    [
        ("America/Los_Angeles", date(2026, 3, 7), timedelta(hours=13)),  # spring forward overnight
        ("America/Los_Angeles", date(2026, 10, 31), timedelta(hours=15)),  # fall back overnight
        ("Europe/London", date(2026, 3, 28), timedelta(hours=13)),
        ("Europe/London", date(2026, 10, 24), timedelta(hours=15)),
        ("Asia/Tokyo", date(2026, 3, 28), timedelta(hours=14)),  # no DST: always 14 hours
    ],
)
def test_a_night_restriction_keeps_its_local_hours_across_the_clock_change(
    zone: str, saturday: date, length: timedelta
) -> None:
    nights = layer(
        zone,
        date(2026, 1, 1),
        time(0, 0),
        168,
        (ALICE,),
        restrictions=tuple(parse_restriction_text("sat 19:00-09:00")),
    )
    sat = (zone, saturday.year, saturday.month, saturday.day)
    sun = (zone, *(saturday + timedelta(days=1)).timetuple()[:3])
    shifts = final_schedule(ScheduleSpec((nights,)), at(*sat, 12), at(*sun, 12))
    [covered] = [shift for shift in shifts if not shift.is_gap]
    assert covered.start == at(*sat, 19)
    assert covered.end == at(*sun, 9)
    assert covered.end - covered.start == length
    assert who(nights, at(*sun, 8, 59)) == (ALICE,)
    assert who(nights, at(*sun, 9)) == ()
    assert len(gaps(shifts)) == 2  # Saturday afternoon and Sunday morning are flagged


def test_restricted_higher_layer_wins_only_inside_its_windows() -> None:
    primary = layer("Asia/Tokyo", date(2026, 11, 30), time(10, 0), 168)
    spec = ScheduleSpec((primary, weekday_nights()))
    assert who(spec, at("Asia/Tokyo", 2026, 12, 2, 12, 0)) == (ALICE,)  # Wednesday noon: primary
    assert who(spec, at("Asia/Tokyo", 2026, 12, 2, 22, 0)) == (DAVE,)  # Wednesday night: secondary
    assert who(spec, at("Asia/Tokyo", 2026, 12, 5, 8, 59)) == (DAVE,)  # Friday night runs into Saturday
    assert who(spec, at("Asia/Tokyo", 2026, 12, 5, 9, 0)) == (ALICE,)
    assert who(spec, at("Asia/Tokyo", 2026, 12, 5, 22, 0)) == (ALICE,)  # Saturday night: primary
    assert on_call_at(spec, at("Asia/Tokyo", 2026, 12, 2, 22, 0)).source_id == 2


def test_a_restricted_layer_alone_leaves_gaps_that_are_flagged() -> None:
    spec = ScheduleSpec((weekday_nights((ALICE, BOB)),))
    shifts = final_schedule(spec, at("Asia/Tokyo", 2026, 12, 7), at("Asia/Tokyo", 2026, 12, 9))
    # Monday 7 Dec: Sunday night is not covered, so the day starts with a gap until 19:00.
    assert [(s.start, s.end, s.user_ids) for s in shifts] == [
        (at("Asia/Tokyo", 2026, 12, 7), at("Asia/Tokyo", 2026, 12, 7, 19), ()),
        (at("Asia/Tokyo", 2026, 12, 7, 19), at("Asia/Tokyo", 2026, 12, 8, 9), (BOB,)),
        (at("Asia/Tokyo", 2026, 12, 8, 9), at("Asia/Tokyo", 2026, 12, 8, 19), ()),
        (at("Asia/Tokyo", 2026, 12, 8, 19), at("Asia/Tokyo", 2026, 12, 9), (ALICE,)),
    ]
    assert [gap.source for gap in gaps(shifts)] == [GAP, GAP]


def test_replace_override_takes_one_persons_place_for_its_window() -> None:
    primary = layer("Asia/Tokyo", date(2026, 11, 30), time(10, 0), 168)
    starts, ends = at("Asia/Tokyo", 2026, 12, 1, 18), at("Asia/Tokyo", 2026, 12, 2, 9)
    spec = ScheduleSpec((primary,), (OverrideSpec(7, REPLACE, CAROL, starts, ends, replaced_user_id=ALICE),))
    assert who(spec, starts - timedelta(minutes=1)) == (ALICE,)
    assert on_call_at(spec, starts) == on_call_at(spec, ends - timedelta(seconds=1))
    assert on_call_at(spec, starts).user_ids == (CAROL,)
    assert (on_call_at(spec, starts).source, on_call_at(spec, starts).source_id) == (OVERRIDE, 7)
    assert who(spec, ends) == (ALICE,)
    # Replacing someone who is not on call changes nothing.
    other = ScheduleSpec((primary,), (OverrideSpec(8, REPLACE, CAROL, starts, ends, replaced_user_id=BOB),))
    assert on_call_at(other, starts).source == LAYER


def test_add_override_puts_someone_alongside_and_fills_a_gap() -> None:
    primary = layer("Asia/Tokyo", date(2026, 11, 30), time(10, 0), 168)
    starts, ends = at("Asia/Tokyo", 2026, 12, 1, 0), at("Asia/Tokyo", 2026, 12, 3, 0)
    spec = ScheduleSpec((primary,), (OverrideSpec(1, ADD, DAVE, starts, ends),))
    assert who(spec, at("Asia/Tokyo", 2026, 12, 2)) == (ALICE, DAVE)
    before_start = ScheduleSpec(
        (primary,), (OverrideSpec(1, ADD, DAVE, at("Asia/Tokyo", 2026, 11, 29), ends),)
    )
    assert who(before_start, at("Asia/Tokyo", 2026, 11, 29, 12)) == (DAVE,)  # the rotation has not begun
    everyone = ScheduleSpec((primary,), (OverrideSpec(2, REPLACE, BOB, starts, ends),))
    assert who(everyone, at("Asia/Tokyo", 2026, 12, 2)) == (BOB,)


def test_final_schedule_names_its_sources_and_merges_nothing_across_them() -> None:
    primary = layer("Asia/Tokyo", date(2026, 11, 30), time(10, 0), 168, (ALICE,))
    starts, ends = at("Asia/Tokyo", 2026, 12, 2, 0), at("Asia/Tokyo", 2026, 12, 2, 6)
    spec = ScheduleSpec((primary,), (OverrideSpec(3, REPLACE, BOB, starts, ends),))
    shifts = final_schedule(spec, at("Asia/Tokyo", 2026, 12, 1), at("Asia/Tokyo", 2026, 12, 10))
    # A one-person rotation's turns run together into one shift.
    assert [(s.user_ids, s.source) for s in shifts] == [
        ((ALICE,), LAYER),
        ((BOB,), OVERRIDE),
        ((ALICE,), LAYER),
    ]
    assert shifts[-1].end == at("Asia/Tokyo", 2026, 12, 10)


def test_inputs_are_checked_with_the_field_named() -> None:
    with pytest.raises(InvalidInput, match="restrictions"):
        parse_restriction_text("weekdays 19:00")
    with pytest.raises(InvalidInput, match="restrictions"):
        parse_restriction_text("mon-fri 25:00-09:00")
    with pytest.raises(InvalidInput, match="shift_hours"):
        shift_hours_of("custom", 0)
    with pytest.raises(InvalidInput, match="kind"):
        shift_hours_of("monthly", None)
    with pytest.raises(InvalidInput, match="does not exist in America/Los_Angeles"):
        parse_moment("2026-03-08T02:30", zone="America/Los_Angeles", field="at")
    assert [window.weekday for window in parse_restriction_text("sat,sun 00:00-00:00")] == [5, 6]
    assert [window.weekday for window in parse_restriction_text("fri-mon 22:00-06:00")] == [0, 4, 5, 6]
    assert shift_hours_of("weekly", None) == 168
    assert parse_moment("2026-12-01T09:00", zone="Asia/Tokyo", field="at") == datetime(
        2026, 12, 1, 0, tzinfo=UTC
    )


def test_restriction_lines_read_back_as_typed() -> None:
    class Row:
        def __init__(self, weekday: int, start: str, end: str) -> None:
            self.weekday, self.start_time, self.end_time = weekday, start, end

    rows = [Row(day, "19:00", "09:00") for day in range(5)] + [
        Row(5, "00:00", "00:00"),
        Row(6, "00:00", "00:00"),
    ]
    assert grid.restriction_lines(rows) == ["mon-fri 19:00-09:00", "sat-sun 00:00-00:00"]
