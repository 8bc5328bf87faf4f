from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hikeshi.alerts.normalized import Action, Link, Severity
from hikeshi.alerts.normalizers.values import (
    bounded_key,
    build_alert,
    clip,
    make_link,
    parse_time,
    severity_from,
)
from tests.unit.alerts.normalizers.support import NOW

MOMENT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T09:30:00Z",
        "2024-05-01T09:30:00.000Z",
        "2024-05-01T09:30:00.000000000Z",  # Go writes nanoseconds
        "2024-05-01T18:30:00+09:00",
        "2024-05-01T09:30:00.000+0000",  # PagerDuty's own example
        "2024-05-01T09:30:00",  # no zone: UTC
        1714555800,  # epoch seconds
        1714555800000,  # milliseconds
        1714555800000000,  # microseconds
        1714555800000000000,  # nanoseconds
        "1714555800000",  # Datadog sends numbers as text
        1714555800.0,
    ],
)
def test_times_in_every_form_become_aware_utc(value: object) -> None:
    assert parse_time(value) == MOMENT


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "",
        "yesterday",
        None,
        True,
        0,
        -5,
        float("inf"),
        "9" * 400,
        "0001-01-01T00:00:00+09:00",
        {},
    ],
)
def test_zero_missing_and_unreadable_times_are_none(value: object) -> None:
    assert parse_time(value) is None


def test_severity_words_map_onto_four_levels() -> None:
    assert severity_from("P1", Severity.WARNING) is Severity.CRITICAL
    assert severity_from(" Fatal ", Severity.WARNING) is Severity.CRITICAL
    assert severity_from("err", Severity.WARNING) is Severity.ERROR
    assert severity_from("warn", Severity.INFO) is Severity.WARNING
    assert severity_from("none", Severity.WARNING) is Severity.INFO
    assert severity_from("purple", Severity.WARNING) is Severity.WARNING


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "data:text/html,x", "ftp://x", "/relative", "", None, 3]
)
def test_only_http_links_are_kept(href: object) -> None:
    assert make_link(href) is None


def test_links_are_stripped() -> None:
    assert make_link("  https://example.com/a ", "x") == Link("https://example.com/a", "x")


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert clip("  short  ", 10) == "short"
    assert clip("x" * 2000, 1024) == "x" * 1023 + "…"


def test_long_keys_become_a_stable_hash() -> None:
    assert bounded_key("k" * 255) == "k" * 255
    hashed = bounded_key("k" * 256)
    assert hashed is not None
    assert hashed.startswith("sha256:")
    assert len(hashed) == 71
    assert bounded_key("k" * 256) == hashed
    assert bounded_key("") is None


def test_a_time_ahead_of_now_is_brought_back() -> None:
    alert = build_alert(
        action=Action.TRIGGER,
        summary="s",
        severity=Severity.INFO,
        dedup_key=None,
        now=NOW,
        occurred_at=NOW + timedelta(hours=3),
    )
    assert alert.occurred_at == NOW


def test_product_comes_from_the_product_label() -> None:
    alert = build_alert(
        action=Action.TRIGGER,
        summary="s",
        severity=Severity.INFO,
        dedup_key=None,
        now=NOW,
        labels={"product": "shop"},
    )
    assert alert.product == "shop"
