"""Who may log what, and the inquiry's text."""

from __future__ import annotations

import pytest

from hikeshi.core.errors import InvalidInput, PermissionDenied
from hikeshi.core.settings import load_settings
from hikeshi.inquiries.rules import (
    Channel,
    InquiryPolicy,
    check_may_log,
    parse_channel,
    summary_text,
    validate_body,
)


def test_channels_are_parsed_and_a_wrong_one_names_the_field() -> None:
    assert parse_channel(" Phone ") is Channel.PHONE
    with pytest.raises(InvalidInput, match="channel: 'fax'"):
        parse_channel("fax")


@pytest.mark.parametrize("role", ["admin", "support", "sales"])
def test_support_sales_and_admins_log_customer_inquiries(role: str) -> None:
    for channel in Channel:
        check_may_log(role, channel)


@pytest.mark.parametrize("role", ["engineer", "viewer"])
def test_everyone_else_files_internal_reports_only(role: str) -> None:
    check_may_log(role, Channel.INTERNAL)
    with pytest.raises(PermissionDenied, match="channel"):
        check_may_log(role, Channel.PHONE)


def test_the_text_must_say_something_and_not_too_much() -> None:
    assert validate_body("  予約できない \n") == "予約できない"
    with pytest.raises(InvalidInput, match="body"):
        validate_body(" \n ")
    with pytest.raises(InvalidInput, match="10000"):
        validate_body("あ" * 10_001)
    assert summary_text("一行目\n二行目") == "一行目 二行目"
    assert len(summary_text("あ" * 500)) == 120


def test_policy_comes_from_the_settings() -> None:
    settings = load_settings(_env_file=None, inquiry_burst_count=3, inquiry_burst_minutes=5)
    policy = InquiryPolicy.from_settings(settings)
    assert (policy.burst_count, policy.burst_minutes, policy.similar_threshold) == (3, 5, 0.3)
