"""Which week and which days a report covers, and how bad ranges are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hikeshi.core.errors import InvalidInput
from hikeshi.postmortems.rules import IsoWeek
from hikeshi.postmortems.weekly import day_range, helpers, last_complete_week


def test_last_complete_week_is_in_the_company_zone() -> None:
    # Monday 30 November 08:59 in Tokyo is Sunday 29 November in UTC: week 49 has begun in Tokyo.
    monday_morning = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    assert last_complete_week(monday_morning, "Asia/Tokyo") == IsoWeek(2026, 48)
    assert last_complete_week(monday_morning, "Europe/London") == IsoWeek(2026, 47)
    assert last_complete_week(datetime(2027, 1, 4, 12, tzinfo=UTC), "Asia/Tokyo") == IsoWeek(2026, 53)


def test_day_range_includes_both_days_in_the_zone() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first, last, start, end = day_range("2026-11-23", "2026-11-29", timezone="Asia/Tokyo", now=now)
    assert (first, last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert (start, end) == (datetime(2026, 11, 22, 15, tzinfo=UTC), datetime(2026, 11, 29, 15, tzinfo=UTC))
    first, last, _, _ = day_range("", "", timezone="Asia/Tokyo", now=now)
    assert (first, last) == (date(2026, 11, 2), date(2026, 12, 1))


def test_day_range_across_the_end_of_summer_time() -> None:
    _, _, start, end = day_range(
        "2026-10-25", "2026-10-25", timezone="Europe/London", now=datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert (end - start).total_seconds() == 25 * 3600


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [
        ("2026-13-01", "", "since"),
        ("", "tomorrow", "until"),
        ("2026-12-01", "2026-11-30", "until"),
        ("2020-01-01", "2026-01-01", "until"),
    ],
)
def test_bad_ranges_name_the_field(since: str, until: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        day_range(since, until, timezone="Asia/Tokyo", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert raised.value.field == field


def test_durations_read_in_each_language() -> None:
    assert helpers("ja", "Asia/Tokyo")["duration"](7800) == "2時間10分"
    assert helpers("en", "Asia/Tokyo")["duration"](7800) == "2 h 10 min"
    assert helpers("en", "Asia/Tokyo")["duration"](None) == "-"
