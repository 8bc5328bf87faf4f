from __future__ import annotations

import pytest

from hikeshi.core.errors import InvalidInput
from hikeshi.delivery.ratelimit import RateLimiter
from hikeshi.delivery.rules import Channel, RateLimit, parse_rate_limits, validate_target


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_configuration_overrides_the_defaults() -> None:
    limits = parse_rate_limits("email=50/s:burst=20, sms=30/m, webhook=5/s:per-target")
    assert limits[Channel.EMAIL] == RateLimit(per_second=50, burst=20)
    assert limits[Channel.SMS] == RateLimit(per_second=0.5, burst=1)
    assert limits[Channel.WEBHOOK].per_target
    assert limits[Channel.CHAT].per_target  # untouched default: Slack's one post a second per channel


@pytest.mark.parametrize("text", ["email=fast", "fax=1/s", "email=0/s", "email=1/d"])
def test_bad_configuration_names_the_part(text: str) -> None:
    with pytest.raises(InvalidInput, match="HIKESHI_RATE_LIMITS"):
        parse_rate_limits(text)


def test_chat_is_paced_to_one_post_a_second_per_channel() -> None:
    time = FakeTime()
    limiter = RateLimiter(parse_rate_limits(""), monotonic=time.monotonic, sleep=time.sleep)
    assert limiter.acquire(Channel.CHAT, "C1") == 0
    assert limiter.acquire(Channel.CHAT, "C2") == 0  # another channel has its own allowance
    assert limiter.acquire(Channel.CHAT, "C1") == 0
    assert time.slept == [pytest.approx(1.0)]


def test_what_a_sender_holds_is_settled_before_it_waits_its_turn() -> None:
    time = FakeTime()
    limiter = RateLimiter(parse_rate_limits(""), monotonic=time.monotonic, sleep=time.sleep)
    events: list[str] = []
    limiter.acquire(Channel.CHAT, "C1", before_waiting=lambda: events.append("commit"))
    assert events == []  # a free token: nothing to wait for
    limiter.acquire(Channel.CHAT, "C1", before_waiting=lambda: events.append(f"commit at {time.now}"))
    assert events == ["commit at 100.0"]
    assert time.slept == [pytest.approx(1.0)]


def test_the_next_post_to_a_channel_is_paced_from_the_end_of_the_last_one() -> None:
    time = FakeTime()
    limiter = RateLimiter(parse_rate_limits(""), monotonic=time.monotonic, sleep=time.sleep)
    assert limiter.acquire(Channel.CHAT, "C1") == 0
    time.now += 0.3  # the post takes 0.3 s: Slack may count it as arriving at the very end
    limiter.finished(Channel.CHAT, "C1")
    assert limiter.acquire(Channel.CHAT, "C1") == 0
    assert time.slept == [pytest.approx(1.0)]


def test_a_full_bucket_does_not_lose_its_allowance_to_slow_calls() -> None:
    time = FakeTime()
    limiter = RateLimiter(parse_rate_limits("email=10/s:burst=5"), monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(4):
        limiter.acquire(Channel.EMAIL, "a@example.jp")
        time.now += 0.3
        limiter.finished(Channel.EMAIL, "a@example.jp")
    assert time.slept == []


def test_long_waits_are_handed_back_instead_of_slept() -> None:
    time = FakeTime()
    limiter = RateLimiter(parse_rate_limits("sms=6/m"), monotonic=time.monotonic, sleep=time.sleep)
    assert limiter.acquire(Channel.SMS, "+81") == 0
    assert limiter.acquire(Channel.SMS, "+81") == pytest.approx(10.0)
    assert time.slept == []


@pytest.mark.parametrize(
    ("channel", "target"),
    [
        (Channel.EMAIL, "nope"),
        (Channel.SMS, "090"),
        (Channel.WEBHOOK, "ftp://x"),
        (Channel.CHAT, "has space"),
    ],
)
def test_targets_are_checked_per_channel(channel: Channel, target: str) -> None:
    with pytest.raises(InvalidInput, match="target"):
        validate_target(channel, target)
