"""The demo company of `hikeshi init --demo`: a restaurant-reservation SaaS and the people who run it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.alerts import integrations
from hikeshi.catalog import partners as catalog_partners
from hikeshi.catalog import service as catalog
from hikeshi.catalog.service import list_products
from hikeshi.comms import maintenance as comms_maintenance
from hikeshi.comms import notices as comms_notices
from hikeshi.comms import publishing as comms_publishing
from hikeshi.comms.schemas import NoticeUpdate
from hikeshi.core.timezones import DEFAULT_TIMEZONE, to_zone
from hikeshi.incidents import service as incident_service
from hikeshi.incidents import work as incident_work
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.oncall import editing as oncall
from hikeshi.oncall import escalation, rules
from hikeshi.oncall.paging_rules import StepInput, TargetType
from hikeshi.oncall.service import find_schedule
from hikeshi.postmortems import service as postmortems
from hikeshi.postmortems.action_items import set_action_item_status
from hikeshi.postmortems.rules import ActionItemStatus
from hikeshi.postmortems.schemas import PostmortemUpdate

DEMO_ADMIN_EMAIL = "admin@demo.hikeshi.jp"
# Known on purpose, for exploring on a laptop; `init --demo` refuses to run in production.
DEMO_PASSWORD = "hikeshi-demo"  # noqa: S105


@dataclass(frozen=True, slots=True)
class DemoPerson:
    email: str
    name: str
    role: str
    phone: str | None = None
    slack: str | None = None
    timezone: str = "Asia/Tokyo"
    language: str = "ja"


PEOPLE = (
    DemoPerson(DEMO_ADMIN_EMAIL, "管理者 太郎", "admin"),
    DemoPerson("sato@demo.hikeshi.jp", "佐藤 健", "engineer", "+819011110001", "U0DEMO0001"),
    DemoPerson("suzuki@demo.hikeshi.jp", "鈴木 美咲", "engineer", "+819011110002", "U0DEMO0002"),
    DemoPerson("takahashi@demo.hikeshi.jp", "高橋 翔", "engineer", "+819011110003", "U0DEMO0003"),
    DemoPerson(
        "emily@demo.hikeshi.jp",
        "Emily Clark",
        "engineer",
        "+14155550104",
        "U0DEMO0004",
        timezone="America/Los_Angeles",
        language="en",
    ),
    DemoPerson("tanaka@demo.hikeshi.jp", "田中 由美", "support", "+819011110005"),
    DemoPerson("ito@demo.hikeshi.jp", "伊藤 結衣", "support", "+819011110006"),
    DemoPerson("watanabe@demo.hikeshi.jp", "渡辺 大輔", "sales", "+819011110007"),
    DemoPerson("yamamoto@demo.hikeshi.jp", "山本 彩", "sales", "+819011110008"),
    DemoPerson("nakamura@demo.hikeshi.jp", "中村 陽太", "viewer"),
)
TEAMS = (
    (
        "platform",
        "プラットフォーム",
        "予約台帳アプリと Web 予約の開発・運用",
        ("sato", "suzuki", "takahashi", "emily"),
        "sato",
    ),
    ("support", "カスタマーサポート", "飲食店からのお問い合わせ対応", ("tanaka", "ito"), "tanaka"),
    ("sales", "営業", "担当店舗への連絡", ("watanabe", "yamamoto"), "watanabe"),
)


def load_demo(*, session: Session, now: datetime, base_url: str = "") -> bool:
    """Load the demo company once; False when it is already there. `base_url`: links in the postmortem."""
    if accounts.find_user_by_email(session=session, email=DEMO_ADMIN_EMAIL) is not None:
        return False
    ids: dict[str, int] = {}
    for person in PEOPLE:
        user = accounts.create_user(
            session=session,
            email=person.email,
            name=person.name,
            role=person.role,
            password=DEMO_PASSWORD,
            timezone=person.timezone,
            language=person.language,
            now=now,
        )
        ids[person.email.split("@")[0]] = user.id
        accounts.add_contact_method(
            session=session, user_id=user.id, kind="email", address=person.email, now=now
        )
        if person.phone:
            for kind in ("sms", "voice"):
                accounts.add_contact_method(
                    session=session, user_id=user.id, kind=kind, address=person.phone, now=now
                )
        if person.slack:
            accounts.add_contact_method(
                session=session, user_id=user.id, kind="slack", address=person.slack, now=now
            )
    for slug, name, description, members, lead in TEAMS:
        team = accounts.create_team(session=session, slug=slug, name=name, description=description, now=now)
        accounts.set_team_members(
            session=session,
            team_id=team.id,
            user_ids=[ids[m] for m in members],
            lead_ids=[ids[lead]],
        )
    load_demo_catalog(session=session, ids=ids, now=now)
    load_demo_oncall(session=session, ids=ids, now=now)
    load_demo_paging(session=session, ids=ids, now=now)
    incident_id = load_demo_incidents(session=session, ids=ids, now=now)
    load_demo_postmortem(session=session, ids=ids, incident_id=incident_id, now=now, base_url=base_url)
    load_demo_maintenance(session=session, ids=ids, now=now)
    return True


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


def load_demo_oncall(*, session: Session, ids: dict[str, int], now: datetime) -> None:
    """The platform team's schedule: a weekly Tokyo rotation handing off on Mondays at 10:00, and Emily
    in Los Angeles covering Tokyo's weekday small hours during her own working day (follow the sun)."""
    platform = next(team for team in accounts.list_teams(session=session) if team.slug == "platform")
    tokyo_today = rules.local_wall(now, "Asia/Tokyo").date()
    schedule = oncall.create_schedule(
        session=session,
        name="プラットフォーム オンコール",
        timezone="Asia/Tokyo",
        description="予約台帳アプリと Web 予約の一次対応",
        team_id=platform.id,
        now=now,
    )
    weekly = oncall.RotationInput(
        name="一次対応 (週替わり)",
        kind="weekly",
        timezone="Asia/Tokyo",
        start_date=tokyo_today - timedelta(days=tokyo_today.weekday() + 7),
        handoff_time="10:00",
        member_ids=[ids["sato"], ids["suzuki"], ids["takahashi"]],
    )
    oncall.create_rotation(session=session, schedule_id=schedule.id, given=weekly, now=now)
    la_today = rules.local_wall(now, "America/Los_Angeles").date()
    follow_the_sun = oncall.RotationInput(
        name="深夜帯 (米国西海岸の日中)",
        kind="daily",
        timezone="America/Los_Angeles",
        start_date=la_today - timedelta(days=7),
        handoff_time="09:00",
        member_ids=[ids["emily"]],
        restrictions=["mon-fri 09:00-17:00"],
    )
    oncall.create_rotation(session=session, schedule_id=schedule.id, given=follow_the_sun, now=now)


