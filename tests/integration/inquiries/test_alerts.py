"""Inquiries that reach engineers: "looks like a bug" at once, and a burst as one alert."""

from __future__ import annotations

from datetime import timedelta

from hikeshi.alerts import groups
from hikeshi.bootstrap import Container
from hikeshi.inquiries import service
from hikeshi.jobs.worker import Worker
from tests.integration.delivery.conftest import Fakes
from tests.integration.inquiries.conftest import SUPPORT_CHANNEL, Log
from tests.support.clock import FrozenClock


def _groups(container: Container) -> list[groups.AlertGroup]:
    with container.sessions() as db:
        return groups.list_groups(session=db, status="open")


def test_ten_inquiries_in_five_minutes_about_web_booking_raise_exactly_one_alert_counting_ten(
    supporting: Container, support_integration: int, log: Log, worker: Worker, fakes: Fakes
) -> None:
    logged = [log(f"Web予約ができない (店舗 {n})", after=30) for n in range(1, 11)]  # 10 in 4.5 minutes
    assert [inquiry.burst_id is not None for inquiry in logged] == [False] * 4 + [True] * 6
    [group] = _groups(supporting)
    with supporting.sessions() as db:
        [alert] = groups.group_alerts(session=db, group_id=group.id)
    assert alert.count == 10
    assert (group.alert_count, group.integration_id, group.severity) == (1, support_integration, "error")
    assert "Web 予約" in group.title
    with supporting.sessions() as db:
        stored = service.list_inquiries(session=db, product_slug="web-booking").inquiries
    assert len(stored) == 10
    assert {inquiry.alert_group_id for inquiry in stored} == {group.id}  # all ten are triaged there
    assert len({inquiry.burst_id for inquiry in stored}) == 1
    worker.run_once()
    [posted] = fakes.chat.in_channel(SUPPORT_CHANNEL)  # one chat post, not ten
    assert "Web 予約" in posted.current_text


def test_four_inquiries_are_no_burst_and_a_quiet_gap_starts_afresh(
    supporting: Container, support_integration: int, log: Log, clock: FrozenClock
) -> None:
    for n in range(4):
        log(f"SMSが届かない {n}", product="sms", after=60)
    assert _groups(supporting) == []
    clock.advance(timedelta(minutes=11))  # the window has passed: those four no longer count
    log("SMSが届かない 5", product="sms")
    assert _groups(supporting) == []
    for n in range(4):
        log(f"SMSが届かない again {n}", product="sms", after=10)
    [group] = _groups(supporting)
    with supporting.sessions() as db:
        [alert] = groups.group_alerts(session=db, group_id=group.id)
    assert alert.count == 5


def test_a_later_burst_about_the_same_product_is_a_new_alert(
    supporting: Container, support_integration: int, log: Log, clock: FrozenClock
) -> None:
    for n in range(6):
        log(f"FAXが送れない {n}", product="fax", after=20)
    clock.advance(timedelta(minutes=30))
    for n in range(5):
        log(f"FAXが送れない 再発 {n}", product="fax", after=20)
    with supporting.sessions() as db:
        found = groups.list_alerts(session=db)
    assert sorted(alert.count for alert in found) == [5, 6]


def test_looks_like_a_bug_raises_a_critical_alert_at_once_and_it_is_the_triage_item(
    supporting: Container, support_integration: int, log: Log, worker: Worker, fakes: Fakes
) -> None:
    inquiry = log("予約確定メールが二重に送られているようです", product="email", bug=True)
    [group] = _groups(supporting)
    assert inquiry.alert_group_id == group.id
    assert group.severity == "critical"
    assert group.title.startswith(f"お問い合わせ #{inquiry.id} は不具合の可能性 (メール配信)")
    with supporting.sessions() as db:
        [alert] = groups.group_alerts(session=db, group_id=group.id)
        assert alert.details["body"] == "予約確定メールが二重に送られているようです"
        assert alert.links == [
            {"href": f"https://hikeshi.example.jp/inquiries/{inquiry.id}", "text": f"#{inquiry.id}"}
        ]
    worker.run_once()
    assert len(fakes.chat.in_channel(SUPPORT_CHANNEL)) == 1


def test_without_a_support_integration_one_is_made_so_nothing_is_lost(
    supporting: Container, log: Log
) -> None:
    from hikeshi.alerts import integrations

    log("アプリが起動しない", product="ipad-app", bug=True)
    with supporting.sessions() as db:
        [made] = [i for i in integrations.list_integrations(session=db) if i.kind == "support"]
    assert made.name == "Support inquiries"
    [group] = _groups(supporting)
    assert group.integration_id == made.id
