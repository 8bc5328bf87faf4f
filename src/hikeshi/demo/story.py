"""The demo's past: last week's SMS outage with its notices and published postmortem, and next week's
announced maintenance."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.comms import maintenance as comms_maintenance
from hikeshi.comms import notices as comms_notices
from hikeshi.comms import publishing as comms_publishing
from hikeshi.comms.schemas import NoticeUpdate
from hikeshi.core.timezones import DEFAULT_TIMEZONE, to_zone
from hikeshi.incidents import service as incident_service
from hikeshi.incidents import work as incident_work
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.postmortems import service as postmortems
from hikeshi.postmortems.action_items import set_action_item_status
from hikeshi.postmortems.rules import ActionItemStatus
from hikeshi.postmortems.schemas import PostmortemUpdate


def load_demo_incidents(*, session: Session, ids: dict[str, int], now: datetime) -> int:
    """Last week's SMS outage, declared, worked on and resolved: a war room with a whole story."""
    start = now - timedelta(days=3, hours=5)
    new = IncidentCreate(
        title="予約確認の SMS が送信されない",
        severity="SEV2",
        products=["sms"],
        started_at=start,
        detected_at=start + timedelta(minutes=6),
        commander_id=ids["sato"],
        comms_lead_id=ids["tanaka"],
        declare=True,
    )
    incident = incident_service.declare_incident(
        session=session, new=new, by=ids["sato"], now=start + timedelta(minutes=10)
    )
    number = incident.number
    incident_work.add_note(
        session=session,
        number=number,
        text="SMS 送信事業者の API が 401 を返している。認証キーの期限切れの可能性。",
        by=ids["sato"],
        now=start + timedelta(minutes=18),
    )
    incident_service.change_status(
        session=session, number=number, status="identified", by=ids["sato"], now=start + timedelta(minutes=25)
    )
    _publish_demo_notice(session, incident.id, "first", by=ids["tanaka"], now=start + timedelta(minutes=40))
    incident_work.add_recovery_action(
        session=session,
        number=number,
        kind="hotfix",
        description="新しい認証キーを設定したホットフィックスを本番にデプロイ",
        performed_by_id=ids["suzuki"],
        performed_at=start + timedelta(minutes=52),
        by=ids["suzuki"],
        now=start + timedelta(minutes=55),
    )
    for task in incident_work.list_tasks(session=session, incident_id=incident.id):
        incident_work.set_task_done(
            session=session,
            number=number,
            task_id=task.id,
            done=True,
            by=task.owner_id or ids["ito"],
            now=start + timedelta(minutes=60),
        )
    incident_service.change_status(
        session=session, number=number, status="resolved", by=ids["sato"], now=start + timedelta(minutes=80)
    )
    recovered_at = start + timedelta(minutes=85)
    _publish_demo_notice(session, incident.id, "resolved", by=ids["tanaka"], now=recovered_at)
    return incident.id


def load_demo_postmortem(
    *, session: Session, ids: dict[str, int], incident_id: int, now: datetime, base_url: str
) -> None:
    """The SMS outage's postmortem: written by the commander, reviewed and published a day later, with
    three prevention measures (one done already)."""
    written_at = now - timedelta(days=2)
    postmortem = postmortems.open_postmortem(session=session, incident_id=incident_id, now=written_at)
    changes = PostmortemUpdate(
        cause_ja=(
            "SMS 送信事業者の API 認証キーに 1 年の有効期限があり、更新の手順も期限の監視もなかった。"
            "期限切れ後の送信はすべて 401 で失敗し、送信ジョブは失敗を記録するだけで通知しなかった。"
        ),
        cause_en=(
            "The SMS provider's API key expires after a year, and nobody owned its renewal or watched the "
            "date. After it expired every send failed with 401, and the send job only logged the failures."
        ),
        prevention_ja="認証キーの期限を監視し、送信失敗率にアラートを設定する。更新手順を文書にする。",
        prevention_en="Watch the key's expiry, alert on the send failure rate, and write down the renewal.",
    )
    postmortems.update_postmortem(
        session=session, postmortem_id=postmortem.id, changes=changes, by=ids["sato"], now=written_at
    )
    measures = (
        ("SMS 送信失敗率が 5% を超えたらアラートを上げる", "sato", 5),
        ("外部 API キーの有効期限を 30 日前に通知するハートビートを追加", "suzuki", 12),
        ("SMS 事業者のキー更新手順を運用手順書に追加", "takahashi", -1),
    )
    items = [
        postmortems.add_action_item(
            session=session,
            postmortem_id=postmortem.id,
            title=title,
            due_on=(now + timedelta(days=days)).date(),
            owner_id=ids[owner],
            by=ids["sato"],
            now=written_at,
        )
        for title, owner, days in measures
    ]
    postmortems.submit_postmortem(
        session=session, postmortem_id=postmortem.id, by=ids["sato"], now=written_at
    )
    reviewer = accounts.get_user(session=session, user_id=ids["takahashi"])
    postmortems.publish_postmortem(
        session=session,
        postmortem_id=postmortem.id,
        by=reviewer,
        now=now - timedelta(days=1),
        url=f"{base_url}/postmortems/{postmortem.id}",
    )
    set_action_item_status(
        session=session,
        item_id=items[2].id,
        status=ActionItemStatus.DONE,
        user_id=ids["takahashi"],
        now=now - timedelta(hours=20),
    )


def _publish_demo_notice(session: Session, incident_id: int, kind: str, *, by: int, now: datetime) -> None:
    """A notice drafted from the incident and approved by the support lead: on the status page and in
    the app only, so the demo sends no email and makes no calls."""
    notice = comms_notices.create_notice(
        session=session,
        incident_id=incident_id,
        maintenance_id=None,
        kind=kind,
        by=by,
        now=now,
        channels=["status_page", "in_app"],
    )
    comms_publishing.publish_notice(
        session=session, notice_id=notice.id, by=by, now=now, base_url="", open_hours="11:00-23:00"
    )


def load_demo_maintenance(*, session: Session, ids: dict[str, int], now: datetime) -> None:
    """Next week's server move of the ledger app, 02:00-04:00 in Japan, its advance notice published
    (status page and app only, so the demo sends no email)."""
    night = (to_zone(now, DEFAULT_TIMEZONE) + timedelta(days=7)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    planned = comms_maintenance.schedule_maintenance(
        session=session,
        fields=comms_maintenance.MaintenanceFields(
            title_ja="予約台帳アプリのサーバー移行",
            title_en="Reservation ledger server move",
            body_ja=(
                "移行の間、予約台帳アプリは閲覧のみとなります。"
                "新しい予約はオフラインで記録され、移行後に同期されます。"
            ),
            body_en=(
                "During the move the ledger app is read-only. "
                "New bookings are kept offline and synced afterwards."
            ),
            products=["ipad-app"],
            scheduled_for=night,
            scheduled_until=night + timedelta(hours=2),
        ),
        by=ids["sato"],
        now=now,
    )
    [announcement] = comms_maintenance.maintenance_notices(session=session, maintenance_id=planned.id)
    comms_notices.update_notice(
        session=session,
        notice_id=announcement.id,
        changes=NoticeUpdate(channels=["status_page", "in_app"]),
        by=ids["tanaka"],
        now=now,
    )
    comms_publishing.publish_notice(
        session=session,
        notice_id=announcement.id,
        by=ids["tanaka"],
        now=now,
        base_url="",
        open_hours="11:00-23:00",
    )
