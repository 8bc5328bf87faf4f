"""Pure rules of postmortems: the publishing gate, transitions, durations and ISO weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.core.i18n import translations
from hikeshi.postmortems.rules import (
    GateFacts,
    IncompletePostmortem,
    IsoWeek,
    PostmortemStatus,
    RequiredField,
    check_reviewer,
    check_transition,
    durations,
    format_duration,
    missing_fields,
    next_daily_time,
    next_weekly_time,
    parse_week,
    week_of,
)

COMPLETE = GateFacts(
    symptom="予約が保存できない",
    recovery="修正をデプロイ",
    cause="ロック待ち",
    impact="日本 120 店舗",
    incident_started=True,
    action_items=1,
    action_items_without_owner=0,
)


def _with(**changes: object) -> GateFacts:
    values = {name: getattr(COMPLETE, name) for name in COMPLETE.__slots__}
    return GateFacts(**{**values, **changes})  # type: ignore[arg-type]


def test_a_complete_postmortem_misses_nothing() -> None:
    assert missing_fields(COMPLETE) == []


def test_every_empty_required_field_is_named_in_order() -> None:
    facts = _with(symptom=" ", cause="", incident_started=False, action_items=0)
    assert missing_fields(facts) == [
        RequiredField.SYMPTOM,
        RequiredField.DURATION,
        RequiredField.CAUSE,
        RequiredField.PREVENTION,
    ]
    assert missing_fields(_with(action_items=2, action_items_without_owner=1)) == [
        RequiredField.ACTION_ITEM_OWNERS
    ]


def test_the_refusal_names_the_fields_in_the_readers_language() -> None:
    error = IncompletePostmortem([RequiredField.CAUSE, RequiredField.IMPACT])
    assert isinstance(error, Conflict)
    assert error.render(lambda text: text) == (
        "The postmortem cannot be published until these are filled in: Cause, Impact scope"
    )
    japanese = error.render(translations("ja").gettext)
    assert "原因" in japanese
    assert "Cause" not in japanese


def test_transitions_follow_the_review_path() -> None:
    check_transition(PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW)
    check_transition(PostmortemStatus.IN_REVIEW, PostmortemStatus.PUBLISHED)
    check_transition(PostmortemStatus.IN_REVIEW, PostmortemStatus.DRAFT)
    check_transition(PostmortemStatus.PUBLISHED, PostmortemStatus.DRAFT)
    with pytest.raises(Conflict):
        check_transition(PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED)


def test_the_author_does_not_review_their_own_postmortem_unless_admin() -> None:
    with pytest.raises(Conflict, match="Another person"):
        check_reviewer(submitted_by_id=7, publisher_id=7, publisher_is_admin=False)
    check_reviewer(submitted_by_id=7, publisher_id=8, publisher_is_admin=False)
    check_reviewer(submitted_by_id=7, publisher_id=7, publisher_is_admin=True)


def test_an_incident_across_midnight_lasts_what_it_lasted() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    started = datetime(2026, 12, 1, 23, 40, tzinfo=tokyo)
    detected = datetime(2026, 12, 1, 23, 55, tzinfo=tokyo)
    resolved = datetime(2026, 12, 2, 1, 5, tzinfo=tokyo)
    spans = durations(started_at=started, detected_at=detected, resolved_at=resolved)
    assert spans.start_to_detection == timedelta(minutes=15)
    assert spans.detection_to_resolution == timedelta(hours=1, minutes=10)
    assert spans.start_to_resolution == timedelta(hours=1, minutes=25)
    assert format_duration(spans.start_to_resolution, language="ja") == "1時間25分"
    assert format_duration(spans.start_to_resolution, language="en") == "1 h 25 min"


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected"),
    [
        # Spring forward: 01:30 → 03:30 on the wall clock is one hour.
        ("America/Los_Angeles", (2026, 3, 8, 1, 30), (2026, 3, 8, 3, 30), timedelta(hours=1)),
        # Fall back: 00:30 → 01:30 (the second one) is two hours.
        ("Europe/London", (2026, 10, 25, 0, 30), (2026, 10, 25, 1, 30), timedelta(hours=2)),
    ],
)
def test_an_incident_across_a_change_of_the_clocks_lasts_what_it_lasted(
    zone: str, start: tuple[int, ...], end: tuple[int, ...], expected: timedelta
) -> None:
    tz = ZoneInfo(zone)
    fold = 1 if zone == "Europe/London" else 0
    started = datetime(*start, tzinfo=tz)
    resolved = datetime(*end, tzinfo=tz, fold=fold)
    spans = durations(started_at=started, detected_at=None, resolved_at=resolved)
    assert spans.start_to_resolution == expected
    assert spans.detection_to_resolution is None
    assert format_duration(spans.detection_to_resolution, language="ja") == "-"


def test_long_incidents_count_days() -> None:
    assert format_duration(timedelta(days=1, hours=2, minutes=3), language="ja") == "1日2時間3分"
    assert format_duration(timedelta(seconds=59), language="en") == "0 min"


def test_iso_weeks_parse_and_bound_in_the_company_zone() -> None:
    week = parse_week("2026-w49")
    assert week == IsoWeek(2026, 49)
    assert str(week) == "2026-W49"
    start, end = week.bounds("Asia/Tokyo")
    assert start == datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Monday 2026-11-30 00:00 in Tokyo
    assert end - start == timedelta(days=7)
    assert week.shifted(-1) == IsoWeek(2026, 48)
    assert IsoWeek(2026, 1).shifted(-1) == IsoWeek(2025, 1).shifted(51)
    assert week_of(datetime(2026, 11, 29, 15, 0, tzinfo=UTC), "Asia/Tokyo") == week
    assert week_of(datetime(2026, 11, 29, 14, 59, tzinfo=UTC), "Asia/Tokyo") == IsoWeek(2026, 48)


def test_a_week_with_a_change_of_the_clocks_is_an_hour_short_or_long() -> None:
    spring_start, spring_end = IsoWeek(2026, 10).bounds("America/Los_Angeles")  # to Sunday 8 March
    assert spring_end - spring_start == timedelta(hours=167)
    autumn_start, autumn_end = IsoWeek(2026, 43).bounds("Europe/London")  # to Sunday 25 October
    assert autumn_end - autumn_start == timedelta(hours=169)


@pytest.mark.parametrize("text", ["2026-48", "2026-W54", "W48", "", "2026-W00"])
def test_a_bad_week_is_refused_with_the_expected_shape(text: str) -> None:
    with pytest.raises(InvalidInput, match="2026-W48"):
        parse_week(text)


def test_the_weekly_time_is_next_monday_morning_in_the_company_zone() -> None:
    # Sunday 2026-11-29 12:00 in Tokyo → Monday 2026-11-30 09:00 Tokyo.
    after = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    monday = next_weekly_time(after, zone="Asia/Tokyo", weekday=0, at="09:00")
    assert monday == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    # Exactly at that time, the next one is a week later.
    assert next_weekly_time(monday, zone="Asia/Tokyo", weekday=0, at="09:00") == monday + timedelta(days=7)
    # Across the spring change in Los Angeles, Monday 09:00 local moves from 17:00 to 16:00 UTC.
    before = next_weekly_time(
        datetime(2026, 3, 3, tzinfo=UTC), zone="America/Los_Angeles", weekday=0, at="09:00"
    )
    assert before == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    assert next_daily_time(before, zone="Asia/Tokyo", at="10:00") == datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
