"""Recording what became of each job of a batch, through one database connection for the batch.

Keeping one connection for the batch spares a pool checkout (and its liveness ping) per job; each
report is still its own short transaction, committed before the next job starts, so a crash loses
at most the outcome of the job in hand (which then runs again when its lease expires).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, Engine

from hikeshi.core.clock import Clock
from hikeshi.jobs import claims
from hikeshi.jobs.claims import ClaimedJob
from hikeshi.jobs.rules import describe_error

log = logging.getLogger("hikeshi.jobs")

Report = Callable[[Connection, datetime], bool]


class Reporter:
    def __init__(self, *, engine: Engine, worker_id: str, clock: Clock) -> None:
        self.worker_id = worker_id
        self.clock = clock
        connection = engine.connect()
        if engine.dialect.name == "postgresql":
            # Every report is one UPDATE, atomic by itself: autocommit spares BEGIN and COMMIT round trips.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        self._connection = connection

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._connection.close()

    def hold(self, job: ClaimedJob, until: datetime) -> bool:
        """Renew a job's lease before it starts; False when another worker has taken it back."""
        return self._write(
            job,
            lambda connection, now: claims.extend_lease(
                session=connection, job_id=job.id, worker_id=self.worker_id, until=until, now=now
            ),
        )

    def succeeded(self, job: ClaimedJob) -> bool:
        return self._write(
            job,
            lambda connection, now: claims.mark_succeeded(
                session=connection, job_id=job.id, worker_id=self.worker_id, now=now
            ),
        )

    def failed(self, job: ClaimedJob, *, error: str, retry_at: datetime | None) -> bool:
        """Pending again at `retry_at`, or dead when it is None."""
        return self._write(
            job,
            lambda connection, now: claims.mark_failed(
                session=connection,
                job_id=job.id,
                worker_id=self.worker_id,
                now=now,
                error=error,
                retry_at=retry_at,
            ),
        )

    def release(self, jobs: list[ClaimedJob]) -> int:
        with self._connection.begin():
            return claims.release_jobs(
                session=self._connection,
                job_ids=[job.id for job in jobs],
                worker_id=self.worker_id,
                now=self.clock(),
            )

    def _write(self, job: ClaimedJob, report: Report) -> bool:
        """One report in its own transaction; a refusing database is logged, and the lease decides."""
        try:
            with self._connection.begin():
                held = report(self._connection, self.clock())
        except Exception as error:
            log.error("job %d (%s): recording failed: %s", job.id, job.kind, describe_error(error))
            return False
        if not held:
            log.warning("job %d (%s): another worker has taken it back; not recorded", job.id, job.kind)
        return held
