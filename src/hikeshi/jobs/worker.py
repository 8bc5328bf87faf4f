"""The worker: claims due jobs, runs their handlers, records the outcome, and keeps the table small.

`hikeshi worker` runs one in the foreground; `hikeshi serve` runs one in a thread beside the web app.
A handler commits its own work in its own session, then the worker records the job as succeeded in
another transaction: a crash between the two runs the handler again (at least once), which is why
handlers are written to be idempotent (the delivery log remembers what was sent).
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import signal
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from hikeshi.jobs import claims, service, wakeup
from hikeshi.jobs.claims import ClaimedJob
from hikeshi.jobs.locking import WorkerLock, lock_path_for
from hikeshi.jobs.registry import DEFAULT_LEASE, JobContext, JobRegistry, JobSpec
from hikeshi.jobs.reporting import Reporter
from hikeshi.jobs.rules import SUCCEEDED_RETENTION, after_failure

log = logging.getLogger("hikeshi.jobs")

HOUSEKEEPING_INTERVAL = timedelta(hours=1)
MAX_IDLE_BACKOFF = 30.0  # seconds between tries while the database is unreachable


def default_worker_id() -> str:
    """host:pid:random, so two workers never share an id, even across restarts of one pid."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        *,
        container: Any,
        registry: JobRegistry,
        worker_id: str | None = None,
        batch_size: int = 50,
        poll_interval: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        """On SQLite this takes the database's worker lock, or raises WorkerAlreadyRunning."""
        self.container = container
        self.registry = registry
        self.worker_id = (worker_id or default_worker_id())[:100]
        self.batch_size = max(1, batch_size)
        self.poll_interval = poll_interval
        self._rng = rng or random.SystemRandom()
        lock_path = lock_path_for(container.settings.database_url)
        self._lock = WorkerLock(lock_path) if lock_path is not None else None
        self._next_housekeeping: datetime | None = None
        if self._lock is not None:
            self._take_back_predecessors_jobs()

    def _take_back_predecessors_jobs(self) -> None:
        """On SQLite this is the only worker: jobs still `running` belong to one that died."""
        with self.container.engine.connect() as connection, connection.begin():
            expired = claims.expire_all_leases(session=connection, now=self._now())
        if expired:
            log.warning("worker %s takes back %d jobs its predecessor left running", self.worker_id, expired)

    def __enter__(self) -> Worker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def run_once(self) -> int:
        """Claim and run every job due now, batch after batch, until none is; return how many ran."""
        ran = 0
        while batch := self._claim():
            ran += self._run_batch(batch, stop=None)
        return ran

    def run(self, stop: threading.Event) -> None:
        """Run until `stop` is set; then finish the job in hand and give back the rest of the batch."""
        log.info("worker %s started (kinds: %s)", self.worker_id, ", ".join(self.registry.kinds()) or "none")
        idle_backoff = self.poll_interval
        while not stop.is_set():
            try:
                self._housekeep_when_due()
                batch = self._claim()
                if batch:
                    self._run_batch(batch, stop=stop)
                idle_backoff = self.poll_interval
            except Exception:
                # The database went away (a restart, a failover): keep trying, a little less often.
                log.exception("worker %s: a round of jobs failed; trying again", self.worker_id)
                batch = []
                idle_backoff = min(max(idle_backoff, 0.1) * 2, MAX_IDLE_BACKOFF)
            if len(batch) < self.batch_size:
                if idle_backoff > self.poll_interval:
                    stop.wait(idle_backoff)  # the database is away: look again later, stoppable at once
                else:
                    wakeup.wait(idle_backoff)  # or sooner: this process committed new jobs
        log.info("worker %s stopped", self.worker_id)

    @contextmanager
    def in_background(self) -> Iterator[threading.Thread]:
        """Run in a thread for as long as the block lasts (the web app's lifespan); stop gracefully."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop,), name="hikeshi-worker", daemon=True)
        thread.start()
        try:
            yield thread
        finally:
            stop.set()
            wakeup.notify()
            thread.join()

    def housekeep(self) -> int:
        """Delete succeeded jobs finished more than a week ago; return how many."""
        cutoff = self._now() - SUCCEEDED_RETENTION
        purged = 0
        while True:
            with self.container.sessions() as session:
                count = service.purge_succeeded_jobs(session=session, finished_before=cutoff)
                session.commit()
            purged += count
            if count < service.PURGE_CHUNK:
                return purged

    def schedule_recurring(self) -> int:
        """Enqueue the next occurrence of every recurring job; return how many were new.

        The idempotency key is the kind and its due time, so workers on many hosts add each occurrence
        once, and an occurrence that ran is not added again while its job row is kept.
        """
        now = self._now()
        added = 0
        with self.container.sessions() as session:
            for recurring in self.registry.recurring():
                due_at = recurring.next_due(now)
                job = service.enqueue(
                    session=session,
                    kind=recurring.kind,
                    payload={"due_at": due_at.isoformat()},
                    now=now,
                    due_at=due_at,
                    idempotency_key=recurring.idempotency_key(due_at),
                )
                added += job is not None
            session.commit()
        return added

    def _housekeep_when_due(self) -> None:
        now = self._now()
        if self._next_housekeeping is None or now >= self._next_housekeeping:
            self._next_housekeeping = now + HOUSEKEEPING_INTERVAL
            self.schedule_recurring()
            purged = self.housekeep()
            if purged:
                log.info("worker %s purged %d succeeded jobs older than a week", self.worker_id, purged)

    def _now(self) -> datetime:
        now: datetime = self.container.clock()
        return now

    def _claim(self) -> list[ClaimedJob]:
        leases = {spec.kind: spec.lease for spec in self.registry.specs()}
        with self.container.engine.connect() as connection, connection.begin():
            batch = claims.claim_due_jobs(
                session=connection,
                worker_id=self.worker_id,
                now=self._now(),
                limit=self.batch_size,
                leases=leases,
                default_lease=DEFAULT_LEASE,
            )
        for job in batch:
            if job.reclaimed:
                log.warning("job %d (%s) taken back after its worker's lease expired", job.id, job.kind)
        return batch

    def _run_batch(self, batch: list[ClaimedJob], *, stop: threading.Event | None) -> int:
        reporter = Reporter(
            engine=self.container.engine, worker_id=self.worker_id, clock=self.container.clock
        )
        with reporter:
            for index, job in enumerate(batch):
                if stop is not None and stop.is_set():
                    released = reporter.release(batch[index:])
                    log.info("worker %s gave back %d claimed jobs not yet started", self.worker_id, released)
                    return index
                self._run_one(job, reporter)
        return len(batch)

    def _run_one(self, job: ClaimedJob, reporter: Reporter) -> None:
        spec = self.registry.get(job.kind)
        if spec is None:
            error = f"UnknownKind: no handler is registered for job kind '{job.kind}'"
            log.error("job %d is dead: %s", job.id, error)
            reporter.failed(job, error=error, retry_at=None)
            return
        max_attempts = job.max_attempts or spec.max_attempts
        if job.attempts > max_attempts:
            # Taken back after its worker died on the last attempt: a job that kills workers stops here.
            error = "LeaseExpired: out of attempts; the worker running it stopped every time"
            log.error("job %d (%s) is dead: %s", job.id, job.kind, error)
            reporter.failed(job, error=error, retry_at=None)
            return
        now = self._now()
        # A job that waited long behind others in the batch gets its lease renewed before it starts.
        if job.locked_until - now < spec.lease / 2 and not reporter.hold(job, until=now + spec.lease):
            return
        context = JobContext(
            job_id=job.id,
            kind=job.kind,
            attempt=job.attempts,
            sessions=self.container.sessions,
            clock=self.container.clock,
            services=self.container,
            max_attempts=max_attempts,
        )
        try:
            spec.handler(context, job.payload)
        except Exception as error:
            self._failed(job, spec, error, max_attempts=max_attempts, reporter=reporter)
        else:
            reporter.succeeded(job)

    def _failed(
        self, job: ClaimedJob, spec: JobSpec, error: Exception, *, max_attempts: int, reporter: Reporter
    ) -> None:
        failure = after_failure(
            error,
            attempt=job.attempts,
            max_attempts=max_attempts,
            base=spec.base_delay,
            cap=spec.max_delay,
            now=self._now(),
            rng=self._rng,
        )
        # The message is redacted; where it came from helps without any of the payload's content.
        where = _origin(error)
        if failure.retry_at is None:
            log.error(
                "job %d (%s) is dead after attempt %d (%s): %s",
                job.id,
                job.kind,
                job.attempts,
                where,
                failure.error,
            )
        else:
            log.warning(
                "job %d (%s) attempt %d failed (%s), next at %s: %s",
                job.id,
                job.kind,
                job.attempts,
                where,
                failure.retry_at.isoformat(),
                failure.error,
            )
        reporter.failed(job, error=failure.error, retry_at=failure.retry_at)


def _origin(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


@contextmanager
def stopping_on_signals() -> Iterator[threading.Event]:
    """SIGTERM or Ctrl-C sets the event (graceful stop); a second one stops at once."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("signal %s: finishing the job in hand, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
