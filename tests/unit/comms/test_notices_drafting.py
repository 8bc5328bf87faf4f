"""The pre-filled notice: what a restaurant owner reads, in Japanese and English, from public-safe facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hikeshi.comms.drafting import (
    DraftFacts,
    MaintenanceFacts,
    ProductNames,
    component_statuses_for,
    default_channels,
    draft_maintenance_notice,
    draft_notice,
    next_update_time,
    public_status_for,
)
from hikeshi.comms.rules import NoticeKind

BOOKING = ProductNames(3, "Web 予約", "Web booking")
IPAD = ProductNames(1, "予約台帳アプリ (iPad)", "Reservation ledger (iPad)")
SMS = ProductNames(6, "SMS 送信", "SMS delivery")
STARTED = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)  # 19:05 in Tokyo


def facts(**changes: object) -> DraftFacts:
    base = DraftFacts(
        kind=NoticeKind.FIRST,
        incident_status="investigating",
        severity="SEV2",
        affected=(BOOKING,),
        unaffected=(IPAD, SMS),
        since=STARTED,
        resolved_at=None,
        web_booking_affected=True,
        partners_affected=False,
        region_codes=(),
        next_update_at=datetime(2026, 12, 1, 11, 30, tzinfo=UTC),
        product_ids=(3,),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_first_notice_names_what_is_broken_and_what_is_not_in_polite_japanese() -> None:
    draft = draft_notice(facts())
    assert draft.title_ja == "【障害】Web 予約がご利用いただけない状況について"
    body = draft.body_ja
    assert "2026年12月1日 19:05ごろより、Web 予約がご利用いただけない" in body
    assert "深くお詫び申し上げます" in body
    assert "■ 影響のあるサービス：Web 予約" in body
    assert "■ 影響のないサービス：予約台帳アプリ (iPad)、SMS 送信" in body
    assert "■ ネット予約をご利用のお客様：現在、ご予約いただけない場合がございます" in body
    assert "■ 現在の状況：原因を調査しております。" in body
    assert "■ 次回のご報告：2026年12月1日 20:30ごろまでにお知らせいたします" in body


def test_first_notice_in_plain_english_names_the_time_zone() -> None:
    draft = draft_notice(facts(incident_status="identified"))
    assert draft.title_en == "Service disruption: Web booking"
    body = draft.body_en
    assert "Since 2026-12-01 19:05 (JST), Web booking cannot be used" in body
    assert "- Not affected: Reservation ledger (iPad), SMS delivery" in body
    assert "We have identified the cause and are working on a fix." in body
    assert "- Next update: by 2026-12-01 20:30 (JST)" in body
    assert "apologise" in body


def test_diners_unaffected_and_regions_are_said_plainly() -> None:
    draft = draft_notice(facts(web_booking_affected=False, region_codes=("overseas",)))
    assert "■ ネット予約をご利用のお客様：影響はございません" in draft.body_ja
    assert "■ 対象の店舗：海外" in draft.body_ja
    assert "- Stores affected: Overseas" in draft.body_en


def test_resolved_notice_says_since_when_and_that_it_is_over() -> None:
    resolved = datetime(2026, 12, 1, 11, 2, tzinfo=UTC)
    draft = draft_notice(facts(kind=NoticeKind.RESOLVED, incident_status="resolved", resolved_at=resolved))
    assert draft.title_ja == "【復旧】Web 予約の障害は復旧いたしました"
    assert "2026年12月1日 19:05ごろより発生しておりましたWeb 予約の障害は、2026年12月1日 20:02に復旧" in (
        draft.body_ja
    )
    assert "現在は通常どおりご利用いただけます。" in draft.body_ja
    assert "■ 復旧日時：2026年12月1日 20:02" in draft.body_ja
    assert "was resolved at 2026-12-01 20:02 (JST)" in draft.body_en
    assert "次回のご報告" not in draft.body_ja
    assert draft.public_status == "resolved"
    assert draft.component_statuses == {"3": "operational"}


def test_a_first_notice_of_an_incident_already_resolved_says_so() -> None:
    resolved = datetime(2026, 12, 1, 10, 40, tzinfo=UTC)
    draft = draft_notice(facts(incident_status="resolved", resolved_at=resolved))
    assert draft.title_en.startswith("Resolved:")
    assert "復旧いたしました" in draft.body_ja
    assert draft.public_status == "resolved"
    assert "calls" in draft.channels  # still a first notice: the call list is made


def test_update_notice_refers_to_the_earlier_notice() -> None:
    draft = draft_notice(facts(kind=NoticeKind.UPDATE, incident_status="monitoring"))
    assert draft.title_ja.startswith("【続報】")
    assert "続報をお知らせいたします" in draft.body_ja
    assert "監視" not in draft.body_ja
    assert "経過を確認しております" in draft.body_ja
    assert "calls" not in draft.channels


@pytest.mark.parametrize(
    ("severity", "impact", "component"),
    [
        ("SEV1", "critical", "major_outage"),
        ("SEV2", "major", "partial_outage"),
        ("SEV3", "minor", "degraded_performance"),
    ],
)
def test_severity_sets_impact_and_component_status(severity: str, impact: str, component: str) -> None:
    draft = draft_notice(facts(severity=severity, affected=(BOOKING, IPAD), product_ids=(1, 3)))
    assert draft.impact == impact
    assert draft.component_statuses == {"3": component, "1": component}
    assert draft.product_ids == [1, 3]


def test_public_status_follows_the_incident_and_triage_is_investigating() -> None:
    assert [public_status_for(s) for s in ("triage", "investigating", "identified", "monitoring")] == [
        "investigating",
        "investigating",
        "identified",
        "monitoring",
    ]
    assert component_statuses_for([3], severity="SEV1", resolved=True) == {"3": "operational"}


def test_channels_partners_only_when_affected_calls_only_for_first_notices() -> None:
    assert default_channels(NoticeKind.FIRST, partners_affected=False) == [
        "status_page",
        "in_app",
        "email",
        "calls",
    ]
    assert default_channels(NoticeKind.UPDATE, partners_affected=True) == [
        "status_page",
        "in_app",
        "email",
        "partners",
    ]
    assert "calls" not in default_channels(NoticeKind.RESOLVED, partners_affected=True)


def test_no_customer_facing_product_reads_as_some_of_our_services() -> None:
    draft = draft_notice(facts(affected=(), product_ids=(9,)))
    assert "一部のサービス" in draft.title_ja
    assert "some of our services" in draft.title_en
    assert draft.product_ids == [9]
    assert draft.component_statuses == {}


def test_next_update_is_an_hour_ahead_on_the_next_half_hour() -> None:
    assert next_update_time(datetime(2026, 12, 1, 10, 5, tzinfo=UTC)) == datetime(
        2026, 12, 1, 11, 30, tzinfo=UTC
    )
    assert next_update_time(datetime(2026, 12, 1, 10, 30, tzinfo=UTC)) == datetime(
        2026, 12, 1, 11, 30, tzinfo=UTC
    )
    assert next_update_time(datetime(2026, 12, 1, 10, 30, 1, tzinfo=UTC)) == datetime(
        2026, 12, 1, 12, 0, tzinfo=UTC
    )


def test_maintenance_notice_uses_the_maintenance_texts() -> None:
    draft = draft_maintenance_notice(
        MaintenanceFacts(
            title_ja="定期メンテナンス",
            title_en="Scheduled maintenance",
            body_ja="",
            body_en="Web booking pauses.",
            status="in_progress",
            product_ids=(3,),
            region_codes=(),
        )
    )
    assert (draft.title_ja, draft.body_ja, draft.body_en) == (
        "定期メンテナンス",
        "定期メンテナンス",
        "Web booking pauses.",
    )
    assert draft.component_statuses == {"3": "under_maintenance"}
    assert draft.public_status == "in_progress"
