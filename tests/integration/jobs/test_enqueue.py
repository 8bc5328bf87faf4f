"""Enqueueing inside the caller's transaction: rollback, idempotency, replacement; listing and retrying."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from hikeshi.bootstrap import Container
from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.jobs import claims, service
from hikeshi.jobs.models import Job
from tests.support.clock import FrozenClock
from tests.support.jobs import enqueue_committed, read_job


def _count(container: Container) -> int:
    with container.sessions() as db:
        return db.scalar(select(func.count(Job.id))) or 0


def _claim_all(container: Container, worker_id: str = "someone") -> list[int]:
    with container.sessions() as db:
        batch = claims.claim_due_jobs(
            session=db,
            worker_id=worker_id,
            now=container.clock(),
            limit=100,
            leases={},
            default_lease=timedelta(minutes=5),
        )
        db.commit()
    return [job.id for job in batch]


def test_job_enqueued_in_a_rolled_back_transaction_never_exists(clocked: Container) -> None:
    with clocked.sessions() as db:
        job = service.enqueue(session=db, kind="chat.post", payload={"text": "hi"}, now=clocked.clock())
        assert job is not None
        assert job.id is not None
        db.rollback()
    assert _count(clocked) == 0


def test_job_enqueued_in_a_committed_transaction_is_pending_and_due_now(
    clocked: Container, clock: FrozenClock
) -> None:
    job_id = enqueue_committed(clocked, "chat.post", {"text": "火事です"})
    job = read_job(clocked, job_id)
    assert (job.status, job.payload, job.attempts) == ("pending", {"text": "火事です"}, 0)
    assert job.due_at == clock.now
    assert job.created_at == clock.now


def test_duplicate_idempotency_key_is_a_no_op(clocked: Container) -> None:
    first = enqueue_committed(clocked, "email.send", {"to": "a@example.jp"}, idempotency_key="notice-1:a")
    with clocked.sessions() as db:
        again = service.enqueue(
            session=db,
            kind="email.send",
            payload={"to": "changed@example.jp"},
            now=clocked.clock(),
            idempotency_key="notice-1:a",
        )
        db.commit()
    assert again is None
    assert _count(clocked) == 1
    assert read_job(clocked, first).payload == {"to": "a@example.jp"}


def test_duplicate_idempotency_key_leaves_the_callers_transaction_usable(clocked: Container) -> None:
    enqueue_committed(clocked, "email.send", {}, idempotency_key="k")
    with clocked.sessions() as db:
        assert (
            service.enqueue(
                session=db, kind="email.send", payload={}, now=clocked.clock(), idempotency_key="k"
            )
            is None
        )
        other = service.enqueue(
            session=db, kind="email.send", payload={}, now=clocked.clock(), idempotency_key="k2"
        )
        db.commit()
    assert other is not None
    assert _count(clocked) == 2


def test_replace_key_supersedes_a_pending_job(clocked: Container) -> None:
    first = enqueue_committed(clocked, "chat.update", {"text": "investigating"}, replace_key="msg:C1:1.0")
    second = enqueue_committed(clocked, "chat.update", {"text": "identified"}, replace_key="msg:C1:1.0")
    assert second == first
    assert _count(clocked) == 1
    assert read_job(clocked, first).payload == {"text": "identified"}


def test_replace_key_keeps_the_due_time_unless_a_new_one_is_given(
    clocked: Container, clock: FrozenClock
) -> None:
    later = clock.now + timedelta(seconds=30)
    job_id = enqueue_committed(clocked, "chat.update", {"n": 1}, replace_key="r", due_at=later)
    enqueue_committed(clocked, "chat.update", {"n": 2}, replace_key="r")
    assert read_job(clocked, job_id).due_at == later
    sooner = clock.now + timedelta(seconds=5)
    enqueue_committed(clocked, "chat.update", {"n": 3}, replace_key="r", due_at=sooner)
    assert read_job(clocked, job_id).due_at == sooner


def test_replace_key_adds_a_new_job_once_the_first_is_running(clocked: Container) -> None:
    first = enqueue_committed(clocked, "chat.update", {"text": "v1"}, replace_key="msg:C1:1.0")
    assert _claim_all(clocked) == [first]
    second = enqueue_committed(clocked, "chat.update", {"text": "v2"}, replace_key="msg:C1:1.0")
    assert second != first
    assert read_job(clocked, first).payload == {"text": "v1"}
    assert read_job(clocked, first).status == "running"
    assert read_job(clocked, second).payload == {"text": "v2"}


def test_replace_key_does_not_touch_another_kind(clocked: Container) -> None:
    first = enqueue_committed(clocked, "chat.update", {"n": 1}, replace_key="same")
    second = enqueue_committed(clocked, "email.send", {"n": 2}, replace_key="same")
    assert first != second
    assert read_job(clocked, first).payload == {"n": 1}


def test_enqueue_refuses_an_empty_kind_naming_the_field(clocked: Container) -> None:
    with clocked.sessions() as db, pytest.raises(InvalidInput) as raised:
        service.enqueue(session=db, kind="", payload={}, now=clocked.clock())
    assert raised.value.field == "kind"


def test_list_jobs_filters_by_status_and_kind(clocked: Container, clock: FrozenClock) -> None:
    soon = enqueue_committed(clocked, "chat.post", {}, due_at=clock.now + timedelta(minutes=1))
    now = enqueue_committed(clocked, "chat.post", {})
    mail = enqueue_committed(clocked, "email.send", {})
    with clocked.sessions() as db:
        pending_chat = service.list_jobs(session=db, status="pending", kind="chat.post")
        everything = service.list_jobs(session=db)
        assert [job.id for job in pending_chat] == [now, soon]  # soonest due first
        assert {job.id for job in everything} == {soon, now, mail}
        assert service.list_jobs(session=db, status="dead") == []
        with pytest.raises(InvalidInput) as raised:
            service.list_jobs(session=db, status="failed")
    assert raised.value.render(str) == "status: 'failed' is not one of pending, running, succeeded, dead"


def test_job_counts_list_every_status(clocked: Container) -> None:
    enqueue_committed(clocked, "a", {})
    enqueue_committed(clocked, "a", {})
    _claim_all(clocked)
    enqueue_committed(clocked, "a", {})
    with clocked.sessions() as db:
        assert service.job_counts(session=db) == {"pending": 1, "running": 2, "succeeded": 0, "dead": 0}


def test_retry_makes_a_dead_job_due_now_with_fresh_attempts(clocked: Container, clock: FrozenClock) -> None:
    job_id = enqueue_committed(clocked, "a", {})
    with clocked.sessions() as db:
        job = service.get_job(session=db, job_id=job_id)
        job.status, job.attempts, job.last_error = "dead", 8, "RuntimeError: boom"
        db.commit()
    clock.advance(hours=2)
    with clocked.sessions() as db:
        retried = service.retry_job(session=db, job_id=job_id, now=clock.now)
        db.commit()
    assert (retried.status, retried.attempts, retried.due_at) == ("pending", 0, clock.now)
    assert read_job(clocked, job_id).last_error == "RuntimeError: boom"  # kept for the record


def test_retry_refuses_a_running_job_and_an_unknown_id(clocked: Container) -> None:
    job_id = enqueue_committed(clocked, "a", {})
    _claim_all(clocked)
    with clocked.sessions() as db:
        with pytest.raises(Conflict):
            service.retry_job(session=db, job_id=job_id, now=clocked.clock())
        with pytest.raises(NotFound):
            service.retry_job(session=db, job_id=job_id + 100, now=clocked.clock())


def test_enqueue_many_adds_every_job_once_in_the_callers_transaction(
    clocked: Container, clock: FrozenClock
) -> None:
    enqueue_committed(clocked, "email.send", {"to": "a@example.jp"}, idempotency_key="notice-1:a")
    later = clock.now + timedelta(minutes=3)
    jobs = [
        service.NewJob(kind="email.send", payload={"to": address}, idempotency_key=f"notice-1:{address[0]}")
        for address in ("a@example.jp", "b@example.jp", "c@example.jp", "b@example.jp")
    ] + [service.NewJob(kind="call.remind", payload={}, due_at=later)]
    with clocked.sessions() as db:
        added = service.enqueue_many(session=db, jobs=jobs, now=clock.now)
        db.rollback()
    assert len(added) == 3  # a@ existed, the second b@ repeats a key
    assert _count(clocked) == 1  # rolled back: nothing but the first job
    with clocked.sessions() as db:
        added = service.enqueue_many(session=db, jobs=jobs, now=clock.now)
        db.commit()
    assert len(added) == 3
    with clocked.sessions() as db:
        mails = service.list_jobs(session=db, kind="email.send")
        reminder = service.list_jobs(session=db, kind="call.remind")
    assert sorted(job.payload["to"] for job in mails) == ["a@example.jp", "b@example.jp", "c@example.jp"]
    assert reminder[0].due_at == later
    assert reminder[0].id in added


def _supersede(container: Container, payload: dict[str, int], **options: Any) -> None:
    with container.sessions() as db:
        service.supersede(
            session=db, kind="alerts.refresh", payload=payload, now=container.clock(), **options
        )
        db.commit()


def _jobs_of(container: Container, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with container.sessions() as db:
        found = db.scalars(select(Job).where(Job.kind == kind).order_by(Job.id))
        return [(job.status, job.payload) for job in found]


def test_supersede_adds_one_job_then_replaces_it_until_a_worker_takes_it(
    clocked: Container, clock: FrozenClock
) -> None:
    _supersede(clocked, {"n": 1}, replace_key="group:1")
    _supersede(clocked, {"n": 2}, replace_key="group:1")
    _supersede(clocked, {"n": 9}, replace_key="group:2")
    assert _jobs_of(clocked, "alerts.refresh") == [("pending", {"n": 2}), ("pending", {"n": 9})]
    later = clock.now + timedelta(minutes=5)
    _supersede(clocked, {"n": 3}, replace_key="group:1", due_at=later)
    with clocked.sessions() as db:
        job = db.scalars(select(Job).where(Job.replace_key == "group:1")).one()
        assert (job.payload, job.due_at) == ({"n": 3}, later)
    clock.advance(minutes=6)
    _claim_all(clocked)
    _supersede(clocked, {"n": 4}, replace_key="group:1")  # the first runs: a new one is added
    assert _jobs_of(clocked, "alerts.refresh") == [
        ("running", {"n": 3}),
        ("running", {"n": 9}),
        ("pending", {"n": 4}),
    ]


def test_supersede_refuses_an_empty_kind_naming_the_field(clocked: Container) -> None:
    with clocked.sessions() as db, pytest.raises(InvalidInput) as raised:
        service.supersede(session=db, kind="", payload={}, replace_key="r", now=clocked.clock())
    assert raised.value.field == "kind"