DEMO_POLICY = "プラットフォーム エスカレーション"


def load_demo_paging(*, session: Session, ids: dict[str, int], now: datetime) -> None:
    """Whoever is on call first, the team lead after five minutes, twice over; and each engineer's own
    notification rules: Slack at once, SMS after a minute, a call after three (email for low urgency)."""
    platform = next(team for team in accounts.list_teams(session=session) if team.slug == "platform")
    schedule = find_schedule(session=session, name_or_id="プラットフォーム オンコール")
    escalation.create_policy(
        session=session,
        policy=escalation.PolicyInput(
            name=DEMO_POLICY,
            description="まずオンコール担当へ、応答がなければチームリーダーへ",
            steps=[
                StepInput(delay_minutes=5, targets=((TargetType.SCHEDULE, schedule.id),)),
                StepInput(delay_minutes=10, targets=((TargetType.USER, ids["sato"]),)),
            ],
            repeat_count=2,
            team_id=platform.id,
            product_slugs=[product.slug for product in list_products(session=session)],
        ),
        now=now,
    )
    plans = {
        "high": {"slack": 0, "sms": 1, "voice": 3},
        "low": {"slack": 0, "email": 5},
    }
    for name in ("sato", "suzuki", "takahashi", "emily"):
        methods = accounts.get_user(session=session, user_id=ids[name]).contact_methods
        for urgency, delays in plans.items():
            rules_ = [
                escalation.RuleInput(contact_method_id=method.id, delay_minutes=delays[method.kind])
                for method in methods
                if method.kind in delays
            ]
            escalation.set_notification_rules(
                session=session, user_id=ids[name], urgency=urgency, rules=rules_, now=now
            )


