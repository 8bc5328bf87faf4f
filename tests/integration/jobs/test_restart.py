"""A restarted SQLite worker takes back at once what its dead predecessor left running."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hikeshi.bootstrap import Container, bootstrap
from hikeshi.core.settings import Settings
from hikeshi.db.migrate import upgrade_database
from hikeshi.delivery.service import SEND_JOB
from hikeshi.jobs import claims
from hikeshi.jobs.registry import JobRegistry, JobSpec
from hikeshi.jobs.worker import Worker
from tests.support.clock import FrozenClock
from tests.support.jobs import Recorder, enqueue_committed, read_job


def _claimed_by_a_worker_that_died(container: Container, clock: FrozenClock) -> None:
    with container.engine.connect() as connection, connection.begin():
        taken = claims.claim_due_jobs(
            session=connection,
            worker_id="died-mid-batch",
            now=clock(),
            limit=10,
            leases={},
            default_lease=timedelta(minutes=5),
        )
    assert len(taken) == 1


def test_sqlite_worker_restart_does_not_wait_for_the_lease(
    clocked: Container, clock: FrozenClock, registry: JobRegistry
) -> None:
    recorder = Recorder()
    registry.register(JobSpec(kind="test.restart", handler=recorder))
    job_id = enqueue_committed(clocked, "test.restart", {"n": 1})
    _claimed_by_a_worker_that_died(clocked, clock)

    with Worker(container=clocked, registry=registry, worker_id="restarted") as worker:
        ran = worker.run_once()

    if clocked.engine.dialect.name == "sqlite":
        assert ran == 1
        assert [attempt for _, attempt, _ in recorder.calls] == [2]
        assert read_job(clocked, job_id).status == "succeeded"
    else:
        # Other workers may be alive on PostgreSQL: the lease must run out first.
        assert ran == 0
        clock.advance(minutes=6)
        with Worker(container=clocked, registry=registry, worker_id="later") as worker:
            assert worker.run_once() == 1


@pytest.mark.postgres_only
def test_configured_lease_decides_when_a_dead_workers_sends_are_taken_back(
    settings: Settings, clock: FrozenClock
) -> None:
    container = bootstrap(settings.model_copy(update={"job_lease_seconds": 10}), clock=clock)
    upgrade_database(container.engine)
    try:
        job_id = enqueue_committed(container, SEND_JOB, {"delivery_ids": []})
        leases = {spec.kind: spec.lease for spec in container.jobs.specs()}
        with container.engine.connect() as connection, connection.begin():
            claims.claim_due_jobs(
                session=connection,
                worker_id="died-mid-batch",
                now=clock(),
                limit=10,
                leases=leases,
                default_lease=timedelta(minutes=5),
            )
        with Worker(container=container, registry=container.jobs, worker_id="restarted") as worker:
            clock.advance(seconds=9)
            assert worker.run_once() == 0
            clock.advance(seconds=2)
            assert worker.run_once() == 1
        assert read_job(container, job_id).status == "succeeded"
    finally:
        container.close()
