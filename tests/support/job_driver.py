"""A worker process for tests: `python -m tests.support.job_driver DATABASE_URL`.

It handles the kind `test.record` by inserting (job id, its process id) into the table `job_runs`, so
a test can see which process ran each job and whether any ran twice. It prints `ready` once it
polls, and stops gracefully on SIGTERM like `hikeshi worker`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from sqlalchemy import text

from hikeshi.bootstrap import bootstrap
from hikeshi.core.settings import load_settings
from hikeshi.jobs.registry import JobContext, JobRegistry, JobSpec
from hikeshi.jobs.worker import Worker, stopping_on_signals

RECORD_KIND = "test.record"
CREATE_TABLE = "CREATE TABLE job_runs (job_id BIGINT NOT NULL, pid INTEGER NOT NULL)"


def record(context: JobContext, payload: dict[str, Any]) -> None:
    with context.sessions() as db:
        db.execute(
            text("INSERT INTO job_runs (job_id, pid) VALUES (:job_id, :pid)"),
            {"job_id": context.job_id, "pid": os.getpid()},
        )
        db.commit()


def main(database_url: str) -> None:
    settings = load_settings(_env_file=None, env="test", database_url=database_url, secret_key="x" * 40)
    container = bootstrap(settings)
    registry = JobRegistry()
    registry.register(JobSpec(kind=RECORD_KIND, handler=record))
    with (
        Worker(container=container, registry=registry, poll_interval=0.05) as worker,
        stopping_on_signals() as stop,
    ):
        print("ready", flush=True)
        worker.run(stop)
    container.close()


if __name__ == "__main__":
    main(sys.argv[1])
