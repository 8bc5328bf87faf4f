"""A hand-built week (2026-W48 in Asia/Tokyo: Monday 23 November 00:00 JST = 22 November 15:00 UTC, to
Monday 30 November 00:00 JST = 29 November 15:00 UTC) whose every figure is known.

Incidents (times UTC):
- #1 declared 22 Nov 14:00 (Sunday 23:00 JST, week 47), resolved 22 Nov 16:00 (week 48): in no list of
  week 48, but resolved in it: time to resolve 2 h.
- #2 SEV1 web-booking, started 23 Nov 00:30, declared 01:00, resolved 03:00: 2 h 30 min; TTD 30 min; TTR 2 h.
- #3 opened 25 Nov in triage and dismissed: never counted.
- #4 SEV2 web-booking + sms, started 28 Nov 13:00, declared 14:00 (Sat 23:00 JST), resolved 16:30 (Sun
  01:30 JST, across midnight): 3 h 30 min; TTD 1 h; TTR 2 h 30 min.
- #5 SEV3, no start, declared 29 Nov 14:30 (Sun 23:30 JST), resolved 16:00 (week 49): 1 h 30 min.
- #6 declared 29 Nov 15:30 (Mon 00:30 JST): week 49.
MTTD = (30 + 60) / 2 = 45 min; MTTR = (120 + 120 + 150) / 3 = 130 min = 2 h 10 min.
Pages: 22 Nov 14:30 (week 47); 24 Nov 14:00 (23:00 JST, night) to Kato, acknowledged after 4 min; 25 Nov
02:00 to Kato and Suzuki, acknowledged by Suzuki after 10 min; 29 Nov 15:30 (week 49). MTTA = 7 min.
Alerts: Prometheus 3 in the week, Sentry 1 in the week and 1 in week 47.
Action items (the end of the week: Sunday 29 November is "today"): due 27 Nov open (overdue); due 29 Nov
open (not overdue); done 26 Nov (done in the week); due 20 Nov done on 30 Nov (open at the week's end:
overdue); cancelled on 24 Nov.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from hikeshi.bootstrap import Container
from hikeshi.incidents import service as incidents
from hikeshi.incidents.schemas import IncidentCreate
from hikeshi.oncall import paging
from hikeshi.postmortems.action_items import create_action_item, set_action_item_status
from hikeshi.postmortems.rules import ActionItemStatus
from tests.support.alerts import make_integration, raise_alert
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.paging import add_person, make_policy, start
from tests.support.postmortems import insert_postmortem, resolved_incident


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Week:
    kato: int
    suzuki: int
    prometheus: int
    sentry: int


def build_week(world: Container, clock: FrozenClock, *, by: int) -> Week:
    kato = add_person(world, "kato@example.jp", phone="+819000000001").id
    suzuki = add_person(world, "suzuki@example.jp", phone="+819000000002").id
    only_kato = make_policy(world, "Kato", [(30, [kato])])
    both = make_policy(world, "Both", [(30, [kato, suzuki])])
    prometheus, _ = make_integration(world, name="Prometheus", kind="alertmanager")
    sentry, _ = make_integration(world, name="Sentry", kind="sentry")

    clock.now = at(22, 14)
    first = resolved_incident(
        world, by=by, title="週47の障害", started_at=at(22, 13, 30), resolve_at=at(22, 16)
    )
    raise_alert(world, sentry, "week 47", dedup_key="s-47")
    clock.now = at(22, 14, 30)
    start(world, only_kato, "week 47 page")
    run_jobs(world)

    clock.now = at(23, 1)
    second = resolved_incident(
        world,
        by=by,
        title="Web予約で予約が保存できない",
        severity="SEV1",
        started_at=at(23, 0, 30),
        resolve_at=at(23, 3),
    )
    insert_postmortem(world, second, cause_ja="DBのロック待ち", cause_en="Lock waits in the database")
    raise_alert(world, prometheus, "disk full", dedup_key="p-1")
    raise_alert(world, prometheus, "disk full", dedup_key="p-1")  # a repeat: the same alert
    clock.now = at(23, 5)
    pm_first = insert_postmortem(world, first, cause_ja="設定ミス")
    with world.sessions() as db:
        items = [
            create_action_item(
                session=db,
                postmortem_id=pm_first,
                title=title,
                due_on=due,
                owner_id=by,
                created_by_id=by,
                now=clock.now,
            ).id
            for title, due in (
                ("監視を追加", date(2026, 11, 27)),
                ("手順書を更新", date(2026, 11, 29)),
                ("ロック待ちの警告", date(2026, 12, 10)),
                ("設定の二重確認", date(2026, 11, 20)),
                ("不要になった対応", date(2026, 12, 1)),
            )
        ]
        db.commit()

    clock.now = at(24, 14)  # 23:00 in Tokyo
    night = start(world, only_kato, "night page")
    run_jobs(world)
    raise_alert(world, prometheus, "latency", dedup_key="p-2")
    with world.sessions() as db:
        set_action_item_status(
            session=db,
            item_id=items[4],
            status=ActionItemStatus.CANCELLED,
            user_id=by,
            now=clock.now,
            note="別の対策で不要",
        )
        db.commit()
    clock.now = at(24, 14, 4)
    with world.sessions() as db:
        paging.acknowledge_page(session=db, page_id=night, user_id=kato, now=clock.now)
        db.commit()

    clock.now = at(25, 2)
    day_page = start(world, both, "day page")
    run_jobs(world)
    with world.sessions() as db:
        triage = incidents.declare_incident(
            session=db,
            new=IncidentCreate(title="誤検知", products=["web-booking"], declare=False),
            by=by,
            now=clock.now,
        )
        incidents.dismiss_incident(session=db, number=triage.number, reason="誤検知", by=by, now=clock.now)
        db.commit()
    clock.now = at(25, 2, 10)
    with world.sessions() as db:
        paging.acknowledge_page(session=db, page_id=day_page, user_id=suzuki, now=clock.now)
        db.commit()

    clock.now = at(26, 3)
    with world.sessions() as db:
        set_action_item_status(
            session=db, item_id=items[2], status=ActionItemStatus.DONE, user_id=by, now=clock.now
        )
        db.commit()
    raise_alert(world, prometheus, "5xx", dedup_key="p-3")
    raise_alert(world, sentry, "TypeError", dedup_key="s-1")

    clock.now = at(28, 14)
    resolved_incident(
        world,
        by=by,
        title="深夜の予約エラー",
        products=("web-booking", "sms"),
        started_at=at(28, 13),
        resolve_at=at(28, 16, 30),
    )
    clock.now = at(29, 14, 30)
    resolved_incident(world, by=by, title="通知の遅延", severity="SEV3", resolve_at=at(29, 16))
    clock.now = at(29, 15, 30)
    resolved_incident(world, by=by, title="週49の障害", resolve_at=at(29, 16))
    start(world, only_kato, "week 49 page")
    run_jobs(world)

    clock.now = at(30, 1)
    with world.sessions() as db:
        set_action_item_status(
            session=db, item_id=items[3], status=ActionItemStatus.DONE, user_id=by, now=clock.now
        )
        db.commit()
    clock.now = at(1, 0, month=12)
    return Week(kato=kato, suzuki=suzuki, prometheus=prometheus, sentry=sentry)
