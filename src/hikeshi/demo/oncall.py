"""The demo's on-call: the platform team's schedule, its escalation policy, everyone's rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hikeshi.accounts import service as accounts
from hikeshi.catalog.service import list_products
from hikeshi.oncall import editing as oncall
from hikeshi.oncall import escalation, rules
from hikeshi.oncall.paging_rules import StepInput, TargetType
from hikeshi.oncall.service import find_schedule


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
