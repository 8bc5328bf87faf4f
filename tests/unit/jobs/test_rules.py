"""Backoff, the outcome of a failure, and what of an error may be stored."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.core.errors import ExternalServiceError, InvalidInput
from hikeshi.jobs.rules import after_failure, backoff_delay, describe_error, parse_status, redact
from tests.support.jobs import UpperBound

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BASE = timedelta(seconds=5)
CAP = timedelta(hours=1)


def test_backoff_ceiling_doubles_with_each_attempt_until_the_cap() -> None:
    ceilings = [backoff_delay(n, base=BASE, cap=CAP, rng=UpperBound()).total_seconds() for n in range(1, 14)]
    assert ceilings[:6] == [5, 10, 20, 40, 80, 160]
    assert ceilings[-1] == 3600
    assert backoff_delay(500, base=BASE, cap=CAP, rng=UpperBound()) == CAP  # no overflow


def test_backoff_is_full_jitter_between_zero_and_the_ceiling() -> None:
    rng = random.Random(11)
    delays = [backoff_delay(4, base=BASE, cap=CAP, rng=rng).total_seconds() for _ in range(500)]
    assert min(delays) >= 0
    assert max(delays) <= 40
    assert min(delays) < 5
    assert max(delays) > 35


def _failure(error: Exception, attempt: int = 1, max_attempts: int = 8) -> tuple[bool, datetime | None]:
    outcome = after_failure(
        error, attempt=attempt, max_attempts=max_attempts, base=BASE, cap=CAP, now=NOW, rng=UpperBound()
    )
    return outcome.dead, outcome.retry_at


def test_ordinary_error_is_retried_after_the_backoff() -> None:
    assert _failure(RuntimeError("x"), attempt=3) == (False, NOW + timedelta(seconds=20))


def test_retry_after_wins_over_the_backoff() -> None:
    error = ExternalServiceError("429", retry_after_seconds=42.5)
    assert _failure(error, attempt=3) == (False, NOW + timedelta(seconds=42.5))


def test_permanent_error_is_dead_at_once() -> None:
    assert _failure(ExternalServiceError("550", permanent=True)) == (True, None)


def test_last_attempt_is_dead_even_when_the_provider_asked_to_wait() -> None:
    assert _failure(ExternalServiceError("429", retry_after_seconds=1), attempt=8) == (True, None)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("connect to smtp://mailer:hunter22@mail.example.jp:587 failed", "hunter22"),
        ("401 for Authorization: Bearer hkt_abcdefghijklmnop", "hkt_abcdefghijklmnop"),
        ("invalid_auth xoxb-1234-5678-abcdef", "xoxb-1234-5678-abcdef"),
        ("POST https://hooks.slack.com/services/T0/B0/XyZ123 answered 404", "XyZ123"),
        ('{"api_key": "k-999", "ok": false}', "k-999"),
        ("GET /2010-04-01/Accounts?auth_token=tw-secret&x=1", "tw-secret"),
    ],
)
def test_redact_masks_credentials(text: str, secret: str) -> None:
    masked = redact(text)
    assert secret not in masked
    assert "***" in masked


def test_describe_error_names_the_type_and_renders_hikeshi_errors() -> None:
    assert describe_error(ValueError("bad")) == "ValueError: bad"
    assert describe_error(KeyError()) == "KeyError"
    assert describe_error(ExternalServiceError("{code} from {host}", code=451, host="mx")) == (
        "ExternalServiceError: 451 from mx"
    )
    assert len(describe_error(RuntimeError("y" * 10_000))) == 2000


def test_parse_status_names_the_field_and_the_choices() -> None:
    assert parse_status(" Dead ") == "dead"
    with pytest.raises(InvalidInput) as raised:
        parse_status("failed")
    assert raised.value.field == "status"
