"""Heartbeats end to end: pings over HTTP, the missed-ping timer run by a worker, alerts through ingest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hikeshi.alerts import heartbeats
from hikeshi.alerts.heartbeats_models import Heartbeat
from hikeshi.alerts.heartbeats_rules import MAX_BODY_BYTES
from hikeshi.alerts.models import Alert, AlertGroup
from hikeshi.bootstrap import Container
from hikeshi.jobs.models import Job
from hikeshi.jobs.worker import Worker
from hikeshi.web.app import create_app
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock

CHANNEL = "C0BEATS"


@pytest.fixture
def machine(alerting: Container) -> Iterator[TestClient]:
    """An HTTP client as a cron job's curl would be: no cookies, no token."""
    with TestClient(create_app(alerting), raise_server_exceptions=False) as client:
        yield client


def make_heartbeat(container: Container, **schedule: object) -> tuple[int, str]:
    values: dict[str, object] = {"period_seconds": 300, "grace_seconds": 60}
    values.update(schedule)
    with container.sessions() as db:
        heartbeat, key = heartbeats.create_heartbeat(
            session=db,
            name="FAX sender",
            now=container.clock(),
            default_timezone="Asia/Tokyo",
            chat_channel=CHANNEL,
            **values,  # type: ignore[arg-type]
        )
        db.commit()
        return heartbeat.id, key


def read(container: Container, heartbeat_id: int) -> Heartbeat:
    with container.sessions() as db:
        heartbeat = db.get(Heartbeat, heartbeat_id)
        assert heartbeat is not None
        return heartbeat


def alerts_of(container: Container) -> list[Alert]:
    with container.sessions() as db:
        return list(db.scalars(select(Alert).order_by(Alert.id)))


def pending_checks(container: Container) -> list[Job]:
    with container.sessions() as db:
        query = select(Job).where(Job.kind == heartbeats.HEARTBEAT_CHECK_JOB, Job.status == "pending")
        return list(db.scalars(query))


def test_a_ping_marks_it_up_and_schedules_one_check_after_the_grace_time(
    alerting: Container, machine: TestClient, clock: FrozenClock
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    answer = machine.get(f"/ping/{key}")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "state": "up"}
    stored = read(alerting, heartbeat_id)
    assert (stored.state, stored.last_ping_at, stored.last_ping_kind) == ("up", clock.now, "success")
    assert stored.next_due_at == clock.now + timedelta(minutes=5)
    clock.advance(minutes=2)
    assert machine.post(f"/ping/{key}").json()["state"] == "up"
    [check] = pending_checks(alerting)
    assert check.due_at == clock.now + timedelta(minutes=6)
    assert check.payload == {"heartbeat_id": heartbeat_id}


def test_an_unknown_key_gets_404_in_json(machine: TestClient) -> None:
    for path in ("/ping/nope", "/ping/nope/start", "/ping/nope/fail", "/ping/nope/0"):
        answer = machine.post(path)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "not_found"


def test_a_ping_body_is_kept_up_to_100_kb(alerting: Container, machine: TestClient) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    machine.post(f"/ping/{key}", content="送信 120 件\n".encode())
    assert read(alerting, heartbeat_id).last_ping_body == "送信 120 件\n"
    answer = machine.post(f"/ping/{key}", content=b"x" * (MAX_BODY_BYTES + 5000))
    assert answer.status_code == 200
    assert len(read(alerting, heartbeat_id).last_ping_body) == MAX_BODY_BYTES


