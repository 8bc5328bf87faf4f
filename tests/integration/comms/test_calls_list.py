"""The call list made by publishing a notice: who is on it, in what order, who calls, what came of it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.comms import calls
from hikeshi.comms.models import CallTask
from hikeshi.comms.notices import create_notice
from hikeshi.comms.publishing import publish_notice
from hikeshi.core.errors import InvalidInput, NotFound
from hikeshi.incidents import service as incidents
from hikeshi.incidents.models import Incident
from hikeshi.incidents.schemas import IncidentUpdate
from tests.integration.comms.conftest import Crew, declare
from tests.support.clock import FrozenClock
from tests.support.comms import add_stores


def publish(
    world: Container,
    crew: Crew,
    incident: Incident,
    *,
    channels: Sequence[str] = ("calls",),
    kind: str = "first",
) -> int:
    """Draft the notice from the incident's facts and publish it, as the support lead would."""
    with world.sessions() as db:
        notice = create_notice(
            session=db,
            incident_id=incident.id,
            maintenance_id=None,
            kind=kind,
            by=crew.support.id,
            now=world.clock(),
            channels=list(channels),
        )
        publish_notice(
            session=db,
            notice_id=notice.id,
            by=crew.support_lead.id,
            now=world.clock(),
            base_url=world.settings.public_url(""),
            open_hours=world.settings.store_open_hours,
        )
        db.commit()
        return notice.id


def the_list(world: Container, incident: Incident, **filters: object) -> list[calls.CallRow]:
    with world.sessions() as db:
        page = calls.list_calls(session=db, incident_id=incident.id, **filters)  # type: ignore[arg-type]
        return calls.call_rows(
            session=db, tasks=page.tasks, now=world.clock(), open_hours=world.settings.store_open_hours
        )


def test_publishing_lists_the_affected_stores_in_order_with_their_callers(
    world: Container, crew: Crew
) -> None:
    incident = declare(world, crew, products=("web-booking",))
    publish(world, crew, incident)

    rows = the_list(world, incident)
    # 09:00 in Tokyo, 08:00 in Singapore: nobody is open yet; Tokyo opens first (11:00 is 2 hours away).
    assert [row.store_external_id for row in rows] == ["T2", "T1", "S1"]
    assert [row.priority for row in rows] == [1, 2, 3]
    assert not any(row.open_now for row in rows)
    assert [row.local_time.strftime("%H:%M %Z") for row in rows] == ["09:00 JST", "09:00 JST", "08:00 +08"]
    callers = {row.store_external_id: row.assignee_id for row in rows}
    assert callers["T1"] == crew.sales.id  # its sales representative
    # The others round robin over the support team, one each.
    assert sorted([callers["T2"], callers["S1"]]) == sorted([crew.support.id, crew.support_lead.id])
    assert all(row.outcome is None and row.attempts == 0 for row in rows)
    with world.sessions() as db:
        assert calls.call_progress(session=db, incident_id=incident.id) == calls.CallProgress(
            total=3, to_call=3, reached=0, voicemail=0, no_answer=0, wrong_number=0
        )


def test_open_stores_come_first(world: Container, crew: Crew, clock: FrozenClock) -> None:
    clock.advance(hours=2, minutes=30)  # 11:30 in Tokyo (open), 10:30 in Singapore (not yet)
    incident = declare(world, crew, products=("web-booking", "ipad-app"))
    publish(world, crew, incident)
    rows = the_list(world, incident)
    # T1 uses both affected products, so it comes before T2 among the open stores.
    assert [(row.store_external_id, row.open_now) for row in rows] == [
        ("T1", True),
        ("T2", True),
        ("S1", False),
    ]


