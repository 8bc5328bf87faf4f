"""A step that targets a schedule pages whoever is on call on it when the step runs."""

from __future__ import annotations

from datetime import date

from hikeshi.bootstrap import Container
from hikeshi.jobs.worker import Worker
from hikeshi.oncall import editing, escalation
from hikeshi.oncall.paging_rules import StepInput, TargetType
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.paging import add_person, start


def test_a_schedule_target_reaches_the_person_on_call_at_that_moment(
    paging: Container, worker: Worker, fakes: Fakes, clock: FrozenClock
) -> None:
    sato = add_person(paging, "sato@example.jp", phone="+819011110001")
    suzuki = add_person(paging, "suzuki@example.jp", phone="+819011110002")
    with paging.sessions() as db:
        now = clock()
        schedule = editing.create_schedule(session=db, name="Primary", timezone="Asia/Tokyo", now=now)
        editing.create_rotation(
            session=db,
            schedule_id=schedule.id,
            given=editing.RotationInput(
                name="Daily",
                kind="daily",
                timezone="Asia/Tokyo",
                start_date=date(2026, 11, 30),
                handoff_time="09:00",
                member_ids=[sato.id, suzuki.id],
            ),
            now=now,
        )
        kind, schedule_id = escalation.resolve_target(session=db, value="schedule:Primary")
        policy = escalation.create_policy(
            session=db,
            policy=escalation.PolicyInput(
                name="Primary", steps=[StepInput(delay_minutes=5, targets=((kind, schedule_id),))]
            ),
            now=now,
        )
        db.commit()
        policy_id = policy.id
    assert kind is TargetType.SCHEDULE
    # 2026-12-01 00:00 UTC is 09:00 in Tokyo on the rotation's second day: Suzuki's turn.
    start(paging, policy_id)
    worker.run_once()
    assert [sms.to for sms in fakes.sms.sent] == [suzuki.phone]
    with paging.sessions() as db:
        [out] = [escalation.policy_out(session=db, policy=p) for p in escalation.list_policies(session=db)]
        assert out.steps[0].targets[0].name == "Primary"
