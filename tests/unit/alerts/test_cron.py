"""Cron expressions: parsing, and the next run in a time zone across month ends, leap days and DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hikeshi.alerts.cron import next_run, parse_cron
from hikeshi.core.errors import InvalidInput

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def runs(expression: str, after: str, zone: ZoneInfo, count: int = 4) -> list[str]:
    """The next `count` runs after a local wall time, as local ISO times with their offsets."""
    schedule = parse_cron(expression)
    moment = datetime.fromisoformat(after).replace(tzinfo=zone)
    found = []
    for _ in range(count):
        moment = next_run(schedule, after=moment, zone=zone)
        assert moment.tzinfo is UTC
        found.append(moment.astimezone(zone).isoformat(timespec="minutes"))
    return found


def test_every_five_minutes_runs_on_the_next_multiple_of_five() -> None:
    assert runs("*/5 * * * *", "2026-01-05T10:02", TOKYO, 3) == [
        "2026-01-05T10:05+09:00",
        "2026-01-05T10:10+09:00",
        "2026-01-05T10:15+09:00",
    ]


def test_a_run_exactly_at_the_start_is_not_the_next_one() -> None:
    assert runs("0 9 * * *", "2026-01-05T09:00", TOKYO, 1) == ["2026-01-06T09:00+09:00"]


def test_lists_ranges_steps_and_names() -> None:
    assert runs("0,30 9-10 * * mon-fri", "2026-01-09T10:15", TOKYO) == [  # a Friday
        "2026-01-09T10:30+09:00",
        "2026-01-12T09:00+09:00",
        "2026-01-12T09:30+09:00",
        "2026-01-12T10:00+09:00",
    ]
    assert runs("0 12 1 jan,jul *", "2026-02-01T00:00", TOKYO, 2) == [
        "2026-07-01T12:00+09:00",
        "2027-01-01T12:00+09:00",
    ]
    assert runs("10-50/20 8 * * *", "2026-01-05T00:00", TOKYO, 3) == [
        "2026-01-05T08:10+09:00",
        "2026-01-05T08:30+09:00",
        "2026-01-05T08:50+09:00",
    ]


def test_a_bare_start_with_a_step_runs_to_the_end_of_the_field() -> None:
    assert runs("45/5 0 * * *", "2026-01-05T00:00", TOKYO) == [
        "2026-01-05T00:45+09:00",
        "2026-01-05T00:50+09:00",
        "2026-01-05T00:55+09:00",
        "2026-01-06T00:45+09:00",
    ]


def test_sunday_is_both_zero_and_seven() -> None:
    assert parse_cron("0 0 * * 7").weekdays == parse_cron("0 0 * * sun").weekdays == frozenset({0})
    assert runs("0 8 * * 7", "2026-01-05T00:00", TOKYO, 1) == ["2026-01-11T08:00+09:00"]


def test_with_both_day_fields_restricted_either_day_runs() -> None:
    # The 13th, or any Friday: cron's historic rule.
    assert runs("0 0 13 * fri", "2026-01-01T00:00", TOKYO, 3) == [
        "2026-01-02T00:00+09:00",
        "2026-01-09T00:00+09:00",
        "2026-01-13T00:00+09:00",
    ]


def test_a_starred_day_of_month_with_a_step_still_requires_both_days() -> None:
    # "*/10" starts with *, so a day must be the 1st, 11th, 21st or 31st and a Monday (as in Vixie cron).
    assert runs("0 0 */10 * mon", "2026-05-31T00:00", TOKYO, 2) == [
        "2026-06-01T00:00+09:00",
        "2026-08-31T00:00+09:00",
    ]


def test_the_31st_skips_the_months_without_one() -> None:
    assert runs("0 9 31 * *", "2026-01-31T10:00", TOKYO, 3) == [
        "2026-03-31T09:00+09:00",
        "2026-05-31T09:00+09:00",
        "2026-07-31T09:00+09:00",
    ]


def test_the_last_of_february_and_leap_days() -> None:
    assert runs("0 0 29 2 *", "2026-01-01T00:00", TOKYO, 2) == [
        "2028-02-29T00:00+09:00",
        "2032-02-29T00:00+09:00",
    ]
    # 2100 is not a leap year: the next 29 February after 2096 is in 2104.
    assert runs("0 0 29 2 *", "2096-03-01T00:00", TOKYO, 1) == ["2104-02-29T00:00+09:00"]
    assert runs("0 0 28 2 *", "2027-02-28T12:00", TOKYO, 1) == ["2028-02-28T00:00+09:00"]


def test_macros() -> None:
    assert parse_cron("@daily") == parse_cron("0 0 * * *")
    assert runs("@hourly", "2026-01-05T10:59", TOKYO, 1) == ["2026-01-05T11:00+09:00"]
    assert runs("@monthly", "2026-01-05T00:00", TOKYO, 1) == ["2026-02-01T00:00+09:00"]


def test_spring_forward_a_fixed_time_in_the_skipped_hour_runs_when_the_clocks_jump() -> None:
    # New York, 8 March 2026: 02:00 EST becomes 03:00 EDT; 02:30 does not exist that day.
    assert runs("30 2 * * *", "2026-03-07T12:00", NEW_YORK, 3) == [
        "2026-03-08T03:00-04:00",
        "2026-03-09T02:30-04:00",
        "2026-03-10T02:30-04:00",
    ]


def test_spring_forward_a_wildcard_schedule_skips_the_missing_times() -> None:
    assert runs("*/30 * * * *", "2026-03-08T01:00", NEW_YORK, 3) == [
        "2026-03-08T01:30-05:00",
        "2026-03-08T03:00-04:00",
        "2026-03-08T03:30-04:00",
    ]
    assert runs("30 * * * *", "2026-03-08T01:45", NEW_YORK, 1) == ["2026-03-08T03:30-04:00"]


def test_fall_back_a_fixed_time_in_the_repeated_hour_runs_once() -> None:
    # New York, 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:00-01:59 happens twice.
    assert runs("30 1 * * *", "2026-10-31T12:00", NEW_YORK, 2) == [
        "2026-11-01T01:30-04:00",
        "2026-11-02T01:30-05:00",
    ]


def test_fall_back_a_wildcard_schedule_runs_in_both_passes_of_the_repeated_hour() -> None:
    assert runs("*/20 * * * *", "2026-11-01T00:50", NEW_YORK, 7) == [
        "2026-11-01T01:00-04:00",
        "2026-11-01T01:20-04:00",
        "2026-11-01T01:40-04:00",
        "2026-11-01T01:00-05:00",
        "2026-11-01T01:20-05:00",
        "2026-11-01T01:40-05:00",
        "2026-11-01T02:00-05:00",
    ]


def test_fall_back_starting_inside_the_second_pass() -> None:
    second_pass = datetime(2026, 11, 1, 1, 10, tzinfo=NEW_YORK, fold=1)
    following = next_run(parse_cron("*/20 * * * *"), after=second_pass, zone=NEW_YORK)
    assert following.astimezone(NEW_YORK).isoformat(timespec="minutes") == "2026-11-01T01:20-05:00"
    fixed = next_run(parse_cron("30 1 * * *"), after=second_pass, zone=NEW_YORK)
    assert fixed.astimezone(NEW_YORK).isoformat(timespec="minutes") == "2026-11-02T01:30-05:00"


def test_the_next_run_is_the_same_instant_whatever_zone_the_start_is_given_in() -> None:
    schedule = parse_cron("0 9 * * *")
    start = datetime(2026, 1, 5, 0, 30, tzinfo=UTC)
    assert next_run(schedule, after=start, zone=TOKYO) == next_run(
        schedule, after=start.astimezone(NEW_YORK), zone=TOKYO
    )


@pytest.mark.parametrize(
    ("expression", "wrong"),
    [
        ("* * * *", "5 fields"),
        ("60 * * * *", "'60'"),
        ("* 24 * * *", "'24'"),
        ("* * 0 * *", "'0'"),
        ("* * * 13 *", "'13'"),
        ("* * * * 8", "'8'"),
        ("* * * foo *", "'foo'"),
        ("5-1 * * * *", "backwards"),
        ("*/0 * * * *", "'0'"),
        ("0 0 30 2 *", "never comes"),
        ("1,,2 * * * *", "''"),
    ],
)
def test_bad_expressions_are_refused_naming_the_field(expression: str, wrong: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_cron(expression)
    assert raised.value.field == "cron"
    assert str(raised.value).startswith("cron:")
    assert wrong in str(raised.value)
