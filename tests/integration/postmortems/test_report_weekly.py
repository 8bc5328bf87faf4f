"""The weekly report's every figure against the hand-built week of `tests.support.report_week`."""

from __future__ import annotations

from datetime import UTC, datetime

from hikeshi.bootstrap import Container
from hikeshi.postmortems.metrics import response_metrics
from hikeshi.postmortems.rules import IsoWeek
from hikeshi.postmortems.weekly import last_complete_week, render_markdown, weekly_report
from tests.integration.postmortems.conftest import Crew
from tests.support.clock import FrozenClock
from tests.support.report_week import build_week

W48 = IsoWeek(2026, 48)
ZONE = "Asia/Tokyo"


def test_every_figure_of_the_fixture_week(world: Container, clock: FrozenClock, crew: Crew) -> None:
    week = build_week(world, clock, by=crew.engineer.id)
    assert last_complete_week(clock.now, ZONE) == W48
    with world.sessions() as db:
        report = weekly_report(session=db, week=W48, timezone=ZONE, language="ja", now=clock.now)
    m = report.metrics
    assert (m.since, m.until) == (
        datetime(2026, 11, 22, 15, tzinfo=UTC),
        datetime(2026, 11, 29, 15, tzinfo=UTC),
    )

    assert [(line.number, line.severity, line.duration_seconds) for line in m.incidents] == [
        (2, "SEV1", 2.5 * 3600),
        (4, "SEV2", 3.5 * 3600),
        (5, "SEV3", 1.5 * 3600),
    ]
    assert [line.cause_ja for line in m.incidents] == ["DBのロック待ち", "", ""]
    assert [line.cause("en") for line in m.incidents] == ["Lock waits in the database", "", ""]
    assert [label.key for label in m.incidents[1].products] == ["web-booking", "sms"]

    assert (m.mttd.seconds, m.mttd.count) == (45 * 60, 2)
    assert (m.mttr.seconds, m.mttr.count) == (130 * 60, 3)
    assert (m.mtta.seconds, m.mtta.count) == (7 * 60, 2)

    assert [(c.label.key, c.count) for c in m.by_product] == [("web-booking", 3), ("sms", 1)]
    assert [(c.label.key, c.count) for c in m.by_severity] == [("SEV1", 1), ("SEV2", 1), ("SEV3", 1)]

    assert m.alerts == 4
    assert [(v.integration_id, v.name, v.alerts) for v in m.integrations] == [
        (week.prometheus, "Prometheus", 3),
        (week.sentry, "Sentry", 1),
    ]

    assert (m.pages, m.night_pages) == (2, 1)
    assert [(p.user_id, p.pages, p.night_pages, p.acknowledged) for p in m.people] == [
        (week.kato, 2, 1, 1),
        (week.suzuki, 1, 0, 1),
    ]

    assert [(i.title, i.due_on.isoformat(), i.overdue) for i in m.open_items] == [
        ("設定の二重確認", "2026-11-20", True),
        ("監視を追加", "2026-11-27", True),
        ("手順書を更新", "2026-11-29", False),
    ]
    assert (m.action_items_open, m.action_items_overdue, m.action_items_done) == (3, 2, 1)

    trend = {point.week: point for point in report.trend}
    assert (report.trend[0].label, report.trend[-1].label, len(report.trend)) == ("W37", "W48", 12)
    assert (trend["2026-W47"].incidents, trend["2026-W47"].alerts, trend["2026-W47"].pages) == (1, 1, 1)
    assert trend["2026-W47"].mttr_seconds is None
    assert (trend["2026-W48"].incidents, trend["2026-W48"].alerts, trend["2026-W48"].pages) == (3, 4, 2)
    assert trend["2026-W48"].mttr_seconds == 130 * 60
    assert sum(point.incidents for point in report.trend) == 4
    assert [chart.key for chart in report.charts] == ["incidents", "mttr", "alerts", "pages"]
    assert all(chart.svg.startswith("<svg") and "W48" in chart.svg for chart in report.charts)
    assert all("<script" not in chart.svg and "style=" not in chart.svg for chart in report.charts)


def test_markdown_of_the_week_in_japanese_and_english(
    world: Container, clock: FrozenClock, crew: Crew
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    with world.sessions() as db:
        ja = render_markdown(weekly_report(session=db, week=W48, timezone=ZONE, language="ja", now=clock.now))
        en = render_markdown(weekly_report(session=db, week=W48, timezone=ZONE, language="en", now=clock.now))
    assert ja.startswith("# 週次障害レポート 2026-W48（2026-11-23 〜 2026-11-29）\n")
    assert "| #2 | Web予約で予約が保存できない | SEV1 | Web 予約 | 2時間30分 |" in ja
    assert "| DBのロック待ち |" in ja
    assert "- MTTR: 2時間10分（3件）" in ja
    assert "| #4 | 深夜の予約エラー | SEV2 | Web 予約, SMS 送信 | 3時間30分 |" in ja
    assert "- Prometheus (alertmanager): 3" in ja
    assert "平均検知時間" in ja
    assert en.startswith("# Weekly incident report 2026-W48 (2026-11-23 to 2026-11-29)\n")
    assert "| Lock waits in the database |" in en
    assert "- MTTA: 7 min (over 2)" in en
    assert "- Action items: 3 open, 2 overdue, 1 done this period" in en
    assert "**Overdue** 監視を追加 (#1, " in en


def test_a_range_that_has_not_ended_counts_action_items_as_of_now(
    world: Container, clock: FrozenClock, crew: Crew
) -> None:
    build_week(world, clock, by=crew.engineer.id)
    with world.sessions() as db:
        m = response_metrics(
            session=db,
            since=datetime(2026, 11, 22, 15, tzinfo=UTC),
            until=datetime(2026, 12, 31, 15, tzinfo=UTC),
            timezone=ZONE,
            now=clock.now,
        )
    # Now (1 December, Tokyo): "設定の二重確認" was done on 30 November; the rest stay open.
    assert [(i.title, i.overdue) for i in m.open_items] == [("監視を追加", True), ("手順書を更新", True)]
    assert m.action_items_done == 2
    assert [line.number for line in m.incidents] == [2, 4, 5, 6]