def test_start_then_ping_records_how_long_the_job_took(
    alerting: Container, machine: TestClient, clock: FrozenClock
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    assert machine.get(f"/ping/{key}/start").json() == {"status": "ok", "state": "new"}
    clock.advance(seconds=42)
    machine.get(f"/ping/{key}")
    assert read(alerting, heartbeat_id).last_duration_seconds == 42


def test_a_missed_ping_triggers_one_critical_alert_however_often_the_timer_runs(
    alerting: Container, machine: TestClient, clock: FrozenClock, worker: Worker, fakes: Fakes
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    machine.get(f"/ping/{key}")
    clock.advance(minutes=5, seconds=30)
    worker.run_once()
    assert alerts_of(alerting) == []
    assert machine.get(f"/ping/{key}/start").json()["state"] == "late"

    clock.advance(seconds=30)  # due time plus grace
    worker.run_once()
    [alert] = alerts_of(alerting)
    assert (alert.severity, alert.status, alert.dedup_key) == (
        "critical",
        "triggered",
        f"heartbeat:{heartbeat_id}",
    )
    assert alert.summary == "ハートビート「FAX sender」の ping が届いていません"
    assert read(alerting, heartbeat_id).state == "down"
    for _ in range(3):
        clock.advance(hours=1)
        worker.run_once()
    [still_one] = alerts_of(alerting)
    assert still_one.count == 1
    assert len(fakes.chat.in_channel(CHANNEL)) == 1
    assert pending_checks(alerting) == []


def test_the_next_good_ping_resolves_the_alert(
    alerting: Container, machine: TestClient, clock: FrozenClock, worker: Worker, fakes: Fakes
) -> None:
    _heartbeat_id, key = make_heartbeat(alerting)
    machine.get(f"/ping/{key}")
    clock.advance(minutes=10)
    worker.run_once()
    assert machine.get(f"/ping/{key}").json() == {"status": "ok", "state": "up"}
    [alert] = alerts_of(alerting)
    assert alert.status == "resolved"
    with alerting.sessions() as db:
        [group] = db.scalars(select(AlertGroup))
        assert group.status == "resolved"
    worker.run_once()
    assert "解決" in fakes.chat.in_channel(CHANNEL)[0].current_text
    # Watching goes on: the next miss opens a new alert.
    clock.advance(minutes=10)
    worker.run_once()
    assert [a.status for a in alerts_of(alerting)] == ["resolved", "triggered"]


def test_fail_triggers_at_once_and_keeps_the_body(
    alerting: Container, machine: TestClient, worker: Worker, fakes: Fakes
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    answer = machine.post(f"/ping/{key}/fail", content=b"SMTP 550: mailbox unavailable")
    assert answer.json() == {"status": "ok", "state": "failing"}
    [alert] = alerts_of(alerting)
    assert (alert.status, alert.severity) == ("triggered", "critical")
    assert alert.summary == "ハートビート「FAX sender」が失敗を報告しました"
    assert alert.details["body"] == "SMTP 550: mailbox unavailable"
    worker.run_once()
    assert len(fakes.chat.in_channel(CHANNEL)) == 1
    machine.post(f"/ping/{key}/fail")
    assert alerts_of(alerting)[0].count == 2  # the same alert again, no second notice
    machine.get(f"/ping/{key}")
    assert alerts_of(alerting)[0].status == "resolved"
    assert read(alerting, heartbeat_id).state == "up"


def test_an_exit_status_in_the_url_says_success_or_failure(alerting: Container, machine: TestClient) -> None:
    _heartbeat_id, key = make_heartbeat(alerting)
    assert machine.get(f"/ping/{key}/1").json()["state"] == "failing"
    assert machine.get(f"/ping/{key}/0").json()["state"] == "up"
    assert machine.get(f"/ping/{key}/oops").status_code == 422


def test_a_heartbeat_never_pinged_waits_without_alerting(
    alerting: Container, clock: FrozenClock, worker: Worker
) -> None:
    heartbeat_id, _ = make_heartbeat(alerting)
    clock.advance(days=2)
    worker.run_once()
    assert alerts_of(alerting) == []
    assert read(alerting, heartbeat_id).state == "new"


def test_paused_heartbeats_record_pings_and_do_not_alert(
    alerting: Container, machine: TestClient, clock: FrozenClock, worker: Worker
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    machine.get(f"/ping/{key}")
    with alerting.sessions() as db:
        heartbeats.pause_heartbeat(session=db, heartbeat_id=heartbeat_id)
        db.commit()
    clock.advance(hours=1)
    worker.run_once()
    assert machine.post(f"/ping/{key}/fail", content=b"boom").json()["state"] == "paused"
    assert alerts_of(alerting) == []
    assert read(alerting, heartbeat_id).last_ping_body == "boom"

    with alerting.sessions() as db:
        heartbeats.resume_heartbeat(session=db, heartbeat_id=heartbeat_id, now=clock.now)
        db.commit()
    assert read(alerting, heartbeat_id).next_due_at == clock.now + timedelta(minutes=5)
    clock.advance(minutes=6)
    worker.run_once()
    assert len(alerts_of(alerting)) == 1


def test_a_cron_heartbeat_expects_the_next_run_in_its_zone(
    alerting: Container, machine: TestClient, clock: FrozenClock, worker: Worker
) -> None:
    clock.now = datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC)  # 09:00:05 in Tokyo
    heartbeat_id, key = make_heartbeat(
        alerting, period_seconds=None, cron="0 9 * * mon-fri", timezone="Asia/Tokyo", grace_seconds=600
    )
    machine.get(f"/ping/{key}")
    assert read(alerting, heartbeat_id).next_due_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    clock.now = datetime(2026, 12, 4, 0, 0, 5, tzinfo=UTC)  # Friday
    machine.get(f"/ping/{key}")
    assert read(alerting, heartbeat_id).next_due_at == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # Monday
    clock.now = datetime(2026, 12, 7, 0, 9, tzinfo=UTC)
    worker.run_once()
    assert alerts_of(alerting) == []
    clock.now = datetime(2026, 12, 7, 0, 10, tzinfo=UTC)
    worker.run_once()
    assert len(alerts_of(alerting)) == 1


def test_deleting_a_heartbeat_stops_its_url_and_keeps_its_alerts(
    alerting: Container, machine: TestClient
) -> None:
    heartbeat_id, key = make_heartbeat(alerting)
    machine.post(f"/ping/{key}/fail")
    with alerting.sessions() as db:
        heartbeats.delete_heartbeat(session=db, heartbeat_id=heartbeat_id)
        db.commit()
    assert machine.get(f"/ping/{key}").status_code == 404
    assert len(alerts_of(alerting)) == 1