def test_a_second_notice_adds_only_the_stores_not_yet_listed(world: Container, crew: Crew) -> None:
    incident = declare(world, crew, products=("web-booking",))
    publish(world, crew, incident)
    with world.sessions() as db:
        first = the_list(world, incident)[0]
        calls.update_call(
            session=db, call_id=first.id, by=crew.support.id, now=world.clock(), outcome="reached"
        )
        db.commit()
    with world.sessions() as db:
        incidents.update_incident(
            session=db,
            number=incident.number,
            update=IncidentUpdate(products=["web-booking", "sms"]),
            by=crew.engineer.id,
            now=world.clock(),
        )
        db.commit()
    publish(world, crew, incident, kind="update")
    publish(world, crew, incident, kind="update")  # and again: nothing more

    rows = the_list(world, incident)
    assert [row.store_external_id for row in rows] == ["T2", "T1", "S1", "M1"]
    assert rows[0].outcome == "reached"  # what was recorded stays
    with world.sessions() as db:
        assert calls.call_progress(session=db, incident_id=incident.id).total == 4
        notice = db.scalars(select(CallTask.notice_id).where(CallTask.incident_id == incident.id)).all()
        assert len(set(notice)) == 2  # the first three from the first notice, M1 from the second


def test_create_call_list_counts_what_it_added(world: Container, crew: Crew) -> None:
    incident = declare(world, crew, products=("web-booking",))
    notice_id = publish(world, crew, incident, channels=("status_page",))
    with world.sessions() as db:
        from hikeshi.comms.notices import get_notice

        notice = get_notice(session=db, notice_id=notice_id)
        hours = world.settings.store_open_hours
        assert calls.create_call_list(session=db, notice=notice, now=world.clock(), open_hours=hours) == 3
        assert calls.create_call_list(session=db, notice=notice, now=world.clock(), open_hours=hours) == 0
        db.commit()


def test_outcomes_notes_attempts_and_changes(world: Container, crew: Crew, clock: FrozenClock) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident)
    call = the_list(world, incident)[0]
    with world.sessions() as db:
        calls.update_call(
            session=db, call_id=call.id, by=crew.support.id, now=clock(), outcome="no_answer", notes="話し中"
        )
        db.commit()
    clock.advance(minutes=20)
    with world.sessions() as db:
        task = calls.update_call(
            session=db, call_id=call.id, by=crew.sales.id, now=clock(), outcome="reached"
        )
        db.commit()
        assert (task.outcome, task.attempts, task.notes) == ("reached", 2, "話し中")
        assert (task.called_by_id, task.called_at) == (crew.sales.id, clock())
        notes_only = calls.update_call(
            session=db, call_id=call.id, by=crew.sales.id, now=clock(), notes="店長と話した"
        )
        assert (notes_only.attempts, notes_only.notes) == (2, "店長と話した")
        db.commit()
        progress = calls.call_progress(session=db, incident_id=incident.id)
        assert (progress.reached, progress.no_answer, progress.to_call, progress.called) == (1, 0, 2, 1)


def test_reassign_and_my_calls(world: Container, crew: Crew) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident)
    t1 = next(row for row in the_list(world, incident) if row.store_external_id == "T1")
    assert [row.store_external_id for row in the_list(world, incident, assignee_id=crew.sales.id)] == ["T1"]
    with world.sessions() as db:
        calls.update_call(
            session=db, call_id=t1.id, by=crew.admin.id, now=world.clock(), assignee_id=crew.support.id
        )
        db.commit()
    assert the_list(world, incident, assignee_id=crew.sales.id) == []
    assert "T1" in [row.store_external_id for row in the_list(world, incident, assignee_id=crew.support.id)]
    with world.sessions() as db:
        calls.update_call(session=db, call_id=t1.id, by=crew.admin.id, now=world.clock(), assignee_id=None)
        db.commit()
    assert next(row for row in the_list(world, incident) if row.id == t1.id).assignee_name is None