DEMO_PRODUCTS = (
    ("ipad-app", "予約台帳アプリ (iPad)", "Reservation ledger (iPad app)"),
    ("store-web", "店舗向け Web アプリ", "Store web app"),
    ("web-booking", "Web 予約", "Web booking"),
    ("email", "メール配信", "Email delivery"),
    ("fax", "FAX 送信", "FAX delivery"),
    ("sms", "SMS 送信", "SMS delivery"),
    ("partner-api", "パートナー API", "Partner API"),
)
# (city, time zone, region) and shop names the demo stores are made of: 40 in Japan, 10 abroad.
DEMO_CITIES_JP = ("銀座", "新宿", "渋谷", "梅田", "難波", "博多", "札幌", "仙台", "名古屋", "那覇")
DEMO_SHOPS_JP = ("鮨 はなぶさ", "焼肉 みやび", "割烹 こはる", "ビストロ ソレイユ")
DEMO_CITIES_ABROAD = (
    ("Los Angeles", "America/Los_Angeles"),
    ("New York", "America/New_York"),
    ("Honolulu", "Pacific/Honolulu"),
    ("Singapore", "Asia/Singapore"),
    ("Paris", "Europe/Paris"),
)
DEMO_SHOPS_ABROAD = ("Sushi Hanabusa", "Yakiniku Miyabi")


def load_demo_catalog(*, session: Session, ids: dict[str, int], now: datetime) -> None:
    """The products, 50 stores in Japan and abroad (each with the products it uses and its accounts),
    two API partners, and the integration support inquiries raise alerts on."""
    for position, (slug, name_ja, name_en) in enumerate(DEMO_PRODUCTS):
        catalog.create_product(
            session=session, slug=slug, name_ja=name_ja, name_en=name_en, position=position, now=now
        )
    sales = (ids["watanabe"], ids["yamamoto"])
    number = 0
    for city in DEMO_CITIES_JP:
        for shop in DEMO_SHOPS_JP:
            number += 1
            _demo_store(session, number, f"{shop} {city}店", "jp", "Asia/Tokyo", sales[number % 2], now)
    for city, zone in DEMO_CITIES_ABROAD:
        for shop in DEMO_SHOPS_ABROAD:
            number += 1
            _demo_store(session, number, f"{shop} {city}", "overseas", zone, sales[number % 2], now)
    catalog_partners.create_partner(
        session=session,
        name="グルメ予約ナビ",
        product_slugs=["web-booking", "partner-api"],
        contacts=[catalog_partners.ContactIn("連携担当 小林", "api@gourmet-navi.example.jp", "03-5555-0101")],
        notes="Web 予約の空席を API で取得して掲載",
        now=now,
    )
    # Inquiries that look like a bug, and bursts of inquiries, post to #support.
    integrations.create_integration(
        session=session, name="サポート問い合わせ", kind="support", chat_channel="#support", now=now
    )
    catalog_partners.create_partner(
        session=session,
        name="POS レジ連携 株式会社",
        product_slugs=["partner-api", "ipad-app"],
        contacts=[
            catalog_partners.ContactIn("サポート窓口", "support@pos-renkei.example.jp", "06-5555-0202")
        ],
        now=now,
    )


def _demo_store(
    session: Session, number: int, name: str, region: str, zone: str, sales_rep: int, now: datetime
) -> None:
    # Every store keeps its ledger on the iPad; most take web bookings; some send SMS, email or FAX.
    products = ["ipad-app", "store-web"]
    products += ["web-booking"] if number % 5 else []
    products += [("sms", "email", "fax")[number % 3]]
    catalog.create_store(
        session=session,
        external_id=f"DEMO-{number:04d}",
        name=name,
        region=region,
        timezone=zone,
        product_slugs=products,
        account_emails=[f"owner{number:04d}@store.example.jp", f"staff{number:04d}@store.example.jp"],
        phone=f"03-5555-{number:04d}" if region == "jp" else f"+1 555 010 {number:04d}",
        sales_rep_user_id=sales_rep,
        now=now,
    )
