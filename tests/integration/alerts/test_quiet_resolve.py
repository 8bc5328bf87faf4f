"""Quiet-period auto-resolve: a group with no new alert for the integration's `resolve_after_minutes`
resolves itself; each new alert pushes the deadline back."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from hikeshi.alerts import groups, integrations
from hikeshi.alerts.models import AlertEvent
from hikeshi.alerts.normalized import Action
from hikeshi.alerts.quiet import QUIET_RESOLVE_JOB
from hikeshi.bootstrap import Container
from hikeshi.cli import app
from hikeshi.jobs.models import Job
from hikeshi.jobs.worker import Worker
from tests.integration.alerts.conftest import Ingest, alert
from tests.integration.delivery.conftest import Fakes
from tests.support.clock import FrozenClock
from tests.support.web import People


@pytest.fixture
def quiet_after_30(alerting: Container, integration_id: int) -> None:
    with alerting.sessions() as db:
        integrations.get_integration(session=db, integration_id=integration_id).resolve_after_minutes = 30
        db.commit()


def status_of(container: Container, group_id: int | None) -> str:
    with container.sessions() as db:
        return groups.get_group(session=db, group_id=group_id or 0).status


def quiet_jobs(container: Container) -> list[Job]:
    with container.sessions() as db:
        return list(db.scalars(select(Job).where(Job.kind == QUIET_RESOLVE_JOB, Job.status == "pending")))


@pytest.mark.usefixtures("quiet_after_30")
def test_a_group_resolves_itself_after_the_quiet_period(
    alerting: Container, ingest: Ingest, clock: FrozenClock, worker: Worker, fakes: Fakes
) -> None:
    [first] = ingest(alert("db-1/disk"), alert("db-2/disk"))[:1]
    worker.run_once()
    clock.advance(minutes=29)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "triggered"
    clock.advance(minutes=1)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "resolved"
    with alerting.sessions() as db:
        alerts = groups.group_alerts(session=db, group_id=first.group_id or 0)
        assert {a.status for a in alerts} == {"resolved"}
        notes = [e.note for e in db.scalars(select(AlertEvent).where(AlertEvent.kind == "quiet_period"))]
    assert notes == ["no new alert for 30 minutes"]
    assert "解決" in fakes.chat.posts[0].current_text
    # The next alert opens a new group.
    [again] = ingest(alert("db-1/disk"))
    assert again.group_id != first.group_id


@pytest.mark.usefixtures("quiet_after_30")
def test_each_new_alert_pushes_the_deadline_back_with_one_pending_timer(
    alerting: Container, ingest: Ingest, clock: FrozenClock, worker: Worker
) -> None:
    [first] = ingest(alert("db-1/disk"))
    for _ in range(3):
        clock.advance(minutes=20)
        ingest(alert("db-1/disk"))  # the same alert again: still news
        worker.run_once()
        assert status_of(alerting, first.group_id) == "triggered"
    [timer] = quiet_jobs(alerting)
    assert timer.due_at == clock.now + timedelta(minutes=30)
    clock.advance(minutes=29)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "triggered"
    clock.advance(minutes=1)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "resolved"


@pytest.mark.usefixtures("quiet_after_30")
def test_a_timer_that_runs_early_waits_for_the_new_deadline(
    alerting: Container, ingest: Ingest, clock: FrozenClock, worker: Worker
) -> None:
    [first] = ingest(alert("db-1/disk"))
    clock.advance(minutes=10)
    with alerting.sessions() as db:  # news the timer did not hear of (a resolve of another alert, say)
        groups.get_group(session=db, group_id=first.group_id or 0).last_seen_at = clock.now
        db.commit()
    clock.advance(minutes=20)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "triggered"
    [timer] = quiet_jobs(alerting)
    assert timer.due_at == clock.now + timedelta(minutes=10)
    clock.advance(minutes=10)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "resolved"


def test_without_the_setting_groups_wait_for_the_source(
    alerting: Container, ingest: Ingest, clock: FrozenClock, worker: Worker
) -> None:
    [first] = ingest(alert("db-1/disk"))
    assert quiet_jobs(alerting) == []
    clock.advance(days=3)
    worker.run_once()
    assert status_of(alerting, first.group_id) == "triggered"


@pytest.mark.usefixtures("quiet_after_30")
def test_a_group_its_source_resolved_is_left_alone(
    alerting: Container, ingest: Ingest, clock: FrozenClock, worker: Worker
) -> None:
    [first] = ingest(alert("db-1/disk"))
    clock.advance(minutes=5)
    ingest(alert("db-1/disk", action=Action.RESOLVE))
    clock.advance(minutes=40)
    worker.run_once()
    with alerting.sessions() as db:
        kinds = [e.kind for e in groups.group_events(session=db, group_id=first.group_id or 0)]
    assert "quiet_period" not in kinds
    assert kinds.count("resolved") == 1


def test_the_api_and_the_cli_set_the_quiet_period(
    client: TestClient, people: People, container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = people.add("admin@example.jp", "admin")
    headers = {"Authorization": f"Bearer {people.token(admin)}"}
    body = {"name": "Grafana", "kind": "grafana", "resolve_after_minutes": 45}
    created = client.post("/api/v1/integrations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["resolve_after_minutes"] == 45
    too_long = client.post(
        "/api/v1/integrations", json={**body, "resolve_after_minutes": 20000}, headers=headers
    )
    assert too_long.status_code == 422
    assert too_long.json()["error"]["message"].startswith("resolve_after_minutes")

    monkeypatch.chdir(tmp_path)
    environment = {
        "HIKESHI_DATABASE_URL": container.settings.database_url,
        "HIKESHI_SECRET_KEY": "x" * 40,
        "HIKESHI_ENV": "test",
        "HIKESHI_LANGUAGE": "en",
    }
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["integration", "add", "Mackerel", "--kind", "mackerel", "--resolve-after", "2h", "--json"],
        env=environment,
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["resolve_after_minutes"] == 120
    refused = runner.invoke(
        app,
        ["integration", "add", "Mackerel", "--kind", "mackerel", "--resolve-after", "90s"],
        env=environment,
    )
    assert refused.exit_code == 2
    assert "resolve_after: '90s' is not a whole number of minutes" in refused.stderr
