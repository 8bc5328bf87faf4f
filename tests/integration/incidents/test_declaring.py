"""Declaring incidents through the service: from alert groups (their pages stop), from inquiries, by
hand; the runbook tasks by role; the lifecycle's refusals; the impact and its corrections."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hikeshi.alerts.notify import Context
from hikeshi.bootstrap import Container
from hikeshi.core.errors import Conflict, InvalidInput
from hikeshi.incidents import service, views, work
from hikeshi.incidents.schemas import IncidentCreate, IncidentUpdate
from hikeshi.inquiries import service as inquiries
from hikeshi.inquiries.rules import InquiryPolicy
from hikeshi.oncall import paging
from tests.integration.incidents.conftest import Crew
from tests.support.alerts import group_status, make_integration, raise_alert
from tests.support.clock import FrozenClock
from tests.support.paging import add_person, make_policy, page_status

POLICY = InquiryPolicy(burst_count=50, burst_minutes=10, similar_threshold=0.3, similar_days=14)
CONTEXT = Context(language="ja", base_url="http://testserver")


def _declare(world: Container, by: int | None, **fields: object) -> int:
    with world.sessions() as db:
        incident = service.declare_incident(
            session=db, new=IncidentCreate(**fields), by=by, now=world.clock()
        )
        db.commit()
        return incident.number


def _room(world: Container, number: int) -> views.WarRoom:
    with world.sessions() as db:
        room = views.war_room(session=db, number=number, now=world.clock())
        db.expunge_all()
        return room


def _move(world: Container, number: int, status: str, by: int, reason: str = "") -> None:
    with world.sessions() as db:
        service.change_status(
            session=db, number=number, status=status, reason=reason, by=by, now=world.clock()
        )
        db.commit()


def test_declaring_from_an_alert_group_links_it_acknowledges_it_and_stops_its_page(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    integration_id, _ = make_integration(world, product="web-booking")
    outcome = raise_alert(world, integration_id, "Web 予約 API の 5xx が 30% を超えた", product="web-booking")
    group_id = outcome.group_id
    assert group_id is not None
    oncall = add_person(world, "oncall@example.jp", phone="+819012345678")
    policy_id = make_policy(world, "Web booking", [(5, [oncall.id]), (10, [oncall.id])])
    with world.sessions() as db:
        page = paging.start_page(
            session=db,
            title="Web 予約 API の 5xx",
            urgency="high",
            policy_id=policy_id,
            source_kind="alert_group",
            source_id=group_id,
            now=clock(),
        )
        db.commit()
        page_id = page.id
    assert page_status(world, page_id) == "triggered"
    clock.advance(minutes=3)

    number = _declare(world, crew.engineer.id, alert_group_ids=[group_id])

    assert group_status(world, group_id) == "acknowledged"
    assert page_status(world, page_id) == "acknowledged"
    room = _room(world, number)
    assert room.incident.status == "triage"
    assert room.incident.title == "Web 予約 API の 5xx が 30% を超えた"
    assert room.incident.source == "alert_group"
    assert [group.id for group in room.alert_groups] == [group_id]
    assert [p.slug for p in room.affected] == ["web-booking"]
    assert room.incident.started_at == room.alert_groups[0].first_seen_at
    assert room.incident.commander_id == crew.engineer.id
    [linked] = [event for event in room.events if event.kind == "alert_group_linked"]
    assert linked.actor_user_id == crew.engineer.id
    assert page_id in linked.data["pages_stopped"]
    assert page_id in [page.id for page in room.pages]
    assert {page.status for page in room.pages} == {"acknowledged"}


def test_declaring_from_inquiries_links_them_and_takes_their_product_and_time(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    logged = []
    for body in ("SMS が届かないと店舗から電話", "予約確認の SMS が送られていない"):
        with world.sessions() as db:
            inquiry = inquiries.log_inquiry(
                session=db,
                reported_by_id=crew.support.id,
                channel="phone",
                body=body,
                product_slug="sms",
                now=clock(),
                policy=POLICY,
                context=CONTEXT,
            )
            db.commit()
            logged.append((inquiry.id, inquiry.created_at))
        clock.advance(minutes=2)

    number = _declare(world, crew.engineer.id, title="SMS が送信されない", inquiry_ids=[i for i, _ in logged])

    room = _room(world, number)
    assert sorted(inquiry.id for inquiry in room.inquiries) == sorted(i for i, _ in logged)
    assert room.incident.source == "inquiry"
    assert [p.slug for p in room.affected] == ["sms"]
    assert room.incident.detected_at == logged[0][1]
    assert (room.impact.stores_japan, room.impact.stores_overseas, room.impact.web_booking) == (1, 0, False)
    assert sum(event.kind == "inquiry_linked" for event in room.events) == 2


def test_numbers_are_sequential_and_an_unknown_source_is_refused(world: Container, crew: Crew) -> None:
    first = _declare(world, crew.engineer.id, title="FAX が送信できない", products=["fax"])
    second = _declare(world, crew.engineer.id, title="メールが届かない", products=["email"])
    assert second == first + 1
    with pytest.raises(Exception, match="alert group 999"):
        _declare(world, crew.engineer.id, alert_group_ids=[999])
    with pytest.raises(Exception, match="nope"):
        _declare(world, crew.engineer.id, title="x", products=["nope"])


def test_declaring_creates_the_runbook_tasks_by_role_without_partners(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    number = _declare(
        world,
        crew.engineer.id,
        title="Web 予約が使えない",
        products=["web-booking"],
        comms_lead_id=crew.support.id,
    )
    assert _room(world, number).tasks == []  # in triage nothing is started yet
    _move(world, number, "investigating", crew.engineer.id)

    room = _room(world, number)
    assert room.incident.declared_at == clock()
    tasks = [(view.task.runbook_key, view.task.role, view.task.owner_id) for view in room.tasks]
    assert tasks == [
        ("hotfix", "engineer", crew.engineer.id),
        ("similar_inquiries", "support", crew.support.id),
        ("contact_stores", "support", crew.support.id),
    ]
    assert (room.impact.stores_japan, room.impact.stores_overseas, room.impact.web_booking) == (2, 1, True)
    clock.advance(minutes=20)
    overdue = [view.task.runbook_key for view in _room(world, number).tasks if view.overdue]
    assert overdue == ["similar_inquiries"]


def test_the_partner_task_is_created_when_partners_are_affected(world: Container, crew: Crew) -> None:
    number = _declare(
        world, crew.engineer.id, title="パートナー API が 503", products=["partner-api"], declare=True
    )
    room = _room(world, number)
    assert room.incident.status == "investigating"
    by_key = {view.task.runbook_key: view.task for view in room.tasks}
    assert by_key["contact_partners"].role == "support"
    assert by_key["contact_partners"].owner_id is None  # no support lead named: unassigned, role shown


def test_resolving_is_refused_without_a_recovery_action_then_allowed(world: Container, crew: Crew) -> None:
    number = _declare(
        world, crew.engineer.id, title="Web 予約が使えない", products=["web-booking"], declare=True
    )
    _move(world, number, "identified", crew.engineer.id)
    with pytest.raises(Conflict) as refused:
        _move(world, number, "resolved", crew.engineer.id)
    assert refused.value.field == "recovery_action"
    assert _room(world, number).incident.status == "identified"

    with world.sessions() as db:
        work.add_recovery_action(
            session=db,
            number=number,
            kind="hotfix",
            description="v4.2.1 を本番にデプロイ",
            performed_by_id=None,
            performed_at=None,
            by=crew.engineer.id,
            now=world.clock(),
        )
        db.commit()
    _move(world, number, "resolved", crew.engineer.id)

    room = _room(world, number)
    assert room.incident.status == "resolved"
    assert room.incident.resolved_at == world.clock()
    assert [(a.kind, a.performed_by_id) for a in room.actions] == [("hotfix", crew.engineer.id)]
    moves = [(e.data["from"], e.data["to"], e.actor_user_id) for e in room.events if e.kind == "status"]
    assert moves == [
        ("triage", "investigating", crew.engineer.id),
        ("investigating", "identified", crew.engineer.id),
        ("identified", "resolved", crew.engineer.id),
    ]


def test_resolving_with_a_reason_instead_and_dismissing_keep_the_reason(world: Container, crew: Crew) -> None:
    resolved = _declare(world, crew.engineer.id, title="遅延", declare=True)
    _move(world, resolved, "resolved", crew.engineer.id, reason="自然に回復した")
    assert _room(world, resolved).incident.no_action_reason == "自然に回復した"

    dismissed = _declare(world, crew.engineer.id, title="誤検知")
    with pytest.raises(InvalidInput):
        _move(world, dismissed, "dismissed", crew.engineer.id)
    _move(world, dismissed, "dismissed", crew.engineer.id, reason="監視の設定ミス")
    room = _room(world, dismissed)
    assert (room.incident.status, room.incident.dismiss_reason) == ("dismissed", "監視の設定ミス")
    assert room.transitions == []
    with pytest.raises(Conflict):
        _move(world, dismissed, "investigating", crew.engineer.id)


def test_field_changes_are_on_the_timeline_and_corrections_sit_beside_the_estimate(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    number = _declare(
        world, crew.engineer.id, title="Web 予約が使えない", products=["web-booking"], declare=True
    )
    planned = clock() + timedelta(minutes=45)
    with world.sessions() as db:
        service.update_incident(
            session=db,
            number=number,
            update=IncidentUpdate(
                severity="SEV1",
                hotfix_deployer_id=crew.engineer.id,
                hotfix_planned_at=planned,
                override_stores_overseas=0,
                products=["web-booking", "ipad-app"],
            ),
            by=crew.admin.id,
            now=clock(),
        )
        db.commit()
    room = _room(world, number)
    changed = {
        e.data["field"]: (e.data["from"], e.data["to"], e.actor_user_id)
        for e in room.events
        if e.kind == "field"
    }
    assert changed["severity"] == ("SEV2", "SEV1", crew.admin.id)
    assert changed["hotfix_deployer_id"][1] == crew.engineer.id
    assert (room.incident.impact_stores_overseas, room.impact.stores_overseas, room.impact.corrected) == (
        1,
        0,
        True,
    )
    assert [p.slug for p in room.affected] == ["ipad-app", "web-booking"]
    assert "ipad-app" not in [p.slug for p in room.unaffected]
    assert "sms" in [p.slug for p in room.unaffected]
    hotfix = next(view.task for view in room.tasks if view.task.runbook_key == "hotfix")
    assert hotfix.due_at == planned


def test_two_incidents_declared_at_the_same_moment_get_different_numbers(
    world: Container, crew: Crew
) -> None:
    import threading
    import time

    numbers: list[int] = []
    first = world.sessions()
    numbers.append(
        service.declare_incident(
            session=first, new=IncidentCreate(title="A"), by=crew.engineer.id, now=world.clock()
        ).number
    )

    def declare_second() -> None:
        with world.sessions() as second:
            incident = service.declare_incident(
                session=second, new=IncidentCreate(title="B"), by=crew.engineer.id, now=world.clock()
            )
            second.commit()
            numbers.append(incident.number)

    racer = threading.Thread(target=declare_second)
    racer.start()
    time.sleep(0.5)  # the second waits on the first's number
    first.commit()
    first.close()
    racer.join(timeout=30)
    assert sorted(numbers) == [1, 2]


def test_declaring_again_from_what_an_open_incident_holds_is_refused_naming_it(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    integration_id, _ = make_integration(world, product="web-booking")
    group_id = raise_alert(world, integration_id, "Web 予約 API の 5xx", product="web-booking").group_id
    assert group_id is not None
    with world.sessions() as db:
        inquiry = inquiries.log_inquiry(
            session=db,
            reported_by_id=crew.support.id,
            channel="phone",
            body="Web 予約ができないと店舗から電話",
            product_slug="web-booking",
            now=clock(),
            policy=POLICY,
            context=CONTEXT,
        )
        db.commit()
        inquiry_id = inquiry.id
    first = _declare(world, crew.engineer.id, alert_group_ids=[group_id], inquiry_ids=[inquiry_id])

    for fields, named in (
        (
            {"alert_group_ids": [group_id]},
            f"alert group {group_id} is already part of open incident #{first}",
        ),
        (
            {"title": "x", "inquiry_ids": [inquiry_id]},
            f"inquiry {inquiry_id} is already part of open incident",
        ),
    ):
        with pytest.raises(Conflict) as refused:
            _declare(world, crew.admin.id, **fields)
        assert named in refused.value.render(str)

    _move(world, first, "dismissed", crew.engineer.id, reason="a test alert")
    second = _declare(world, crew.engineer.id, alert_group_ids=[group_id])  # the first is closed now
    assert second == first + 1


def test_the_hotfix_task_follows_the_recovery_plan(world: Container, crew: Crew, clock: FrozenClock) -> None:
    deployer = crew.admin
    number = _declare(world, crew.engineer.id, title="SMS が送信されない", products=["sms"], declare=True)
    [hotfix] = [view.task for view in _room(world, number).tasks if view.task.runbook_key == "hotfix"]
    assert (hotfix.owner_id, hotfix.due_at) == (crew.engineer.id, None)  # the commander until a plan

    planned = clock() + timedelta(hours=1)
    with world.sessions() as db:
        update = IncidentUpdate(hotfix_deployer_id=deployer.id, hotfix_planned_at=planned)
        service.update_incident(session=db, number=number, update=update, by=crew.engineer.id, now=clock())
        db.commit()

    [hotfix] = [view.task for view in _room(world, number).tasks if view.task.runbook_key == "hotfix"]
    assert (hotfix.owner_id, hotfix.due_at) == (deployer.id, planned)
    clock.advance(hours=2)
    overdue = [view.task.runbook_key for view in _room(world, number).tasks if view.overdue]
    assert overdue[:1] == ["hotfix"]
