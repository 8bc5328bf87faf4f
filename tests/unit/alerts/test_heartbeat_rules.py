"""Heartbeat schedules, states and the missed-ping rule, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.alerts.heartbeats_rules import (
    MAX_BODY_BYTES,
    HeartbeatState,
    body_excerpt,
    missed,
    parse_schedule,
    shown_state,
)
from hikeshi.core.errors import InvalidInput

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def schedule(**fields: object) -> object:
    values: dict[str, object] = {
        "period_seconds": None,
        "grace_seconds": None,
        "cron": None,
        "timezone": None,
        "default_timezone": "Asia/Tokyo",
    }
    values.update(fields)
    return parse_schedule(**values)  # type: ignore[arg-type]


def test_a_period_expects_the_next_ping_one_period_after_the_last() -> None:
    every_five = parse_schedule(
        period_seconds=300, grace_seconds=60, cron=None, timezone=None, default_timezone="Asia/Tokyo"
    )
    assert every_five.next_due(NOW) == NOW + timedelta(minutes=5)
    assert (every_five.grace_seconds, every_five.timezone) == (60, None)


def test_a_cron_schedule_is_read_in_its_zone_or_the_default_one() -> None:
    tokyo = parse_schedule(
        period_seconds=None,
        grace_seconds=None,
        cron="0 9 * * *",
        timezone=None,
        default_timezone="Asia/Tokyo",
    )
    assert (tokyo.timezone, tokyo.grace_seconds) == ("Asia/Tokyo", 300)
    assert tokyo.next_due(NOW) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    new_york = parse_schedule(
        period_seconds=None,
        grace_seconds=None,
        cron="0 9 * * *",
        timezone="America/New_York",
        default_timezone="Asia/Tokyo",
    )
    assert new_york.next_due(NOW) == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "period"),
        ({"period_seconds": 300, "cron": "* * * * *"}, "period"),
        ({"period_seconds": 30}, "period"),
        ({"period_seconds": 300, "grace_seconds": 10}, "grace"),
        ({"cron": "* * *"}, "cron"),
        ({"cron": "* * * * *", "timezone": "Tokyo"}, "timezone"),
    ],
)
def test_bad_schedules_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        schedule(**fields)
    assert raised.value.field == field


def test_an_up_heartbeat_past_due_shows_late_until_it_is_marked_down() -> None:
    due = NOW - timedelta(seconds=1)
    assert shown_state("up", next_due_at=due, now=NOW) is HeartbeatState.LATE
    assert shown_state("up", next_due_at=NOW, now=NOW) is HeartbeatState.UP
    assert shown_state("down", next_due_at=due, now=NOW) is HeartbeatState.DOWN
    assert shown_state("paused", next_due_at=due, now=NOW) is HeartbeatState.PAUSED


def test_missed_only_once_the_grace_time_is_over_and_only_when_up() -> None:
    due = NOW - timedelta(seconds=60)
    assert missed(state="up", next_due_at=due, grace_seconds=60, now=NOW)
    assert not missed(state="up", next_due_at=due, grace_seconds=61, now=NOW)
    for state in ("new", "down", "failing", "paused"):
        assert not missed(state=state, next_due_at=due, grace_seconds=0, now=NOW)
    assert not missed(state="up", next_due_at=None, grace_seconds=0, now=NOW)


def test_a_body_is_kept_to_its_first_100_kb_as_text() -> None:
    assert body_excerpt("完了 sent=120".encode()) == "完了 sent=120"
    assert len(body_excerpt(b"x" * (MAX_BODY_BYTES + 10))) == MAX_BODY_BYTES
    assert body_excerpt(b"ok \xff") == "ok \ufffd"
    assert body_excerpt(b"log\x00end") == "log\ufffdend"  # PostgreSQL text holds no NUL
