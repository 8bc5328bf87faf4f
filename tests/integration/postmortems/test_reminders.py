"""Reminders to action items' owners through the worker, day by day with a frozen clock.

The job runs at 10:00 in Tokyo (01:00 UTC); each owner gets one message in the web inbox and one
email (the embedded mailbox here) listing what is due soon and what is overdue, in their language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from hikeshi.accounts.models import User
from hikeshi.bootstrap import Container
from hikeshi.delivery import service as delivery
from hikeshi.jobs import service as jobs
from hikeshi.jobs.worker import Worker
from hikeshi.postmortems import action_items
from hikeshi.postmortems.reminders import REMINDER_JOB
from hikeshi.postmortems.rules import ActionItemStatus
from tests.integration.postmortems.conftest import Crew
from tests.integration.postmortems.test_action_items_list import add_item
from tests.support.catalog import run_jobs
from tests.support.clock import FrozenClock
from tests.support.postmortems import insert_postmortem, resolved_incident
from tests.support.web import People

Message = tuple[str, str]  # subject, text


def run_day(world: Container, clock: FrozenClock, day: int) -> None:
    """December `day`: the worker schedules the reminder job at 09:30 in Tokyo, which runs at 10:00."""
    with Worker(container=world, registry=world.jobs, worker_id="test-worker") as worker:
        clock.now = datetime(2026, 12, day, 0, 30, tzinfo=UTC)
        worker.schedule_recurring()
        worker.run_once()
        clock.now = datetime(2026, 12, day, 1, 0, tzinfo=UTC)
        worker.run_once()


def inbox(world: Container, person: User) -> list[Message]:
    with world.sessions() as db:
        found = delivery.list_inbox(session=db, user_id=person.id)
        return [
            (message.title, message.body) for message in reversed(found) if message.source == "action-items"
        ]


def emails(world: Container, person: User) -> list[Message]:
    with world.sessions() as db:
        found = reversed(delivery.list_mailbox(session=db))
        return [(email.subject, email.text) for email in found if email.to_address == person.email]


def test_owners_are_reminded_before_the_due_day_then_after_it_weekly(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    lee = People(world).add("lee@example.jp", "engineer", language="en")
    incident = resolved_incident(world, by=crew.engineer.id)
    postmortem = insert_postmortem(world, incident)
    add_item(world, postmortem, "ロック待ちの監視を追加", date(2026, 12, 5), crew.engineer)
    add_item(world, postmortem, "Add a load test", date(2026, 11, 30), lee)
    add_item(world, postmortem, "誰も持たない項目", date(2026, 12, 2), None)
    later = add_item(world, postmortem, "手順書を更新", date(2026, 12, 20), crew.engineer)

    run_day(world, clock, 1)
    # Lee's item was due yesterday: reminded today, in English, in the inbox and by email.
    assert inbox(world, crew.engineer) == []
    [(subject, text)] = inbox(world, lee)
    assert subject == "[hikeshi] Action items: 1 overdue"
    assert f"Overdue:\n- #{incident.number} Add a load test (due 2026-11-30)" in text
    assert "http://127.0.0.1:8000/action-items?owner=mine" in text
    assert emails(world, lee) == [(subject, text)]

    run_day(world, clock, 2)
    assert len(inbox(world, crew.engineer)) == 0  # due in 3 days: not yet
    run_day(world, clock, 3)
    [(subject, text)] = inbox(world, crew.engineer)
    assert subject == "[hikeshi] 対策: 期限間近 1 件"
    assert f"- #{incident.number} ロック待ちの監視を追加 (期限 2026-12-05)" in text
    assert "手順書を更新" not in text
    assert [mail[0] for mail in emails(world, crew.engineer)] == [subject]

    # Running again the same day (a retry, a second worker) sends nothing more.
    with world.sessions() as db:
        jobs.enqueue(session=db, kind=REMINDER_JOB, payload={}, now=clock.now)
        db.commit()
    run_jobs(world)
    assert len(inbox(world, crew.engineer)) == 1

    for day in (4, 5):  # reminded once for this due day, the due day itself included
        run_day(world, clock, day)
    assert len(inbox(world, crew.engineer)) == 1
    assert len(inbox(world, lee)) == 1  # weekly once overdue

    run_day(world, clock, 6)  # the day after the due day
    assert inbox(world, crew.engineer)[-1][0] == "[hikeshi] 対策: 期限超過 1 件"
    for day in (7, 8):
        run_day(world, clock, day)
    assert len(inbox(world, crew.engineer)) == 2
    assert len(inbox(world, lee)) == 2  # Dec 1, then a week later on Dec 8
    assert inbox(world, lee)[-1][0] == "[hikeshi] Action items: 1 overdue"

    # A week after the first overdue reminder; the other item is now due within two days: one message.
    with world.sessions() as db:
        action_items.update_action_item(session=db, item_id=later, now=clock.now, due_on=date(2026, 12, 15))
        db.commit()
    run_day(world, clock, 13)
    assert len(inbox(world, crew.engineer)) == 3
    subject, text = inbox(world, crew.engineer)[-1]
    assert subject == "[hikeshi] 対策: 期限超過 1 件、期限間近 1 件"
    assert text.index("期限超過:") < text.index("ロック待ちの監視を追加") < text.index("期限間近:")
    assert text.index("期限間近:") < text.index("手順書を更新 (期限 2026-12-15)")
    assert len(emails(world, crew.engineer)) == 3


def test_done_and_cancelled_items_and_deactivated_owners_are_not_reminded(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    incident = resolved_incident(world, by=crew.engineer.id)
    postmortem = insert_postmortem(world, incident)
    done = add_item(world, postmortem, "済んだ項目", date(2026, 11, 30), crew.engineer)
    add_item(world, postmortem, "退職者の項目", date(2026, 11, 30), crew.support)
    add_item(
        world,
        postmortem,
        "中止した項目",
        date(2026, 12, 2),
        crew.engineer,
        status=ActionItemStatus.CANCELLED,
        note="不要",
    )
    with world.sessions() as db:
        action_items.set_action_item_status(
            session=db, item_id=done, status=ActionItemStatus.DONE, user_id=None, now=clock.now
        )
        db.get(User, crew.support.id).is_active = False  # type: ignore[union-attr]
        db.commit()
    run_day(world, clock, 1)
    assert inbox(world, crew.engineer) == []
    assert inbox(world, crew.support) == []
    assert emails(world, crew.engineer) == []


def test_the_job_is_due_at_ten_in_the_company_time_zone(world: Container, clock: FrozenClock) -> None:
    [recurring] = [entry for entry in world.jobs.recurring() if entry.kind == REMINDER_JOB]
    assert recurring.next_due(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == datetime(
        2026, 12, 1, 1, 0, tzinfo=UTC
    )
    assert recurring.next_due(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 1, 0, tzinfo=UTC
    )
