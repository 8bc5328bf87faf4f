"""The webhook signature receivers verify: HMAC-SHA256 over `{t}.{body}`, within five minutes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.adapters.webhook.signing import signature_header, verify_signature

SECRET = "whsec-test"
BODY = '{"incident":42,"title":"決済エラー"}'.encode()
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
T = int(NOW.timestamp())


def test_header_is_the_documented_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, T, BODY) == f"t={T},v1={expected}"


def test_a_fresh_signature_verifies() -> None:
    assert verify_signature(SECRET, signature_header(SECRET, T, BODY), BODY, NOW)


def test_a_changed_body_fails() -> None:
    assert not verify_signature(SECRET, signature_header(SECRET, T, BODY), BODY.replace(b"42", b"43"), NOW)


def test_another_secret_fails() -> None:
    assert not verify_signature("other", signature_header(SECRET, T, BODY), BODY, NOW)


@pytest.mark.parametrize("offset", [timedelta(seconds=301), timedelta(seconds=-301)])
def test_a_timestamp_outside_the_tolerance_fails_so_captures_cannot_be_replayed(offset: timedelta) -> None:
    assert not verify_signature(SECRET, signature_header(SECRET, T, BODY), BODY, NOW + offset)


def test_the_tolerance_is_configurable() -> None:
    header = signature_header(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, NOW + timedelta(seconds=500), tolerance=600)


def test_any_v1_matches_while_a_secret_is_rotated() -> None:
    old = signature_header("old-secret", T, BODY).split(",")[1]
    header = f"{signature_header(SECRET, T, BODY)},{old}"
    assert verify_signature("old-secret", header, BODY, NOW)
    assert verify_signature(SECRET, header, BODY, NOW)


@pytest.mark.parametrize("header", ["", "v1=abc", f"t={T}", "t=soon,v1=abc", "garbage", f"v1=,t={T}"])
def test_malformed_headers_fail(header: str) -> None:
    assert not verify_signature(SECRET, header, BODY, NOW)
