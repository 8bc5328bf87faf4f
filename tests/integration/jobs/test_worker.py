"""The worker: runs due jobs, retries with backoff, gives up into dead letters, survives dead workers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hikeshi.bootstrap import Container
from hikeshi.core.errors import ExternalServiceError, WorkerAlreadyRunning
from hikeshi.jobs import claims, service
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.jobs.worker import Worker
from hikeshi.web.app import create_app
from tests.support.clock import FrozenClock
from tests.support.jobs import Recorder, UpperBound, enqueue_committed, read_job


def test_worker_runs_due_jobs_and_waits_for_future_ones(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    recorder = Recorder()
    registry.register(JobSpec(kind="chat.post", handler=recorder))
    now_id = enqueue_committed(clocked, "chat.post", {"text": "now"})
    later_id = enqueue_committed(
        clocked, "chat.post", {"text": "later"}, due_at=clock.now + timedelta(minutes=10)
    )

    assert worker.run_once() == 1
    assert recorder.calls == [(now_id, 1, {"text": "now"})]
    done = read_job(clocked, now_id)
    assert (done.status, done.attempts, done.finished_at, done.locked_by) == ("succeeded", 1, clock.now, None)

    clock.advance(minutes=9, seconds=59)
    assert worker.run_once() == 0
    clock.advance(seconds=1)
    assert worker.run_once() == 1
    assert recorder.calls[-1] == (later_id, 1, {"text": "later"})


def test_handler_work_and_timers_it_enqueues_are_committed_by_the_handler(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    ran: list[str] = []

    def escalate(context: JobContext, payload: dict[str, Any]) -> None:
        ran.append(payload["step"])
        if payload["step"] == "first":
            with context.sessions() as db:
                service.enqueue(
                    session=db,
                    kind="page.escalate",
                    payload={"step": "second"},
                    now=context.clock(),
                    due_at=context.clock() + timedelta(minutes=5),
                )
                db.commit()

    registry.register(JobSpec(kind="page.escalate", handler=escalate))
    enqueue_committed(clocked, "page.escalate", {"step": "first"})
    assert worker.run_once() == 1
    clock.advance(minutes=5)
    assert worker.run_once() == 1
    assert ran == ["first", "second"]


def test_failed_job_is_retried_with_exponential_backoff_then_dead(
    clocked: Container, clock: FrozenClock, registry: JobRegistry
) -> None:
    recorder = Recorder(fail_with=RuntimeError("provider timed out"))
    registry.register(
        JobSpec(kind="sms.send", handler=recorder, max_attempts=4, base_delay=timedelta(seconds=5))
    )
    job_id = enqueue_committed(clocked, "sms.send", {"to": "+819012345678"})
    with Worker(container=clocked, registry=registry, rng=UpperBound()) as worker:
        for attempt, delay in ((1, 5), (2, 10), (3, 20)):
            assert worker.run_once() == 1
            job = read_job(clocked, job_id)
            assert (job.status, job.attempts) == ("pending", attempt)
            assert job.due_at == clock.now + timedelta(seconds=delay)
            assert job.last_error == "RuntimeError: provider timed out"
            clock.advance(seconds=delay - 1)
            assert worker.run_once() == 0  # not due yet
            clock.advance(seconds=1)
        assert worker.run_once() == 1
    job = read_job(clocked, job_id)
    assert (job.status, job.attempts, job.finished_at) == ("dead", 4, clock.now)
    assert len(recorder.calls) == 4


def test_backoff_has_full_jitter_within_the_exponential_ceiling(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    registry.register(
        JobSpec(kind="flaky", handler=Recorder(fail_with=RuntimeError("x")), base_delay=timedelta(seconds=60))
    )
    ids = [enqueue_committed(clocked, "flaky", {}) for _ in range(20)]
    assert worker.run_once() == 20
    delays = [(read_job(clocked, job_id).due_at - clock.now).total_seconds() for job_id in ids]
    assert all(0 <= delay <= 60 for delay in delays)
    assert len(set(delays)) > 10  # spread out, not one wave


def test_retry_after_from_the_provider_is_honoured_exactly(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    error = ExternalServiceError("Slack answered 429", retry_after_seconds=30)
    registry.register(JobSpec(kind="chat.post", handler=Recorder(fail_with=error)))
    job_id = enqueue_committed(clocked, "chat.post", {})
    assert worker.run_once() == 1
    job = read_job(clocked, job_id)
    assert (job.status, job.due_at) == ("pending", clock.now + timedelta(seconds=30))
    assert job.last_error == "ExternalServiceError: Slack answered 429"


def test_permanent_failure_is_dead_at_once(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    error = ExternalServiceError("550 mailbox unavailable", permanent=True)
    recorder = Recorder(fail_with=error)
    registry.register(JobSpec(kind="email.send", handler=recorder))
    job_id = enqueue_committed(clocked, "email.send", {})
    assert worker.run_once() == 1
    job = read_job(clocked, job_id)
    assert (job.status, job.attempts, job.finished_at) == ("dead", 1, clock.now)
    assert job.last_error == "ExternalServiceError: 550 mailbox unavailable"
    assert len(recorder.calls) == 1


def test_max_attempts_given_at_enqueue_wins_over_the_kinds(
    clocked: Container, registry: JobRegistry, worker: Worker
) -> None:
    registry.register(JobSpec(kind="once", handler=Recorder(fail_with=RuntimeError("no")), max_attempts=8))
    job_id = enqueue_committed(clocked, "once", {}, max_attempts=1)
    assert worker.run_once() == 1
    assert read_job(clocked, job_id).status == "dead"


def test_unknown_kind_is_dead_with_a_clear_error(clocked: Container, worker: Worker) -> None:
    job_id = enqueue_committed(clocked, "nobody.handles.this", {})
    assert worker.run_once() == 1
    job = read_job(clocked, job_id)
    assert job.status == "dead"
    assert job.last_error == "UnknownKind: no handler is registered for job kind 'nobody.handles.this'"


def test_last_error_is_cut_to_2000_characters_and_hides_secrets(
    clocked: Container, registry: JobRegistry, worker: Worker
) -> None:
    error = RuntimeError(
        "POST https://hooks.slack.com/services/T1/B2/s3cr3t failed token=abc123 " + "x" * 5000
    )
    registry.register(JobSpec(kind="webhook", handler=Recorder(fail_with=error)))
    job_id = enqueue_committed(clocked, "webhook", {})
    worker.run_once()
    text = read_job(clocked, job_id).last_error or ""
    assert len(text) == 2000
    assert "s3cr3t" not in text
    assert "abc123" not in text
    assert text.startswith("RuntimeError: POST https://hooks.slack.com/services/*** failed token=***")


def test_job_whose_worker_died_runs_again_when_its_lease_expires(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    recorder = Recorder()
    registry.register(JobSpec(kind="email.send", handler=recorder, lease=timedelta(minutes=2)))
    job_id = enqueue_committed(clocked, "email.send", {"to": "a@example.jp"})
    with clocked.sessions() as db:  # a worker claims it, then dies
        claimed = claims.claim_due_jobs(
            session=db,
            worker_id="dead-worker",
            now=clock.now,
            limit=10,
            leases={"email.send": timedelta(minutes=2)},
            default_lease=timedelta(minutes=5),
        )
        db.commit()
    assert [job.id for job in claimed] == [job_id]
    assert claimed[0].locked_until == clock.now + timedelta(minutes=2)

    clock.advance(minutes=1, seconds=59)
    assert worker.run_once() == 0
    clock.advance(seconds=2)
    assert worker.run_once() == 1
    assert recorder.calls == [(job_id, 2, {"to": "a@example.jp"})]  # the dead worker's try counted
    job = read_job(clocked, job_id)
    assert (job.status, job.attempts) == ("succeeded", 2)
    with clocked.sessions() as db:  # the dead worker's late word changes nothing
        assert not claims.mark_failed(
            session=db, job_id=job_id, worker_id="dead-worker", now=clock.now, error="late", retry_at=None
        )


def test_job_that_kills_every_worker_ends_dead_without_running_again(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    recorder = Recorder()
    registry.register(JobSpec(kind="poison", handler=recorder, max_attempts=1, lease=timedelta(minutes=1)))
    job_id = enqueue_committed(clocked, "poison", {})
    with clocked.sessions() as db:
        claims.claim_due_jobs(
            session=db,
            worker_id="crashed",
            now=clock.now,
            limit=1,
            leases={},
            default_lease=timedelta(minutes=1),
        )
        db.commit()
    clock.advance(minutes=2)
    assert worker.run_once() == 1
    job = read_job(clocked, job_id)
    assert job.status == "dead"
    assert (job.last_error or "").startswith("LeaseExpired")
    assert recorder.calls == []


def test_graceful_stop_finishes_the_job_in_hand_and_releases_the_rest(
    clocked: Container, registry: JobRegistry, worker: Worker
) -> None:
    stop = threading.Event()
    ran: list[int] = []

    def handler(context: JobContext, payload: dict[str, Any]) -> None:
        stop.set()  # SIGTERM arrives while the first job of the batch runs
        ran.append(context.job_id)

    registry.register(JobSpec(kind="email.send", handler=handler))
    ids = [enqueue_committed(clocked, "email.send", {"n": n}) for n in range(5)]
    worker.run(stop)

    assert ran == ids[:1]
    assert read_job(clocked, ids[0]).status == "succeeded"
    for job_id in ids[1:]:
        job = read_job(clocked, job_id)
        assert (job.status, job.locked_by, job.locked_until, job.attempts) == ("pending", None, None, 0)
    with clocked.sessions() as db:
        assert service.job_counts(session=db) == {"pending": 4, "running": 0, "succeeded": 1, "dead": 0}


def test_second_worker_is_refused_on_sqlite_and_welcome_on_postgresql(
    clocked: Container, registry: JobRegistry, worker: Worker
) -> None:
    if clocked.settings.is_sqlite:
        with pytest.raises(WorkerAlreadyRunning) as raised:
            Worker(container=clocked, registry=registry)
        assert "already running on this SQLite database" in str(raised.value)
        assert "\n" not in str(raised.value)
        worker.close()  # the first one stops: now a new one may start
    with Worker(container=clocked, registry=registry) as second:
        assert second.run_once() == 0


def test_housekeeping_purges_succeeded_jobs_older_than_a_week(
    clocked: Container, clock: FrozenClock, registry: JobRegistry, worker: Worker
) -> None:
    registry.register(JobSpec(kind="ok", handler=Recorder()))
    old = enqueue_committed(clocked, "ok", {})
    dead = enqueue_committed(clocked, "unknown", {})
    worker.run_once()
    clock.advance(days=7, seconds=1)
    recent = enqueue_committed(clocked, "ok", {})
    worker.run_once()
    assert worker.housekeep() == 1
    with clocked.sessions() as db:
        assert {job.id for job in service.list_jobs(session=db)} == {dead, recent}
    assert old not in (dead, recent)


def test_web_app_runs_the_worker_for_its_lifetime(container: Container) -> None:
    recorder = Recorder()
    container.jobs.register(JobSpec(kind="chat.post", handler=recorder))
    worker = Worker(container=container, registry=container.jobs, poll_interval=0.02)
    app = create_app(container, background=worker.in_background)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        job_id = enqueue_committed(container, "chat.post", {"text": "from the web"})
        deadline = time.monotonic() + 10
        while read_job(container, job_id).status != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert read_job(container, job_id).status == "succeeded"
        assert any(thread.name == "hikeshi-worker" for thread in threading.enumerate())
    assert not any(thread.name == "hikeshi-worker" for thread in threading.enumerate())
    assert recorder.calls == [(job_id, 1, {"text": "from the web"})]
    worker.close()


def test_an_idle_worker_wakes_when_this_process_commits_a_job(
    clocked: Container, registry: JobRegistry
) -> None:
    ran = threading.Event()
    registry.register(JobSpec(kind="chat.post", handler=lambda context, payload: ran.set()))
    # It would look for jobs again only after a minute by itself.
    idle = Worker(container=clocked, registry=registry, worker_id="idle", poll_interval=60)
    with idle, idle.in_background():
        time.sleep(0.2)  # let it find nothing and start waiting
        enqueue_committed(clocked, "chat.post", {"text": "now"})
        assert ran.wait(10), "the worker slept through the commit"
