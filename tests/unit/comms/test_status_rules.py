"""The status page's pure rules: worst-of, the headline, the 90 days of history in Tokyo days, tooltips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hikeshi.comms.rules import ComponentStatus as S
from hikeshi.comms.status_rules import (
    ALL_OPERATIONAL,
    MAJOR_OUTAGE,
    MINOR_OUTAGE,
    PARTIAL_OUTAGE,
    UNDER_MAINTENANCE,
    Indicator,
    NoticePoint,
    StatusSpan,
    day_tooltip,
    fingerprint,
    history,
    incident_spans,
    local_today,
    notice_component_statuses,
    page_indicator,
    status_language,
    uptime_share,
    worst_status,
)
from hikeshi.comms.status_schemas import DayBar
from hikeshi.core.i18n import translations

TOKYO = "Asia/Tokyo"
# 2026-12-01 09:00 JST
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_worst_status_orders_maintenance_below_any_outage() -> None:
    assert worst_status([]) is S.OPERATIONAL
    assert worst_status(["operational", "under_maintenance"]) is S.UNDER_MAINTENANCE
    assert worst_status(["under_maintenance", "degraded_performance"]) is S.DEGRADED_PERFORMANCE
    assert worst_status(["partial_outage", "major_outage", "degraded_performance"]) is S.MAJOR_OUTAGE
    assert worst_status(["something_new"]) is S.OPERATIONAL  # never a crash on unknown values


@pytest.mark.parametrize(
    ("components", "impacts", "maintenance", "expected"),
    [
        ([], [], False, (Indicator.NONE, ALL_OPERATIONAL)),
        (["operational"], [], True, (Indicator.NONE, UNDER_MAINTENANCE)),
        (["under_maintenance"], [], False, (Indicator.NONE, UNDER_MAINTENANCE)),
        (["degraded_performance"], [], False, (Indicator.MINOR, MINOR_OUTAGE)),
        (["partial_outage", "under_maintenance"], [], True, (Indicator.MAJOR, PARTIAL_OUTAGE)),
        (["major_outage"], ["minor"], False, (Indicator.CRITICAL, MAJOR_OUTAGE)),
        # An incident that names no component still says how bad it is by its impact.
        (["operational"], ["major"], False, (Indicator.MAJOR, PARTIAL_OUTAGE)),
        (["degraded_performance"], ["critical"], False, (Indicator.CRITICAL, MAJOR_OUTAGE)),
        (["operational"], ["none"], False, (Indicator.NONE, ALL_OPERATIONAL)),
    ],
)
def test_page_indicator_follows_statuspage(
    components: list[str], impacts: list[str], maintenance: bool, expected: tuple[Indicator, str]
) -> None:
    assert (
        page_indicator(
            component_statuses=components, incident_impacts=impacts, maintenance_in_progress=maintenance
        )
        == expected
    )


def test_descriptions_have_natural_japanese() -> None:
    gettext = translations("ja").gettext
    assert gettext(ALL_OPERATIONAL) == "すべてのシステムが正常に稼働しています"
    assert gettext(PARTIAL_OUTAGE) == "一部のシステムで障害が発生しています"
    assert gettext(MAJOR_OUTAGE) == "大規模な障害が発生しています"


def test_a_notice_without_component_statuses_marks_its_products_by_impact() -> None:
    own = notice_component_statuses(
        component_statuses={"3": "major_outage", "x": "partial_outage"},
        product_ids=[3, 4],
        impact="minor",
        public_status="investigating",
    )
    assert own == {3: S.MAJOR_OUTAGE}
    by_impact = notice_component_statuses(
        component_statuses={}, product_ids=[3, 4], impact="major", public_status="identified"
    )
    assert by_impact == {3: S.PARTIAL_OUTAGE, 4: S.PARTIAL_OUTAGE}
    resolved = notice_component_statuses(
        component_statuses={"3": "major_outage"}, product_ids=[3], impact="major", public_status="resolved"
    )
    assert resolved == {3: S.OPERATIONAL}


def test_incident_statuses_last_from_the_first_notice_until_the_resolved_one() -> None:
    start = NOW
    points = [
        NoticePoint(start + timedelta(hours=1), {1: S.DEGRADED_PERFORMANCE}, False, "Slow"),
        NoticePoint(start, {1: S.MAJOR_OUTAGE, 2: S.OPERATIONAL}, False, "Down"),
        NoticePoint(start + timedelta(hours=3), {1: S.OPERATIONAL}, True, "Back"),
        NoticePoint(start + timedelta(hours=5), {1: S.MAJOR_OUTAGE}, False, "After"),
    ]
    spans = incident_spans(points)
    assert spans == [
        StatusSpan(1, S.MAJOR_OUTAGE, start, start + timedelta(hours=1), "Down"),
        StatusSpan(1, S.DEGRADED_PERFORMANCE, start + timedelta(hours=1), start + timedelta(hours=3), "Slow"),
    ]
    ongoing = incident_spans(points[:1])
    assert ongoing == [StatusSpan(1, S.DEGRADED_PERFORMANCE, start + timedelta(hours=1), None, "Slow")]


def test_history_is_ninety_tokyo_days_ending_today() -> None:
    bars = history(product_ids=[1], spans=[], now=NOW, zone=TOKYO)[1]
    assert len(bars) == 90
    assert bars[-1].day == date(2026, 12, 1)
    assert bars[0].day == date(2026, 9, 3)
    assert all(bar.status is S.OPERATIONAL for bar in bars)
    # 23:30 UTC on Nov 30 is already Dec 1 in Tokyo.
    assert local_today(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), TOKYO) == date(2026, 12, 1)


def test_a_day_takes_the_worst_status_of_that_tokyo_day() -> None:
    # Nov 29 23:00 JST → Nov 30 01:00 JST: both days; a lesser status the next afternoon; maintenance.
    spans = [
        StatusSpan(
            1,
            S.PARTIAL_OUTAGE,
            datetime(2026, 11, 29, 14, tzinfo=UTC),
            datetime(2026, 11, 29, 16, tzinfo=UTC),
            "Down",
        ),
        StatusSpan(
            1,
            S.DEGRADED_PERFORMANCE,
            datetime(2026, 11, 30, 5, tzinfo=UTC),
            datetime(2026, 11, 30, 6, tzinfo=UTC),
            "Slow",
        ),
        StatusSpan(
            2,
            S.UNDER_MAINTENANCE,
            datetime(2026, 11, 20, 16, tzinfo=UTC),
            datetime(2026, 11, 20, 18, tzinfo=UTC),
            "Work",
        ),
        StatusSpan(9, S.MAJOR_OUTAGE, datetime(2026, 11, 20, tzinfo=UTC), None, "Not a component"),
    ]
    bars = history(product_ids=[1, 2], spans=spans, now=NOW, zone=TOKYO)
    by_day = {bar.day: bar for bar in bars[1]}
    assert by_day[date(2026, 11, 29)] == DayBar(date(2026, 11, 29), S.PARTIAL_OUTAGE, ("Down",))
    assert by_day[date(2026, 11, 30)] == DayBar(date(2026, 11, 30), S.PARTIAL_OUTAGE, ("Down", "Slow"))
    assert by_day[date(2026, 12, 1)].status is S.OPERATIONAL
    maintenance = {bar.day: bar.status for bar in bars[2]}
    assert maintenance[date(2026, 11, 21)] is S.UNDER_MAINTENANCE  # 01:00–03:00 JST on the 21st
    assert maintenance[date(2026, 11, 20)] is S.OPERATIONAL
    assert set(bars) == {1, 2}


def test_an_ongoing_span_fills_every_day_until_today_and_old_ones_fall_off() -> None:
    spans = [
        StatusSpan(1, S.MAJOR_OUTAGE, NOW - timedelta(days=2), None, "Ongoing"),
        StatusSpan(1, S.MAJOR_OUTAGE, NOW - timedelta(days=200), NOW - timedelta(days=100), "Old"),
        StatusSpan(1, S.MAJOR_OUTAGE, NOW + timedelta(hours=1), None, "Not yet"),
    ]
    bars = history(product_ids=[1], spans=spans, now=NOW, zone=TOKYO)[1]
    assert [bar.status for bar in bars[-3:]] == [S.MAJOR_OUTAGE] * 3
    assert all(bar.status is S.OPERATIONAL for bar in bars[:-3])
    assert uptime_share(bars) == round(100 * 87 / 90, 2)


def test_history_days_follow_the_wall_clock_across_a_dst_change() -> None:
    # New York springs forward on 2026-03-08: that day has 23 hours, still one bar.
    now = datetime(2026, 3, 9, 17, tzinfo=UTC)
    span = StatusSpan(
        1, S.PARTIAL_OUTAGE, datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 8, 7, tzinfo=UTC)
    )
    bars = history(product_ids=[1], spans=[span], now=now, zone="America/New_York", days=3)[1]
    assert [(bar.day, bar.status) for bar in bars] == [
        (date(2026, 3, 7), S.OPERATIONAL),
        (date(2026, 3, 8), S.PARTIAL_OUTAGE),
        (date(2026, 3, 9), S.OPERATIONAL),
    ]


def test_day_tooltips_say_the_date_status_and_what_happened() -> None:
    ja = translations("ja").gettext
    en = translations("en").gettext
    quiet = DayBar(date(2026, 11, 1), S.OPERATIONAL)
    bad = DayBar(date(2026, 11, 2), S.PARTIAL_OUTAGE, ("Web 予約の障害",))
    assert day_tooltip(quiet, gettext=ja) == "2026-11-01: 障害なし"
    assert day_tooltip(bad, gettext=ja) == "2026-11-02: 部分的な障害 · Web 予約の障害"
    assert day_tooltip(bad, gettext=en) == "2026-11-02: Partial outage · Web 予約の障害"


def test_language_switch_then_cookie_then_browser_then_japanese() -> None:
    assert status_language(query=None, cookie=None, accept_language=None) == "ja"
    assert status_language(query=None, cookie=None, accept_language="en-GB,en;q=0.8") == "en"
    assert status_language(query=None, cookie="ja", accept_language="en") == "ja"
    assert status_language(query="en", cookie="ja", accept_language="ja") == "en"
    assert status_language(query="fr", cookie=None, accept_language="fr") == "ja"


def test_fingerprint_changes_with_version_day_language_and_maintenance_phase() -> None:
    base = fingerprint(version=3, today=date(2026, 12, 1), maintenance_phases=["1:scheduled"], language="ja")
    assert base == fingerprint(
        version=3, today=date(2026, 12, 1), maintenance_phases=["1:scheduled"], language="ja"
    )
    others = {
        fingerprint(version=4, today=date(2026, 12, 1), maintenance_phases=["1:scheduled"], language="ja"),
        fingerprint(version=3, today=date(2026, 12, 2), maintenance_phases=["1:scheduled"], language="ja"),
        fingerprint(version=3, today=date(2026, 12, 1), maintenance_phases=["1:in_progress"], language="ja"),
        fingerprint(version=3, today=date(2026, 12, 1), maintenance_phases=["1:scheduled"], language="en"),
    }
    assert base not in others
    assert len(others) == 4