def test_filters_by_state(world: Container, crew: Crew) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident)
    first = the_list(world, incident)[0]
    with world.sessions() as db:
        calls.update_call(
            session=db, call_id=first.id, by=crew.support.id, now=world.clock(), outcome="voicemail"
        )
        db.commit()
    assert len(the_list(world, incident, state="to_call")) == 2
    assert [row.id for row in the_list(world, incident, state="called")] == [first.id]
    assert [row.id for row in the_list(world, incident, state="voicemail")] == [first.id]
    assert the_list(world, incident, state="reached") == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "busy"}, "outcome: 'busy' is not one of"),
        ({"assignee_id": 999_999}, "assignee_id: 999999 is not an active member of staff"),
        ({"notes": "x" * 2001}, "notes: at most 2000 characters"),
    ],
)
def test_bad_changes_name_the_field(
    world: Container, crew: Crew, change: dict[str, object], message: str
) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident)
    call = the_list(world, incident)[0]
    with world.sessions() as db, pytest.raises(InvalidInput, match=message):
        calls.update_call(session=db, call_id=call.id, by=crew.support.id, now=world.clock(), **change)  # type: ignore[arg-type]


def test_a_viewer_cannot_be_given_a_call_and_unknown_calls_are_not_found(
    world: Container, crew: Crew
) -> None:
    incident = declare(world, crew)
    publish(world, crew, incident)
    call = the_list(world, incident)[0]
    with world.sessions() as db:
        with pytest.raises(InvalidInput, match="assignee_id"):
            calls.update_call(
                session=db, call_id=call.id, by=crew.admin.id, now=world.clock(), assignee_id=crew.viewer.id
            )
        with pytest.raises(NotFound, match="call 424242 does not exist"):
            calls.update_call(
                session=db, call_id=424242, by=crew.admin.id, now=world.clock(), outcome="reached"
            )


def test_without_support_people_calls_are_unassigned(world: Container, crew: Crew) -> None:
    from hikeshi.accounts import service as accounts

    with world.sessions() as db:
        for person in (crew.support, crew.support_lead):
            accounts.update_user(session=db, user_id=person.id, is_active=False, now=world.clock())
        db.commit()
    incident = declare(world, crew)
    with world.sessions() as db:
        notice = create_notice(
            session=db,
            incident_id=incident.id,
            maintenance_id=None,
            kind="first",
            by=crew.admin.id,
            now=world.clock(),
            channels=["calls"],
        )
        publish_notice(
            session=db,
            notice_id=notice.id,
            by=crew.admin.id,
            now=world.clock(),
            base_url="http://hikeshi.test",
            open_hours=world.settings.store_open_hours,
        )
        db.commit()
    callers = {row.store_external_id: row.assignee_id for row in the_list(world, incident)}
    assert callers == {"T1": crew.sales.id, "T2": None, "S1": None}


def test_a_maintenance_notice_makes_no_call_list(world: Container, crew: Crew) -> None:
    with world.sessions() as db:
        from tests.support.comms import published_notice

        notice = published_notice(db, now=world.clock(), channels=("calls",))
        with pytest.raises(InvalidInput, match="channels"):
            calls.create_call_list(session=db, notice=notice, now=world.clock(), open_hours="11:00-23:00")


def test_ten_thousand_stores_are_listed_in_chunks_and_balanced(world: Container, crew: Crew) -> None:
    with world.sessions() as db:
        add_stores(db, count=10_000, products=("store-web",), now=world.clock(), prefix="chain")
        db.commit()
    incident = declare(world, crew, products=("store-web",))
    publish(world, crew, incident)
    with world.sessions() as db:
        progress = calls.call_progress(session=db, incident_id=incident.id)
        assert progress.total == 10_000
        loads = dict(
            db.execute(
                select(CallTask.assignee_user_id, func.count(CallTask.id))
                .where(CallTask.incident_id == incident.id)
                .group_by(CallTask.assignee_user_id)
            ).all()
        )
    assert loads == {crew.support.id: 5_000, crew.support_lead.id: 5_000}
