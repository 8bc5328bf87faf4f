"""The demo's monitoring: integrations of several kinds with a few days of alerts (groups open,
acknowledged and resolved), the pages they and a support agent started, a heartbeat and a maintenance
window, and the alert an engineer is looking into right now (an incident in triage).

The history is written through the alerts and on-call services at its own times. The monitoring
integrations get their escalation policy only after it, so the past leaves no chat post or notification
waiting in the outbox: a server started on the demo sends nothing it did not do itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.alerts import groups as alert_groups
from hikeshi.alerts import heartbeats, integrations
from hikeshi.alerts import maintenance as alert_maintenance
from hikeshi.alerts import service as alerts
from hikeshi.alerts.heartbeats_rules import PingKind
from hikeshi.alerts.models import Integration
from hikeshi.alerts.normalized import Action, NormalizedAlert, Severity
from hikeshi.alerts.notify import PAGE_SOURCE, Context
from hikeshi.core.timezones import DEFAULT_TIMEZONE, to_zone
from hikeshi.incidents import service as incident_service
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.oncall import paging

DEMO_INTEGRATIONS = (
    # (name, kind, product)
    ("Prometheus (本番)", "alertmanager", None),
    ("Grafana Web 予約ダッシュボード", "grafana", "web-booking"),
    ("Sentry 予約台帳アプリ", "sentry", "ipad-app"),
    ("Mackerel サーバー監視", "mackerel", None),
    ("Datadog パートナー API", "datadog", "partner-api"),
)
QUIET = Context(language="ja", base_url="")


@dataclass(frozen=True, slots=True)
class Past:
    """One alert of the history: when it fired, how often it repeated, and who ended it."""

    integration: int  # index in DEMO_INTEGRATIONS
    dedup_key: str
    name: str
    summary: str
    severity: Severity
    source: str
    ago: timedelta
    repeats: int = 0
    acknowledged_by: str | None = None
    resolved_by: str | None = None  # "source": the monitoring tool said it recovered
    lasted: timedelta = timedelta(minutes=30)
    product: str | None = None


HISTORY = (
    Past(0, "sms-failure-rate", "SMSDeliveryFailureRate", "SMS 送信の失敗率が 100% です",
         Severity.CRITICAL, "sms-sender", timedelta(days=3, hours=4, minutes=56), repeats=8,
         acknowledged_by="sato", resolved_by="source", lasted=timedelta(minutes=75), product="sms"),
    Past(3, "db-2/cpu", "CPU %", "db-2 の CPU 使用率が 90% を超えました", Severity.WARNING, "db-2",
         timedelta(days=2, hours=7), repeats=3, resolved_by="source", lasted=timedelta(minutes=18)),
    Past(2, "sentry-4471", "TypeError in ReservationSync", "TypeError: 予約の同期で undefined を参照",
         Severity.ERROR, "ipad-app@5.12.0", timedelta(days=1, hours=9), repeats=14,
         acknowledged_by="suzuki", resolved_by="suzuki", lasted=timedelta(hours=3)),
    Past(4, "partner-api/5xx", "Partner API 5xx", "パートナー API の 5xx 応答が 2% を超えました",
         Severity.CRITICAL, "partner-api", timedelta(hours=20), repeats=2, acknowledged_by="emily",
         resolved_by="source", lasted=timedelta(minutes=22)),
    Past(1, "web-booking/p99", "Web 予約 API 応答時間", "Web 予約 API の p99 応答時間が 2 秒を超えています",
         Severity.CRITICAL, "web-booking-api", timedelta(minutes=35), repeats=4, acknowledged_by="takahashi"),
    Past(0, "store-web-3/memory", "HighMemoryUsage", "store-web-3 のメモリ使用率が 85% を超えています",
         Severity.WARNING, "store-web-3", timedelta(minutes=50), repeats=6),
    Past(3, "fax-gw/queue", "FAX キュー滞留", "FAX 送信キューに 200 件以上が滞留しています",
         Severity.ERROR, "fax-gateway", timedelta(minutes=12)),
)  # fmt: skip


def load_demo_monitoring(*, session: Session, ids: dict[str, int], now: datetime, policy_id: int) -> None:
    made: list[Integration] = []
    for name, kind, product in DEMO_INTEGRATIONS:
        integration, _ = integrations.create_integration(
            session=session, name=name, kind=kind, product_slug=product, now=now
        )
        made.append(integration)
    # Inquiries that look like a bug, and bursts of inquiries, post to #support.
    integrations.create_integration(
        session=session, name="サポート問い合わせ", kind="support", chat_channel="#support", now=now
    )
    group_ids = [_replay(session, made[past.integration], past, ids, now) for past in HISTORY]
    incident_service.link_alert_group(
        session=session, number=1, group_id=group_ids[0], by=ids["sato"], now=now - HISTORY[0].ago
    )
    _page_history(session, ids, policy_id=policy_id, group_id=group_ids[0], now=now)
    _in_triage(session, ids, policy_id=policy_id, group_id=group_ids[4], now=now)
    for integration in made:
        integrations.set_paging(
            session=session, integration_id=integration.id, escalation_policy_id=policy_id
        )
    _heartbeat(session, now)
    # Alerts stay quiet during next week's server move (announced to customers by load_demo_maintenance).
    night = (to_zone(now, DEFAULT_TIMEZONE) + timedelta(days=7)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    alert_maintenance.create_window(
        session=session,
        starts_at=night,
        ends_at=night + timedelta(hours=2),
        reason="予約台帳アプリのサーバー移行",
        product_slugs=["ipad-app"],
        created_by_id=ids["sato"],
        now=now,
    )


def _in_triage(
    session: Session, ids: dict[str, int], *, policy_id: int, group_id: int, now: datetime
) -> None:
    """The slow web booking alert paged the on-call engineer, who took it and is finding out whether
    customers notice: an incident in triage, not yet declared (so nothing public, no notice drafted)."""
    slow = HISTORY[4]
    page = paging.start_page(
        session=session,
        title=slow.summary,
        urgency="high",
        policy_id=policy_id,
        source_kind=PAGE_SOURCE,
        source_id=group_id,
        now=now - slow.ago,
    )
    taken = now - slow.ago + slow.lasted / (slow.repeats + 2)
    paging.acknowledge_page(
        session=session, page_id=page.id, user_id=ids["takahashi"], now=taken, tell_source=False
    )
    incident_service.declare_incident(
        session=session,
        new=IncidentCreate(
            title="Web 予約の応答が遅い",
            severity="SEV3",
            alert_group_ids=[group_id],
            commander_id=ids["takahashi"],
        ),
        by=ids["takahashi"],
        now=now - timedelta(minutes=28),
    )


def _replay(
    session: Session, integration: Integration, past: Past, ids: dict[str, int], now: datetime
) -> int:
    """The alert as its tool sent it, its repeats, then its acknowledgement and recovery; the group's id."""
    fired = now - past.ago
    step = past.lasted / (past.repeats + 2)
    alert = NormalizedAlert(
        action=Action.TRIGGER,
        summary=past.summary,
        severity=past.severity,
        dedup_key=past.dedup_key,
        source=past.source,
        name=past.name,
        product=past.product,
    )
    [opened] = alerts.ingest(
        session=session, integration=integration, alerts=[alert], raw={}, now=fired, context=QUIET
    )
    group_id = opened.group_id
    assert group_id is not None  # an alert that opened has its group
    for repeat in range(1, past.repeats + 1):
        alerts.ingest(
            session=session,
            integration=integration,
            alerts=[alert],
            raw={},
            now=fired + step * repeat,
            context=QUIET,
        )
    if past.acknowledged_by:
        alert_groups.acknowledge_group(
            session=session, group_id=group_id, user_id=ids[past.acknowledged_by], now=fired + step
        )
    ended = fired + past.lasted
    if past.resolved_by == "source":
        recovered = NormalizedAlert(
            action=Action.RESOLVE, summary=past.summary, severity=past.severity, dedup_key=past.dedup_key
        )
        alerts.ingest(
            session=session, integration=integration, alerts=[recovered], raw={}, now=ended, context=QUIET
        )
    elif past.resolved_by:
        alert_groups.resolve_group(
            session=session, group_id=group_id, user_id=ids[past.resolved_by], now=ended
        )
    return group_id


