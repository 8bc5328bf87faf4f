"""PagerDuty events that share one group commit are stored set-based, with the outcome of one by one."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hikeshi.alerts import groups, integrations
from hikeshi.alerts.ingest import StoreEvent
from hikeshi.alerts.models import Alert, AlertEvent, AlertGroup
from hikeshi.alerts.normalizers.pagerduty import validate_event
from hikeshi.bootstrap import Container
from hikeshi.db.group_commit import GroupCommit
from hikeshi.jobs.worker import Worker
from tests.integration.alerts.conftest import CONTEXT
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock


@pytest.fixture
def group_commit(alerting: Container) -> Iterator[GroupCommit]:
    committer = GroupCommit(alerting.sessions)
    yield committer
    committer.close()


@pytest.fixture
def routing_key(alerting: Container) -> str:
    with alerting.sessions() as db:
        _, key = integrations.create_integration(
            session=db, name="Datadog", kind="pagerduty", chat_channel="C0ALERTS", now=alerting.clock()
        )
        db.commit()
        return key


def _event(
    routing_key: str, action: str, dedup_key: str, *, severity: str = "error", event_class: str = "DiskFull"
) -> dict[str, Any]:
    payload = {"summary": f"{dedup_key}: ディスク使用率 95%", "source": dedup_key, "severity": severity}
    return {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": dedup_key,
        "payload": {**payload, "class": event_class},
    }


def _unit(document: dict[str, Any], clock: FrozenClock) -> StoreEvent:
    return StoreEvent(event=validate_event(document), raw=document, context=CONTEXT, clock=clock)


def _in_one_batch(group_commit: GroupCommit, units: list[StoreEvent]) -> list[Any]:
    """All units in the same batch: the writer is held in a batch of its own until they are queued."""

    async def run() -> list[Any]:
        taken, gate = threading.Event(), threading.Event()

        def hold(_session: Session) -> None:
            taken.set()
            gate.wait(10)

        holding = asyncio.ensure_future(group_commit.run(hold))
        assert await asyncio.to_thread(taken.wait, 10)
        queued = [asyncio.ensure_future(group_commit.run(unit)) for unit in units]
        await asyncio.sleep(0)
        gate.set()
        await holding
        return await asyncio.gather(*queued)

    return asyncio.run(run())


def _answers(responses: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(response.status_code, json.loads(response.body)) for response in responses]


def _count(container: Container, model: type, *where: Any) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_storm_in_one_batch_opens_one_group_posts_once_and_keeps_every_alert(
    alerting: Container,
    group_commit: GroupCommit,
    routing_key: str,
    clock: FrozenClock,
    worker: Worker,
    fakes: Fakes,
) -> None:
    units = [_unit(_event(routing_key, "trigger", f"web-{n}"), clock) for n in range(60)]
    answers = _answers(_in_one_batch(group_commit, units))
    assert answers == [
        (202, {"status": "success", "message": "Event processed", "dedup_key": f"web-{n}"}) for n in range(60)
    ]
    with alerting.sessions() as db:
        [group] = db.scalars(select(AlertGroup))
        assert (group.alert_count, group.open_alert_count, group.event_count) == (60, 60, 60)
        stored = list(db.scalars(select(Alert).order_by(Alert.id)))
        assert sorted(alert.dedup_key for alert in stored) == sorted(f"web-{n}" for n in range(60))
        assert {alert.group_id for alert in stored} == {group.id}
        assert all(alert.raw["routing_key"].endswith("…") for alert in stored)  # the secret is not kept
        kinds = [event.kind for event in groups.group_events(session=db, group_id=group.id, limit=100)]
    assert kinds.count("opened") == 1
    assert kinds.count("posted") == 1
    assert kinds.count("alert_added") == 59
    worker.run_once()
    [posted] = fakes.chat.posts
    assert posted.message.channel == "C0ALERTS"


def test_repeats_within_a_batch_and_of_open_alerts_are_counted_not_duplicated(
    alerting: Container, group_commit: GroupCommit, routing_key: str, clock: FrozenClock
) -> None:
    _in_one_batch(group_commit, [_unit(_event(routing_key, "trigger", "db-1"), clock)])
    keys = ["db-1", "db-2", "db-2", "db-1", "db-3", "db-2"]
    units = [_unit(_event(routing_key, "trigger", key, severity="warning"), clock) for key in keys]
    units[2] = _unit(_event(routing_key, "trigger", "db-2", severity="critical"), clock)
    answers = _answers(_in_one_batch(group_commit, units))
    assert [body["dedup_key"] for _, body in answers] == keys
    with alerting.sessions() as db:
        counts = {alert.dedup_key: (alert.count, alert.severity) for alert in db.scalars(select(Alert))}
        [group] = db.scalars(select(AlertGroup))
        assert (group.alert_count, group.open_alert_count, group.event_count) == (3, 3, 7)
        assert group.severity == "critical"
    assert counts == {"db-1": (3, "error"), "db-2": (3, "critical"), "db-3": (1, "warning")}


def test_a_resolve_between_triggers_keeps_its_order(
    alerting: Container, group_commit: GroupCommit, routing_key: str, clock: FrozenClock
) -> None:
    documents = [
        _event(routing_key, "trigger", "api-1"),
        _event(routing_key, "trigger", "api-1"),
        _event(routing_key, "resolve", "api-1"),
        _event(routing_key, "trigger", "api-1"),
        _event(routing_key, "acknowledge", "api-9"),  # no such open alert: ignored, as PagerDuty does
    ]
    answers = _answers(_in_one_batch(group_commit, [_unit(document, clock) for document in documents]))
    assert [status for status, _ in answers] == [202] * 5
    with alerting.sessions() as db:
        alerts = list(db.scalars(select(Alert).order_by(Alert.id)))
        assert [(alert.status, alert.count) for alert in alerts] == [("resolved", 2), ("triggered", 1)]
        first, second = (db.get(AlertGroup, alert.group_id) for alert in alerts)
        assert first is not None
        assert second is not None
        assert first.status == "resolved"
        assert second.status == "triggered"
        assert first.id != second.id


def test_an_unknown_routing_key_in_a_batch_is_refused_alone(
    alerting: Container, group_commit: GroupCommit, routing_key: str, clock: FrozenClock
) -> None:
    units = [
        _unit(_event(routing_key, "trigger", "a"), clock),
        _unit(_event("0" * 32, "trigger", "b"), clock),
        _unit(_event(routing_key, "trigger", "c"), clock),
    ]
    answers = _answers(_in_one_batch(group_commit, units))
    assert [status for status, _ in answers] == [202, 400, 202]
    assert answers[1][1]["errors"] == ["Invalid routing key"]
    assert _count(alerting, Alert) == 2


def _snapshot(container: Container, integration_id: int) -> dict[str, Any]:
    with container.sessions() as db:
        alerts = db.scalars(select(Alert).where(Alert.integration_id == integration_id).order_by(Alert.id))
        found = db.scalars(
            select(AlertGroup).where(AlertGroup.integration_id == integration_id).order_by(AlertGroup.id)
        )
        group_rows = list(found)
        history = db.scalars(
            select(AlertEvent.kind)
            .where(AlertEvent.group_id.in_([group.id for group in group_rows]))
            .order_by(AlertEvent.kind)
        )
        return {
            "alerts": [(a.dedup_key, a.status, a.count, a.severity, a.summary) for a in alerts],
            "groups": [
                (g.grouping_key, g.status, g.alert_count, g.open_alert_count, g.event_count, g.severity)
                for g in group_rows
            ],
            "history": list(history),
        }


def test_random_sequences_store_the_same_in_batches_as_one_by_one(
    alerting: Container, group_commit: GroupCommit, clock: FrozenClock
) -> None:
    chance = random.Random(20261128)
    with alerting.sessions() as db:
        batched, batched_key = integrations.create_integration(
            session=db, name="batched", kind="pagerduty", now=alerting.clock()
        )
        alone, alone_key = integrations.create_integration(
            session=db, name="alone", kind="pagerduty", now=alerting.clock()
        )
        db.commit()
        ids = (batched.id, alone.id)
    for round_number in range(10):
        # Alerts new to this batch (set-based), and alerts still open from earlier ones (repeats).
        keys = [f"round-{round_number}-host-{n}" for n in range(4)] + ["shared-1", "shared-2"]
        steps = [
            (
                chance.choices(["trigger", "acknowledge", "resolve"], weights=[6, 1, 2])[0],
                chance.choice(keys),
                chance.choice(["critical", "error", "warning", "info"]),
                chance.choice(["DiskFull", "HighLoad"]),
            )
            for _ in range(chance.randint(1, 25))
        ]

        def events(key: str, steps: list[tuple[str, str, str, str]] = steps) -> list[dict[str, Any]]:
            return [
                _event(key, action, dedup, severity=severity, event_class=name)
                for action, dedup, severity, name in steps
            ]

        together = _answers(_in_one_batch(group_commit, [_unit(doc, clock) for doc in events(batched_key)]))
        one_by_one = [
            _answers(_in_one_batch(group_commit, [_unit(doc, clock)]))[0] for doc in events(alone_key)
        ]
        assert together == one_by_one
        clock.advance(minutes=1)
    assert _snapshot(alerting, ids[0]) == _snapshot(alerting, ids[1])
    assert _snapshot(alerting, ids[0])["alerts"]  # the sequences did store something


def test_a_batch_the_set_based_path_cannot_store_is_stored_one_by_one(
    alerting: Container, group_commit: GroupCommit, routing_key: str, clock: FrozenClock
) -> None:
    calls: list[int] = []

    class Refusing(StoreEvent):
        @staticmethod
        def together(session: Session, units: Any) -> list[Any]:
            calls.append(len(units))
            raise RuntimeError("set-based path refused")

    refusing: Callable[[dict[str, Any]], StoreEvent] = lambda document: Refusing(  # noqa: E731
        event=validate_event(document), raw=document, context=CONTEXT, clock=clock
    )
    units = [refusing(_event(routing_key, "trigger", f"q-{n}")) for n in range(5)]
    answers = _answers(_in_one_batch(group_commit, units))
    assert calls == [5]
    assert [status for status, _ in answers] == [202] * 5
    assert _count(alerting, Alert) == 5
