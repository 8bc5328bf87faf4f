from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.accounts.rules import (
    ContactKind,
    normalize_contact_address,
    normalize_email,
    parse_role,
    throttle_wait,
    validate_password,
    validate_slug,
)
from hikeshi.core.errors import InvalidInput

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_no_wait_below_the_limit() -> None:
    failures = [NOW - timedelta(minutes=minutes) for minutes in (1, 2, 3, 4)]
    assert throttle_wait(failures, now=NOW, max_failures=5, window=WINDOW) is None


def test_wait_lasts_until_the_oldest_counted_failure_leaves_the_window() -> None:
    failures = [NOW - timedelta(minutes=minutes) for minutes in (1, 2, 3, 4, 10)]
    assert throttle_wait(failures, now=NOW, max_failures=5, window=WINDOW) == timedelta(minutes=5)


def test_old_failures_do_not_count() -> None:
    failures = [NOW - timedelta(minutes=minutes) for minutes in (1, 2, 3, 4, 16, 20)]
    assert throttle_wait(failures, now=NOW, max_failures=5, window=WINDOW) is None


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (ContactKind.SMS, "090-1234-5678", "+819012345678"),
        (ContactKind.VOICE, "+81 (90) 1234 5678", "+819012345678"),
        (ContactKind.SMS, "+1 415 555 0104", "+14155550104"),
        (ContactKind.EMAIL, " Sato@Example.JP ", "sato@example.jp"),
        (ContactKind.SLACK, "U012AB3CD", "U012AB3CD"),
    ],
)
def test_contact_addresses_are_normalised(kind: ContactKind, raw: str, expected: str) -> None:
    assert normalize_contact_address(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(ContactKind.SMS, "12345"), (ContactKind.SLACK, "#general"), (ContactKind.EMAIL, "sato@")],
)
def test_bad_contact_addresses_name_the_field(kind: ContactKind, raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_contact_address(kind, raw)
    assert caught.value.field == "address"


def test_roles_passwords_slugs_and_emails_are_checked() -> None:
    assert parse_role(" Admin ") == "admin"
    with pytest.raises(InvalidInput, match="role: 'chief' is not one of"):
        parse_role("chief")
    with pytest.raises(InvalidInput, match="at least 10"):
        validate_password("short")
    assert validate_slug("Platform-Team") == "platform-team"
    with pytest.raises(InvalidInput):
        validate_slug("has space")
    with pytest.raises(InvalidInput):
        normalize_email("not an email")
