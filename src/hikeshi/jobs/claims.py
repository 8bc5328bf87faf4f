"""How workers take jobs and report on them. Each function is one statement; the worker commits.

Claiming is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …`: on
PostgreSQL any number of workers claim side by side without waiting on each other's rows, and a row
another worker claimed meanwhile fails the re-checked condition. On SQLite (one worker, enforced by a
lock file) the UPDATE takes the write lock first, so it never has to upgrade a read transaction.
Every report names the worker, so one whose lease ran out and was taken back cannot overwrite the
new holder's record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Result, bindparam, case, literal, select, update
from sqlalchemy.orm import Session

from hikeshi.db.base import UTCDateTime
from hikeshi.jobs.models import Job
from hikeshi.jobs.rules import JobStatus, truncate

# The worker reports through one connection per batch; tests and tools may pass a Session.
Executor = Session | Connection

LEASE_EXPIRED = "LeaseExpired: the worker running it stopped before finishing; taken back by another run"


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job in a worker's hands: plain values, no ORM session attached."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one
    max_attempts: int | None
    due_at: datetime
    locked_until: datetime
    reclaimed: bool = False  # its earlier worker died holding it


def claim_due_jobs(
    *,
    session: Executor,
    worker_id: str,
    now: datetime,
    limit: int,
    leases: Mapping[str, timedelta],
    default_lease: timedelta,
) -> list[ClaimedJob]:
    """Take back jobs whose worker died, then take due pending jobs; soonest due first."""
    locked_until = _lease_expression(now=now, leases=leases, default_lease=default_lease)
    expired = (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < now)
    reclaimed = _claim(
        session, expired, worker_id=worker_id, now=now, limit=limit, locked_until=locked_until, reclaim=True
    )
    due = (Job.status == JobStatus.PENDING.value) & (Job.due_at <= now)
    remaining = limit - len(reclaimed)
    fresh = (
        _claim(
            session,
            due,
            worker_id=worker_id,
            now=now,
            limit=remaining,
            locked_until=locked_until,
            reclaim=False,
        )
        if remaining > 0
        else []
    )
    return sorted(reclaimed + fresh, key=lambda job: (job.due_at, job.id))


def _lease_expression(
    *, now: datetime, leases: Mapping[str, timedelta], default_lease: timedelta
) -> ColumnElement[datetime]:
    """Each kind's own lease, chosen in SQL so a batch of mixed kinds is still one statement."""
    default = literal(now + default_lease, UTCDateTime())
    if not leases:
        return default
    whens = {kind: literal(now + lease, UTCDateTime()) for kind, lease in leases.items()}
    return case(whens, value=Job.kind, else_=default)


def _claim(
    session: Executor,
    condition: ColumnElement[bool],
    *,
    worker_id: str,
    now: datetime,
    limit: int,
    locked_until: ColumnElement[datetime],
    reclaim: bool,
) -> list[ClaimedJob]:
    candidates = (
        select(Job.id)
        .where(condition)
        .order_by(Job.due_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # nothing on SQLite, where one worker runs
        .cte("candidates")
    )
    values: dict[str, Any] = {
        "status": JobStatus.RUNNING.value,
        "locked_by": worker_id,
        "locked_until": locked_until,
        "attempts": Job.attempts + 1,
        "updated_at": now,
    }
    if reclaim:
        values["last_error"] = LEASE_EXPIRED
    statement = (
        update(Job)
        # A join, not `id IN (…)`: the planner then drives from the few candidates, even when the
        # table's statistics are stale after a burst (IN made it scan every due job). The
        # candidates are locked by this statement, so their condition needs no second check.
        .where(Job.id == candidates.c.id)
        .values(**values)
        .returning(
            Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts, Job.due_at, Job.locked_until
        )
        .execution_options(synchronize_session=False)
    )
    return [ClaimedJob(**row._asdict(), reclaimed=reclaim) for row in session.execute(statement)]


# The per-job reports run thousands of times a minute: built once, with bound parameters, on the
# table (Core statements: no ORM bookkeeping). Each matches only a job this worker still holds.
_HELD = (
    (Job.id == bindparam("job_id"))
    & (Job.locked_by == bindparam("worker_id"))
    & (Job.status == JobStatus.RUNNING.value)
)
_EXTEND = update(Job).where(_HELD).values(locked_until=bindparam("until"), updated_at=bindparam("now"))
_SUCCEED = (
    update(Job)
    .where(_HELD)
    .values(
        status=JobStatus.SUCCEEDED.value,
        finished_at=bindparam("now"),
        locked_by=None,
        locked_until=None,
        updated_at=bindparam("now"),
    )
)
_RETRY = (
    update(Job)
    .where(_HELD)
    .values(
        status=JobStatus.PENDING.value,
        due_at=bindparam("retry_at"),
        last_error=bindparam("error"),
        locked_by=None,
        locked_until=None,
        updated_at=bindparam("now"),
    )
)
_DIE = (
    update(Job)
    .where(_HELD)
    .values(
        status=JobStatus.DEAD.value,
        finished_at=bindparam("now"),
        last_error=bindparam("error"),
        locked_by=None,
        locked_until=None,
        updated_at=bindparam("now"),
    )
)


def _rowcount(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def expire_all_leases(*, session: Executor, now: datetime) -> int:
    """End every lease now. Only for the one SQLite worker at start: any running job was its dead
    predecessor's, so it need not wait out the lease before being taken back."""
    statement = (
        update(Job)
        .where(Job.status == JobStatus.RUNNING.value, Job.locked_until >= now)
        .values(locked_until=now - timedelta(microseconds=1))
    )
    return _rowcount(session.execute(statement))


def extend_lease(*, session: Executor, job_id: int, worker_id: str, until: datetime, now: datetime) -> bool:
    """Keep a job that waited its turn in the batch; False when another worker has taken it back."""
    params = {"job_id": job_id, "worker_id": worker_id, "until": until, "now": now}
    return _rowcount(session.execute(_EXTEND, params)) == 1


def mark_succeeded(*, session: Executor, job_id: int, worker_id: str, now: datetime) -> bool:
    params = {"job_id": job_id, "worker_id": worker_id, "now": now}
    return _rowcount(session.execute(_SUCCEED, params)) == 1


def mark_failed(
    *, session: Executor, job_id: int, worker_id: str, now: datetime, error: str, retry_at: datetime | None
) -> bool:
    """Pending again at `retry_at`, or dead when it is None."""
    params: dict[str, Any] = {"job_id": job_id, "worker_id": worker_id, "now": now, "error": truncate(error)}
    if retry_at is None:
        return _rowcount(session.execute(_DIE, params)) == 1
    return _rowcount(session.execute(_RETRY, {**params, "retry_at": retry_at})) == 1


def release_jobs(*, session: Executor, job_ids: Sequence[int], worker_id: str, now: datetime) -> int:
    """Give back claimed jobs that never started: pending again, the claim's attempt not counted."""
    if not job_ids:
        return 0
    statement = (
        update(Job)
        .where(
            Job.id.in_(job_ids),
            Job.locked_by == worker_id,
            Job.status == JobStatus.RUNNING.value,
        )
        .values(
            status=JobStatus.PENDING.value,
            locked_by=None,
            locked_until=None,
            attempts=Job.attempts - 1,
            updated_at=now,
        )
    )
    return _rowcount(session.execute(statement))
