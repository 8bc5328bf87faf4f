"""The lifecycle as stored: random sequences of what people do to an incident, through the real service
and database, never leave an incident in a state the rules forbid, and every change is on the timeline."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hikeshi.bootstrap import Container
from hikeshi.core.errors import HikeshiError
from hikeshi.incidents import service, work
from hikeshi.incidents.models import Incident, IncidentEvent, IncidentTask, RecoveryAction
from hikeshi.incidents.rules import TRANSITIONS, Facts, Severity, Status, is_valid_state
from hikeshi.incidents.schemas import IncidentCreate, IncidentUpdate
from tests.integration.incidents.conftest import Crew
from tests.support.clock import FrozenClock

REASONS = st.sampled_from(["", "   ", "テスト用のアラートだった"])


def _lifecycle(world: Container, crew: Crew, clock: FrozenClock) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        """One new incident per run; each rule is one committed (or refused and rolled back) request."""

        def __init__(self) -> None:
            super().__init__()
            with world.sessions() as db:
                new = IncidentCreate(title="Web 予約が使えない", products=["web-booking"])
                self.number = service.declare_incident(
                    session=db, new=new, by=crew.engineer.id, now=clock()
                ).number
                db.commit()

        def _do(self, change: object) -> None:
            """Run one request; a refusal must change nothing at all."""
            before = self._snapshot()
            clock.advance(minutes=1)
            with world.sessions() as db:
                try:
                    change(db)  # type: ignore[operator]
                except HikeshiError:
                    db.rollback()
                    assert self._snapshot() == before
                    return
                db.commit()

        def _snapshot(self) -> tuple[object, ...]:
            with world.sessions() as db:
                incident = service.get_incident(session=db, number=self.number)
                events = db.scalar(
                    select(func.count(IncidentEvent.id)).where(IncidentEvent.incident_id == incident.id)
                )
                return (incident.status, incident.version, incident.resolved_at, events)

        def _move(self, to: Status, reason: str) -> None:
            self._do(
                lambda db: service.change_status(
                    session=db,
                    number=self.number,
                    status=to.value,
                    reason=reason,
                    by=crew.engineer.id,
                    now=clock(),
                )
            )

        @rule(to=st.sampled_from(list(Status)), reason=REASONS)
        def move_anywhere(self, to: Status, reason: str) -> None:
            self._move(to, reason)

        @rule(data=st.data(), reason=REASONS)
        def move_on(self, data: st.DataObject, reason: str) -> None:
            """A move the transitions allow (what the buttons offer), so long lifecycles get explored."""
            current = Status(self._snapshot()[0])
            allowed = sorted(TRANSITIONS[current], key=list(Status).index)
            if allowed:
                self._move(data.draw(st.sampled_from(allowed)), reason)

        @rule()
        def record_recovery_action(self) -> None:
            self._do(
                lambda db: work.add_recovery_action(
                    session=db,
                    number=self.number,
                    kind="hotfix",
                    description="v4.2.1 を本番にデプロイ",
                    performed_by_id=None,
                    performed_at=None,
                    by=crew.engineer.id,
                    now=clock(),
                )
            )

        @rule(severity=st.sampled_from(list(Severity)))
        def change_severity(self, severity: Severity) -> None:
            update = IncidentUpdate(severity=severity.value, hotfix_deployer_id=crew.admin.id)
            self._do(
                lambda db: service.update_incident(
                    session=db, number=self.number, update=update, by=crew.engineer.id, now=clock()
                )
            )

        @rule()
        def support_adds_a_note(self) -> None:
            self._do(
                lambda db: work.add_note(
                    session=db,
                    number=self.number,
                    text="同様の問い合わせあり",
                    by=crew.support.id,
                    now=clock(),
                )
            )

        @invariant()
        def the_stored_incident_is_valid(self) -> None:
            with world.sessions() as db:
                incident = service.get_incident(session=db, number=self.number)
                status = Status(incident.status)
                actions = db.scalar(
                    select(func.count(RecoveryAction.id)).where(RecoveryAction.incident_id == incident.id)
                )
                facts = Facts(
                    recovery_actions=actions or 0,
                    no_action_reason=incident.no_action_reason,
                    dismiss_reason=incident.dismiss_reason,
                )
                declared, resolved = incident.declared_at is not None, incident.resolved_at is not None
                assert is_valid_state(status, facts, declared=declared, resolved=resolved)
                assert resolved == (status == Status.RESOLVED)
                assert (incident.dismissed_at is not None) == (status == Status.DISMISSED)
                runbook = db.scalar(
                    select(func.count(IncidentTask.id)).where(
                        IncidentTask.incident_id == incident.id, IncidentTask.runbook_key.is_not(None)
                    )
                )
                assert runbook == (3 if declared else 0)  # started once, at declaration, never again
                self._timeline_replays_to(db, incident, status)

        def _timeline_replays_to(self, db: Session, incident: Incident, status: Status) -> None:
            """The status events, in order, are allowed moves from triage that end at the status."""
            events = work.list_events(session=db, incident_id=incident.id)
            current = Status.TRIAGE
            for event in events:
                if event.kind == "status":
                    assert event.data["from"] == current.value
                    assert Status(event.data["to"]) in TRANSITIONS[current]
                    assert event.actor_user_id == crew.engineer.id
                    current = Status(event.data["to"])
            assert current == status
            assert incident.version == 1 + len(events)  # every change is seen by the war room's poll

    return Lifecycle


def test_no_sequence_of_requests_leaves_a_stored_incident_invalid(
    world: Container, crew: Crew, clock: FrozenClock
) -> None:
    machine = _lifecycle(world, crew, clock)
    checks = settings(
        max_examples=25,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run_state_machine_as_test(machine, settings=checks)
