"""Use cases of the outbox. Keyword-only; they never commit: the caller owns the transaction.

Enqueueing inside the caller's transaction is the point: a job exists exactly when the change that
asked for it was committed, so nothing is sent for a rollback and nothing is lost after a commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hikeshi.core.errors import Conflict, InvalidInput, NotFound
from hikeshi.jobs import wakeup
from hikeshi.jobs.models import Job
from hikeshi.jobs.registry import MAX_KIND_LENGTH
from hikeshi.jobs.rules import RETRYABLE, STATUSES, JobStatus, parse_status

MAX_LIST_LIMIT = 1000
PURGE_CHUNK = 5000


def enqueue(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    due_at: datetime | None = None,
    idempotency_key: str | None = None,
    replace_key: str | None = None,
    max_attempts: int | None = None,
) -> Job | None:
    """Add a job to the caller's transaction; None when `idempotency_key` was used before.

    With `replace_key`, a job of the same kind and key that no worker has claimed yet takes the new
    payload (and `due_at`, when given) instead of a second job being added: a queued chat.update is
    superseded by a newer one. Once that job runs or ran, a new job is added.
    """
    _check_enqueue(kind=kind, max_attempts=max_attempts)
    wakeup.mark(session)
    if replace_key is not None:
        replaced = _replace_pending(
            session, kind=kind, replace_key=replace_key, payload=payload, due_at=due_at, now=now
        )
        if replaced is not None:
            return replaced
    params = {
        "kind": kind,
        "payload": payload,
        "due_at": due_at or now,
        "max_attempts": max_attempts,
        "idempotency_key": idempotency_key,
        "replace_key": replace_key,
        "now": now,
    }
    # ON CONFLICT rather than select-then-insert: two transactions racing on one key both succeed.
    return session.scalars(_INSERTS[session.get_bind().dialect.name], params).one_or_none()


def _insert(dialect_insert: Callable[[type[Job]], postgresql.Insert | sqlite.Insert]) -> Executable:
    """Built once per dialect with bound parameters: enqueue is on every hot path (alert intake)."""
    return (
        dialect_insert(Job)
        .values(
            kind=bindparam("kind"),
            payload=bindparam("payload"),
            status=JobStatus.PENDING.value,
            due_at=bindparam("due_at"),
            attempts=0,
            max_attempts=bindparam("max_attempts"),
            idempotency_key=bindparam("idempotency_key"),
            replace_key=bindparam("replace_key"),
            created_at=bindparam("now"),
            updated_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Job)
    )


_INSERTS = {"postgresql": _insert(postgresql.insert), "sqlite": _insert(sqlite.insert)}


@dataclass(frozen=True, slots=True)
class NewJob:
    """One job for `enqueue_many`."""

    kind: str
    payload: dict[str, Any]
    due_at: datetime | None = None
    idempotency_key: str | None = None
    max_attempts: int | None = None


def enqueue_many(*, session: Session, jobs: Iterable[NewJob], now: datetime) -> list[int]:
    """Add many jobs in one statement (fan-out: a notice to every affected store); ids of those added.

    Like `enqueue`, inside the caller's transaction; a job whose idempotency key exists already (or
    repeats within `jobs`) is skipped. There is no `replace_key` here.
    """
    rows = []
    for job in jobs:
        _check_enqueue(kind=job.kind, max_attempts=job.max_attempts)
        rows.append(
            {
                "kind": job.kind,
                "payload": job.payload,
                "status": JobStatus.PENDING.value,
                "due_at": job.due_at or now,
                "attempts": 0,
                "max_attempts": job.max_attempts,
                "idempotency_key": job.idempotency_key,
                "created_at": now,
                "updated_at": now,
            }
        )
    if not rows:
        return []
    wakeup.mark(session)
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(Job).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(Job.id)
    )
    return list(session.scalars(statement, rows))


def _check_enqueue(*, kind: str, max_attempts: int | None) -> None:
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise InvalidInput("kind: must be 1 to {limit} characters", field="kind", limit=MAX_KIND_LENGTH)
    if max_attempts is not None and max_attempts < 1:
        raise InvalidInput("max_attempts: must be at least 1", field="max_attempts")


def supersede(
    *,
    session: Session,
    kind: str,
    payload: dict[str, Any],
    replace_key: str,
    now: datetime,
    due_at: datetime | None = None,
) -> None:
    """`enqueue(replace_key=…)` for callers that do not need the job back: on a hot path (every batch
    of alerts asks for its group's chat message to be refreshed) it costs one statement, not an ORM
    round trip."""
    _check_enqueue(kind=kind, max_attempts=None)
    wakeup.mark(session)
    if _replaced_id(session, kind=kind, replace_key=replace_key, payload=payload, due_at=due_at, now=now):
        return
    enqueue(session=session, kind=kind, payload=payload, now=now, due_at=due_at, replace_key=replace_key)


def _replace_pending(
    session: Session,
    *,
    kind: str,
    replace_key: str,
    payload: dict[str, Any],
    due_at: datetime | None,
    now: datetime,
) -> Job | None:
    job_id = _replaced_id(
        session, kind=kind, replace_key=replace_key, payload=payload, due_at=due_at, now=now
    )
    return None if job_id is None else session.get(Job, job_id, populate_existing=True)


def _replaced_id(
    session: Session,
    *,
    kind: str,
    replace_key: str,
    payload: dict[str, Any],
    due_at: datetime | None,
    now: datetime,
) -> int | None:
    # One UPDATE, so a worker claiming the same row either sees the new payload or claimed it first
    # (then this matches nothing and a new job is added).
    parameters = {"job_kind": kind, "job_replace_key": replace_key, "new_payload": payload, "now": now}
    if due_at is not None:
        parameters["new_due_at"] = due_at
    statement = _REPLACE_WITH_DUE_AT if due_at is not None else _REPLACE
    found: int | None = session.connection().execute(statement, parameters).scalar()
    return found


def _replace(*, with_due_at: bool) -> Executable:
    """Built once: a statement with bound parameters, so each run skips building and caching it."""
    jobs = Job.metadata.tables[Job.__tablename__]
    values: dict[str, Any] = {
        "payload": bindparam("new_payload", type_=jobs.c.payload.type),
        "updated_at": bindparam("now", type_=jobs.c.updated_at.type),
    }
    if with_due_at:
        values["due_at"] = bindparam("new_due_at", type_=jobs.c.due_at.type)
    return (
        update(jobs)
        .where(
            jobs.c.kind == bindparam("job_kind"),
            jobs.c.replace_key == bindparam("job_replace_key"),
            jobs.c.status == JobStatus.PENDING.value,
        )
        .values(**values)
        .returning(jobs.c.id)
    )


_REPLACE = _replace(with_due_at=False)
_REPLACE_WITH_DUE_AT = _replace(with_due_at=True)


def get_job(*, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("job {value} does not exist", value=job_id)
    return job


def list_jobs(
    *, session: Session, status: str | None = None, kind: str | None = None, limit: int = 100
) -> list[Job]:
    """Pending jobs soonest due first; any other status most recently changed first."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == parse_status(status).value)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if status == JobStatus.PENDING:
        query = query.order_by(Job.due_at, Job.id)
    else:
        query = query.order_by(Job.updated_at.desc(), Job.id.desc())
    return list(session.scalars(query.limit(max(1, min(limit, MAX_LIST_LIMIT)))))


def job_counts(*, session: Session) -> dict[str, int]:
    """Jobs by status; every status is present, zero when none."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status))
    for status, count in rows:
        counts[status] = count
    return counts


def retry_job(*, session: Session, job_id: int, now: datetime) -> Job:
    """A dead job, or a failed one waiting for its next attempt, becomes due now with fresh attempts."""
    job = get_job(session=session, job_id=job_id)
    if job.status not in RETRYABLE:
        raise Conflict(
            "job {value} is {status}; only pending and dead jobs can be retried",
            value=job_id,
            status=job.status,
        )
    _make_due(job, now=now)
    session.flush()
    return job


def retry_dead_jobs(*, session: Session, now: datetime, kind: str | None = None) -> list[Job]:
    query = select(Job).where(Job.status == JobStatus.DEAD.value).order_by(Job.id)
    if kind is not None:
        query = query.where(Job.kind == kind)
    jobs = list(session.scalars(query.with_for_update()))
    for job in jobs:
        _make_due(job, now=now)
    session.flush()
    return jobs


def _make_due(job: Job, *, now: datetime) -> None:
    job.status = JobStatus.PENDING.value
    job.due_at = now
    job.attempts = 0
    job.locked_by = None
    job.locked_until = None
    job.finished_at = None
    job.updated_at = now


def purge_succeeded_jobs(*, session: Session, finished_before: datetime) -> int:
    """Delete succeeded jobs that finished before the cut-off, in chunks; return how many went."""
    chunk = (
        select(Job.id)
        .where(Job.status == JobStatus.SUCCEEDED.value, Job.finished_at < finished_before)
        .limit(PURGE_CHUNK)
        .scalar_subquery()
    )
    result = session.execute(
        delete(Job).where(Job.id.in_(chunk)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
