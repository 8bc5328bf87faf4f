"""Pure rules of paging: walking the steps, signed links, nights, percentiles, the Slack command's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.core.errors import InvalidInput
from hikeshi.oncall.paging_rules import (
    StepInput,
    TargetType,
    at_night,
    check_steps,
    next_position,
    parse_slash_command,
    parse_target,
    percentile,
    read_ack,
    sign_ack,
    urgency_for_severity,
)

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
KEY = "k" * 64


def test_steps_run_in_order_then_repeat_then_stop() -> None:
    walk = [(0, 0)]
    while position := next_position(step_index=walk[-1][0], round=walk[-1][1], step_count=2, repeat_count=1):
        walk.append(position)
    assert walk == [(0, 0), (1, 0), (0, 1), (1, 1)]


def test_a_signed_link_names_its_page_and_person_until_it_expires() -> None:
    token = sign_ack(key=KEY, page_id=12, user_id=3, expires_at=NOW + timedelta(hours=1))
    claim = read_ack(key=KEY, token=token, now=NOW)
    assert (claim.page_id, claim.user_id) == (12, 3)
    with pytest.raises(InvalidInput, match="expired"):
        read_ack(key=KEY, token=token, now=NOW + timedelta(hours=1))


def test_an_altered_or_foreign_link_is_refused() -> None:
    token = sign_ack(key=KEY, page_id=12, user_id=3, expires_at=NOW + timedelta(hours=1))
    other = sign_ack(key=KEY, page_id=13, user_id=3, expires_at=NOW + timedelta(hours=1))
    forged = other.split(".")[0] + "." + token.split(".")[1]
    for bad in (forged, token[:-1] + ("0" if token[-1] != "0" else "1"), "garbage", ""):
        with pytest.raises(InvalidInput, match="not valid"):
            read_ack(key=KEY, token=bad, now=NOW)
    with pytest.raises(InvalidInput):
        read_ack(key="another-key", token=token, now=NOW)


@pytest.mark.parametrize(
    ("utc_hour", "zone", "night"),
    [
        (13, "Asia/Tokyo", True),  # 22:00 in Tokyo
        (12, "Asia/Tokyo", False),  # 21:00
        (21, "Asia/Tokyo", True),  # 06:00
        (22, "Asia/Tokyo", False),  # 07:00
        (13, "Europe/London", False),  # 13:00 in London
        (13, "Not/AZone", True),  # an unknown zone reads as Tokyo
    ],
)
def test_night_is_22_to_7_on_the_persons_clock(utc_hour: int, zone: str, night: bool) -> None:
    assert at_night(NOW.replace(hour=utc_hour), zone) is night


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([120.0, 360.0], 0.95) == 360.0
    assert percentile([7.0], 0.9) == 7.0


def test_the_slash_command_reads_page_oncall_or_help() -> None:
    page = parse_slash_command("page Web-Booking 予約 できない")
    assert (page.action, page.target, page.message) == ("page", "web-booking", "予約 できない")
    assert parse_slash_command(" oncall ").action == "oncall"
    assert parse_slash_command("").action == "help"
    assert parse_slash_command("page").action == "help"
    assert parse_slash_command("dance").action == "help"


def test_policies_need_steps_with_targets_and_sane_delays() -> None:
    good = StepInput(delay_minutes=5, targets=((TargetType.USER, 1),))
    check_steps([good], repeat_count=0)
    with pytest.raises(InvalidInput, match="at least one step"):
        check_steps([], repeat_count=0)
    with pytest.raises(InvalidInput, match="no one"):
        check_steps([StepInput(delay_minutes=5, targets=())], repeat_count=0)
    with pytest.raises(InvalidInput, match="minutes"):
        check_steps([StepInput(delay_minutes=0, targets=good.targets)], repeat_count=0)
    with pytest.raises(InvalidInput, match="repeat_count"):
        check_steps([good], repeat_count=10)


def test_targets_are_typed_as_people_write_them() -> None:
    assert parse_target("sato@example.jp") == (TargetType.USER, "sato@example.jp")
    assert parse_target("schedule:Primary") == (TargetType.SCHEDULE, "Primary")
    with pytest.raises(InvalidInput, match="targets"):
        parse_target("team:platform")


def test_critical_and_error_alerts_are_high_urgency() -> None:
    assert [urgency_for_severity(s).value for s in ("critical", "error", "warning", "info")] == [
        "high",
        "high",
        "low",
        "low",
    ]
