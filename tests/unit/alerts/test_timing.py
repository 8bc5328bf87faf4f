"""Durations and moments as people type them on the command line and in forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.alerts.timing import format_duration, parse_duration, parse_minutes
from hikeshi.core.errors import InvalidInput
from hikeshi.core.timezones import parse_moment


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800), (" 1H 5M ", 3900), ("90m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text, field="period") == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "m", "5x", "1m1h", "-5m", "0m", "5 minutes"])
def test_bad_durations_name_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_duration(text, field="grace")
    assert raised.value.field == "grace"
    assert str(raised.value).startswith("grace:")


def test_minutes_must_be_whole() -> None:
    assert parse_minutes("2h", field="resolve_after") == 120
    with pytest.raises(InvalidInput, match="resolve_after: '90s' is not a whole number of minutes"):
        parse_minutes("90s", field="resolve_after")


def test_durations_print_in_the_same_shorthand() -> None:
    assert [format_duration(s) for s in (45, 300, 5400, 90061, 0)] == ["45s", "5m", "1h30m", "1d1h1m1s", "0s"]


def test_a_moment_with_an_offset_means_that_instant() -> None:
    assert parse_moment("2026-12-24T22:00+09:00", zone="UTC", field="start") == datetime(
        2026, 12, 24, 13, 0, tzinfo=UTC
    )
    assert parse_moment("2026-12-24T13:00Z", zone="Asia/Tokyo", field="start") == datetime(
        2026, 12, 24, 13, 0, tzinfo=UTC
    )


def test_a_moment_without_an_offset_is_a_wall_time_in_the_zone() -> None:
    assert parse_moment("2026-12-24T22:00", zone="Asia/Tokyo", field="start") == datetime(
        2026, 12, 24, 13, 0, tzinfo=UTC
    )
    assert parse_moment("2026-07-04 12:00", zone="America/New_York", field="start") == datetime(
        2026, 7, 4, 16, 0, tzinfo=UTC
    )


def test_a_wall_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(InvalidInput, match="end: 2026-03-08T02:30 does not exist in America/New_York"):
        parse_moment("2026-03-08T02:30", zone="America/New_York", field="end")


def test_a_moment_that_is_not_iso_8601_names_the_field() -> None:
    with pytest.raises(InvalidInput, match="start: 'tomorrow' is not an ISO 8601 time"):
        parse_moment("tomorrow", zone="Asia/Tokyo", field="start")
