"""The late-recovery rule with the clock standing still until the test moves it, through the real worker."""

from __future__ import annotations

from datetime import timedelta

from hikeshi.accounts import service as accounts
from hikeshi.bootstrap import Container
from hikeshi.comms import notices
from hikeshi.comms.late import LATE_CHECK_JOB
from hikeshi.comms.models import Notice
from hikeshi.delivery import service as delivery
from hikeshi.incidents import service as incidents
from hikeshi.incidents.schemas import IncidentUpdate
from hikeshi.jobs.service import enqueue
from tests.integration.comms.conftest import Crew, declare
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.comms import publish_through_service


def incident_notices(world: Container, incident_id: int) -> list[Notice]:
    with world.sessions() as db:
        found = notices.incident_notices(session=db, incident_id=incident_id)
        for notice in found:
            db.expunge(notice)
        return found


def inbox_titles(world: Container, user_id: int) -> list[tuple[str, str | None]]:
    with world.sessions() as db:
        return [(m.title, m.link) for m in delivery.list_inbox(session=db, user_id=user_id)]


def resolve(world: Container, number: int) -> None:
    with world.sessions() as db:
        incidents.resolve_incident(
            session=db, number=number, by=None, now=world.clock(), no_action_reason="自然に回復した"
        )
        db.commit()


def test_not_resolved_after_30_minutes_drafts_the_first_notice_and_asks_the_comms_lead(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    with world.sessions() as db:
        accounts.add_contact_method(
            session=db, user_id=crew.support_lead.id, kind="slack", address="U0LEAD0001", now=clock()
        )
        db.commit()
    incident = declare(world, crew)
    run_jobs(world)
    clock.advance(minutes=29)
    run_jobs(world)
    assert incident_notices(world, incident.id) == []

    clock.advance(minutes=1)
    run_jobs(world)
    [first] = incident_notices(world, incident.id)
    assert (first.kind, first.status, first.drafted_by_rule) == ("first", "draft", True)
    assert first.channels == ["status_page", "in_app", "email", "calls"]
    assert incident.declared_at is not None
    assert first.created_at == incident.declared_at + timedelta(minutes=30)
    subject = f"[hikeshi] インシデント #{incident.number} のお客様へのお知らせを承認してください"
    assert inbox_titles(world, crew.support_lead.id) == [(subject, f"/notices/{first.id}")]
    assert inbox_titles(world, crew.admin.id) == []
    with world.sessions() as db:
        [dm] = delivery.list_deliveries(session=db, channel="chat", user_id=crew.support_lead.id)
        assert dm.target == "U0LEAD0001"
        assert f"/notices/{first.id}" in dm.text
        assert "30 分経っても復旧していません" in dm.text

    # The same jobs again (a retried job, a second worker): still one draft, one request.
    with world.sessions() as db:
        enqueue(session=db, kind=LATE_CHECK_JOB, payload={"incident_id": incident.id}, now=clock())
        enqueue(
            session=db,
            kind="incidents.status_changed",
            payload={"incident_id": incident.id, "from": "triage", "to": "investigating"},
            now=clock(),
        )
        db.commit()
    clock.advance(minutes=1)
    run_jobs(world)
    assert [n.id for n in incident_notices(world, incident.id)] == [first.id]
    assert len(inbox_titles(world, crew.support_lead.id)) == 1


def test_resolved_in_time_gets_no_first_notice_but_a_resolved_one(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    incident = declare(world, crew)
    run_jobs(world)
    clock.advance(minutes=12)
    resolve(world, incident.number)
    run_jobs(world)
    clock.advance(minutes=40)
    run_jobs(world)
    [resolved] = incident_notices(world, incident.id)
    assert (resolved.kind, resolved.status, resolved.drafted_by_rule) == ("resolved", "draft", True)
    assert resolved.public_status == "resolved"
    assert "復旧いたしました" in resolved.body_ja
    assert resolved.channels == ["status_page", "in_app", "email"]
    assert len(inbox_titles(world, crew.support_lead.id)) == 1
    with world.sessions() as db:
        enqueue(
            session=db,
            kind="incidents.status_changed",
            payload={"incident_id": incident.id, "from": "investigating", "to": "resolved"},
            now=clock(),
        )
        db.commit()
    run_jobs(world)
    assert len(incident_notices(world, incident.id)) == 1


def test_the_resolved_draft_takes_the_channels_of_the_last_published_notice(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    incident = declare(world, crew)
    with world.sessions() as db:
        publish_through_service(
            db,
            by=crew.admin.id,
            now=clock(),
            incident_id=incident.id,
            channels=("status_page", "in_app", "calls"),
        )
        db.commit()
    run_jobs(world)
    clock.advance(minutes=45)
    run_jobs(world)  # the first notice exists: the rule drafts nothing
    assert len(incident_notices(world, incident.id)) == 1
    resolve(world, incident.number)
    run_jobs(world)
    first, resolved = incident_notices(world, incident.id)
    assert (first.status, resolved.kind, resolved.status) == ("published", "resolved", "draft")
    assert resolved.channels == ["status_page", "in_app"]


def test_without_a_comms_lead_the_commander_is_asked(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    incident = declare(world, crew)
    with world.sessions() as db:
        incidents.update_incident(
            session=db,
            number=incident.number,
            update=IncidentUpdate(comms_lead_id=None),
            by=None,
            now=clock(),
        )
        db.commit()
    run_jobs(world)
    clock.advance(minutes=31)
    run_jobs(world)
    assert len(inbox_titles(world, crew.engineer.id)) == 1  # the commander: declare() names the engineer
    assert inbox_titles(world, crew.support_lead.id) == []
