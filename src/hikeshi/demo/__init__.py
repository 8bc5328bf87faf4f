"""The demo company of `hikeshi init --demo`: a restaurant-reservation SaaS and the people who run it.

Deterministic (no randomness) and quick: every part is written through the domains' services at the
time it happened, so every page has a story; nothing it leaves in the outbox sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.accounts.passwords import hash_password
from hikeshi.demo.company import load_demo_catalog
from hikeshi.demo.monitoring import load_demo_monitoring
from hikeshi.demo.oncall import DEMO_POLICY, load_demo_oncall, load_demo_paging
from hikeshi.demo.story import load_demo_incidents, load_demo_maintenance, load_demo_postmortem
from hikeshi.demo.support import load_demo_support
from hikeshi.oncall import escalation

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
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for everyone: Argon2 is slow on purpose
    for person in PEOPLE:
        user = accounts.create_user(
            session=session,
            email=person.email,
            name=person.name,
            role=person.role,
            password_hash=password_hash,
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
    [policy] = [p for p in escalation.list_policies(session=session) if p.name == DEMO_POLICY]
    load_demo_monitoring(session=session, ids=ids, now=now, policy_id=policy.id)
    outage = now - timedelta(days=3, hours=5)  # load_demo_incidents' start
    load_demo_support(session=session, ids=ids, outage_started=outage, now=now)
    return True