def _page_history(
    session: Session, ids: dict[str, int], *, policy_id: int, group_id: int, now: datetime
) -> None:
    """The SMS outage's alert paged the on-call engineer; a day later support paged the team by hand."""
    sms = HISTORY[0]
    fired = now - sms.ago
    page = paging.start_page(
        session=session,
        title=sms.summary,
        urgency="high",
        policy_id=policy_id,
        source_kind=PAGE_SOURCE,
        source_id=group_id,
        now=fired,
    )
    paging.acknowledge_page(
        session=session,
        page_id=page.id,
        user_id=ids["sato"],
        now=fired + timedelta(minutes=3),
        tell_source=False,
    )
    paging.resolve_page(
        session=session, page_id=page.id, user_id=None, now=fired + sms.lasted, tell_source=False
    )
    asked = now - timedelta(days=1, hours=2)
    manual = paging.start_page(
        session=session,
        title="FAX が届かないとの問い合わせが 3 件",
        message="博多と那覇の店舗から。送信履歴では成功になっています。",
        urgency="high",
        policy_id=policy_id,
        requested_by_id=ids["tanaka"],
        now=asked,
    )
    paging.acknowledge_page(
        session=session, page_id=manual.id, user_id=ids["suzuki"], now=asked + timedelta(minutes=2)
    )
    paging.resolve_page(
        session=session, page_id=manual.id, user_id=ids["suzuki"], now=asked + timedelta(minutes=48)
    )


def _heartbeat(session: Session, now: datetime) -> None:
    """The nightly backup pings when it has finished; it did so this morning."""
    backup, _ = heartbeats.create_heartbeat(
        session=session,
        name="夜間バックアップ",
        cron="0 3 * * *",
        timezone="Asia/Tokyo",
        grace_seconds=3600,
        default_timezone="Asia/Tokyo",
        product_slug="ipad-app",
        now=now - timedelta(days=30),
    )
    tokyo = to_zone(now, "Asia/Tokyo")
    ran = tokyo.replace(hour=3, minute=0, second=0, microsecond=0)
    ran -= timedelta(days=0 if tokyo.hour >= 4 else 1)
    heartbeats.record_ping(
        session=session, heartbeat=backup, kind=PingKind.START, body="", now=ran, context=QUIET
    )
    done = ran + timedelta(minutes=23)
    heartbeats.record_ping(
        session=session, heartbeat=backup, kind=PingKind.SUCCESS, body="OK 41.2 GB", now=done, context=QUIET
    )
